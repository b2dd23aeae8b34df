"""Patrol scenarios through the desk, each on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.disputes.dispute import Category, Dispute, Severity
from domain.errors import (
    AccessDenied,
    CaseNotFound,
    CommandIdReused,
    InvalidValue,
    StaleVersion,
    TransitionNotAllowed,
)
from domain.incidents.incident import Incident, Kind
from domain.patrols.patrol import Route, Shift, ShiftStatus
from infra.bootstrap import System
from service.patrols.clocks import CHECKPOINTS
from service.patrols.desk import SHIFT_CLOCKS, PatrolDesk
from service.store import CommandMeta
from tests.support import GRID, VILLAGE, Clock, person

TOWNSHIP = "anping.dongxi"
FOREIGN_VILLAGE = "anping.dongxi.shangba"
POINTS = [
    {"code": "C1", "name": "Bridge", "location": "north end"},
    {"code": "C2", "name": "School gate"},
    {"code": "C3", "name": "Reservoir", "location": "dam"},
]
PARTIES = [{"name": "Zhang San"}, {"name": "Li Si"}]


def desk(system: System) -> PatrolDesk:
    return system.casebook.patrols


def establish(system: System, role: str = "patrol_leader", node: str = VILLAGE, **meta: Any) -> Route:
    return desk(system).establish_route(
        person(role), node=node, name="River loop", checkpoints=POINTS, meta=CommandMeta(**meta)
    )


def schedule(
    system: System,
    route: Route,
    role: str = "patrol_leader",
    leader: str = "patrol_leader",
    members: Sequence[str] = ("patrol_member",),
    **meta: Any,
) -> Shift:
    now = system.casebook.clock()
    return desk(system).schedule_shift(
        person(role),
        route_id=route.id,
        leader=person(leader),
        members=[person(m) for m in members],
        planned_start=now,
        planned_end=now + timedelta(hours=4),
        meta=CommandMeta(**meta),
    )


def open_shift(system: System, *roles: str) -> Shift:
    shift = schedule(system, establish(system))
    for role in roles or ("patrol_leader",):
        shift = desk(system).sign_in_at_start(person(role), shift.id)
    return shift


def head(system: System) -> int:
    return system.casebook.recorder.max_notification_id() or 0


def history(system: System, shift_id: UUID) -> list[str]:
    _, events = desk(system).shift_with_history(person("auditor"), shift_id)
    return [type(e).__name__ for e in events]


def report_dispute(system: System, shift: Shift, role: str = "patrol_member", **facts: Any) -> Shift:
    report = {
        "parties": PARTIES,
        "category": Category.NEIGHBOURHOOD,
        "severity": Severity.MINOR,
        "description": "quarrel over a fence",
        **facts,
    }
    return desk(system).report_dispute_finding(person(role), shift.id, **report)


# -- routes ------------------------------------------------------------------------


def test_a_patrol_leader_lays_out_a_route_at_their_village(system: System):
    route = establish(system)
    stored, events = desk(system).route_with_history(person("patrol_member"), route.id)
    assert (stored.node, stored.name, stored.revision, stored.established_by) == (
        VILLAGE,
        "River loop",
        1,
        "gao-feng",
    )
    assert [c["code"] for c in stored.checkpoints] == ["C1", "C2", "C3"]
    assert [type(e).__name__ for e in events] == ["Established"]


def test_township_staff_manage_the_routes_of_a_village_below_them(system: System):
    route = establish(system, role="township")
    revised = desk(system).revise_route(person("township"), route.id, checkpoints=POINTS[:2])
    retired = desk(system).retire_route(person("township"), route.id, reason="bridge rebuilt")
    assert (revised.revision, retired.status.value, retired.established_by) == (2, "retired", "chen-jing")


def test_a_village_patrol_leader_does_not_manage_a_township_route(system: System):
    before = head(system)
    with pytest.raises(AccessDenied, match="outside Gao Feng's jurisdiction") as refusal:
        establish(system, node=TOWNSHIP)
    assert (refusal.value.right, refusal.value.node) == ("lead_patrol", TOWNSHIP)
    route = establish(system, role="township", node=TOWNSHIP)
    with pytest.raises(CaseNotFound):  # a route above the village is not the village's to read
        desk(system).retire_route(person("patrol_leader"), route.id)
    assert head(system) == before + 2  # the township's route and its receipt


def test_a_patrol_leader_of_another_village_does_not_manage_this_villages_routes(system: System):
    route = establish(system)
    before = head(system)
    with pytest.raises(CaseNotFound):  # another village's route is, to them, none at all
        desk(system).revise_route(person("foreign_patrol_leader"), route.id, checkpoints=POINTS[:1])
    assert establish(system, role="foreign_patrol_leader", node=FOREIGN_VILLAGE).node == FOREIGN_VILLAGE
    with pytest.raises(AccessDenied):
        establish(system, role="foreign_patrol_leader")
    assert head(system) == before + 2


@pytest.mark.parametrize("role", ["patrol_member", "auditor", "mediator"])
def test_those_who_neither_manage_routes_nor_lead_patrols_lay_out_no_route(system: System, role: str):
    before = head(system)
    with pytest.raises(
        AccessDenied, match="has neither the right to manage routes nor to lead patrol"
    ) as refusal:
        establish(system, role=role)
    assert refusal.value.right == "manage_routes or lead_patrol"
    assert "patrol_leader" in str(refusal.value) and "workstation_staff" in str(refusal.value)
    assert head(system) == before


@pytest.mark.parametrize(
    ("node", "reason"),
    [
        (GRID, "is a grid; routes are laid out at a village or a township"),
        ("anping.nowhere", "no node 'anping.nowhere'"),
    ],
)
def test_a_route_is_laid_out_only_at_a_known_village_or_township(system: System, node: str, reason: str):
    before = head(system)
    with pytest.raises(InvalidValue, match=reason) as refusal:
        establish(system, node=node)
    assert refusal.value.field == "node"
    assert head(system) == before


def test_a_shift_keeps_the_checkpoints_of_the_route_revision_it_was_scheduled_on(system: System):
    route = establish(system)
    before = schedule(system, route)
    desk(system).revise_route(person("patrol_leader"), route.id, checkpoints=[POINTS[2], POINTS[0]])
    after = schedule(system, route)
    stored = desk(system).shift(None, before.id)
    assert (stored.route_revision, stored.checkpoint_codes()) == (1, ["C1", "C2", "C3"])
    assert (after.route_revision, after.checkpoint_codes()) == (2, ["C3", "C1"])


def test_a_retired_route_takes_no_new_shift_and_the_refusal_writes_nothing(system: System):
    route = establish(system)
    desk(system).retire_route(person("patrol_leader"), route.id, reason="road closed")
    before = head(system)
    with pytest.raises(TransitionNotAllowed) as refusal:
        schedule(system, route)
    assert (refusal.value.action, refusal.value.state) == ("schedule_shift", "retired")
    assert head(system) == before


# -- scheduling --------------------------------------------------------------------


def test_a_team_may_include_a_patrol_member_of_the_township_above_the_route(system: System):
    shift = schedule(system, establish(system), members=("patrol_member", "township_patrol_member"))
    assert shift.team() == ["gao-feng", "ma-li", "song-yu"]
    assert shift.status == ShiftStatus.SCHEDULED and shift.scheduled_by == "gao-feng"


@pytest.mark.parametrize(
    ("leader", "members", "field", "reason"),
    [
        (
            "patrol_leader",
            ("foreign_patrol_member",),
            "members",
            "Fang Qi (patrol_member at anping.dongxi.shangba) holds no",
        ),
        ("patrol_leader", ("grid_member",), "members", "holds no patrol_leader or patrol_member post over"),
        (
            "patrol_member",
            ("township_patrol_member",),
            "leader",
            "Ma Li (patrol_member at anping.dongxi.qiaotou) holds no patrol_leader post",
        ),
        ("township", ("patrol_member",), "leader", "holds no patrol_leader post"),
    ],
)
def test_each_on_the_team_holds_a_patrol_post_over_the_routes_node(
    system: System, leader: str, members: tuple[str, ...], field: str, reason: str
):
    route = establish(system)
    before = head(system)
    with pytest.raises(InvalidValue, match=reason.replace("(", r"\(").replace(")", r"\)")) as refusal:
        schedule(system, route, leader=leader, members=members)
    assert refusal.value.field == field
    assert head(system) == before


def test_a_person_not_in_the_directory_is_named_when_scheduling(system: System):
    route = establish(system)
    with pytest.raises(InvalidValue, match="no person 'nobody'") as refusal:
        desk(system).schedule_shift(
            person("patrol_leader"),
            route_id=route.id,
            leader="gao-feng",
            members=["nobody"],
            planned_start=system.casebook.clock(),
            planned_end=system.casebook.clock() + timedelta(hours=1),
        )
    assert refusal.value.field == "members"


def test_shifts_are_scheduled_by_those_who_lead_patrols_over_the_route(system: System):
    route = establish(system)
    before = head(system)
    with pytest.raises(AccessDenied) as refusal:
        schedule(system, route, role="patrol_member")
    assert refusal.value.right == "lead_patrol"
    with pytest.raises(InvalidValue, match="no route with id"):  # another village's route: none to them
        schedule(system, route, role="foreign_patrol_leader")
    assert head(system) == before
    assert schedule(system, route, role="township").scheduled_by == "chen-jing"
    assert schedule(system, route, role="township_patrol_leader").scheduled_by == "pan-wei"


def test_an_unknown_route_is_named_when_scheduling(system: System):
    with pytest.raises(InvalidValue) as refusal:
        desk(system).schedule_shift(
            person("patrol_leader"),
            route_id=uuid4(),
            leader="gao-feng",
            members=["ma-li"],
            planned_start=system.casebook.clock(),
            planned_end=system.casebook.clock() + timedelta(hours=1),
        )
    assert refusal.value.field == "route_id"


def test_a_schedule_retried_with_its_command_id_schedules_one_shift(system: System):
    route = establish(system)
    first, again = (schedule(system, route, command_id="plan-7") for _ in range(2))
    assert first.id == again.id and history(system, first.id) == ["Scheduled"]


# -- a shift on the route -----------------------------------------------------------


def test_a_patrol_from_the_first_sign_in_to_its_closing_record(system: System, clock: Clock):
    shift = schedule(system, establish(system), members=("patrol_member", "township_patrol_member"))
    patrols = desk(system)
    opened = patrols.sign_in_at_start(person("patrol_leader"), shift.id)
    assert (opened.status, opened.started_at) == (ShiftStatus.OPEN, clock.now)
    patrols.sign_in_at_start(person("patrol_member"), shift.id)
    clock.advance(timedelta(minutes=40))
    for role in ("patrol_leader", "patrol_member"):
        patrols.sign_in_at_checkpoint(person(role), shift.id, checkpoint="C1")
    clock.advance(timedelta(minutes=40))
    patrols.sign_in_at_checkpoint(person("patrol_leader"), shift.id, checkpoint="C3")
    patrols.miss_checkpoint(person("patrol_leader"), shift.id, checkpoint="C2", reason="school gate blocked")
    clock.advance(timedelta(hours=2))
    for role in ("patrol_leader", "patrol_member"):
        patrols.sign_in_at_end(person(role), shift.id)
    closed = patrols.close_shift(person("patrol_leader"), shift.id, notes="quiet")
    assert closed.status == ShiftStatus.CLOSED and closed.ended_at == clock.now
    assert closed.record == {
        "checkpoints_scheduled": ["C1", "C2", "C3"],
        "checkpoints_signed": ["C1", "C3"],
        "checkpoints_missed": ["C2"],
        "present": ["gao-feng", "ma-li"],
        "absent": ["song-yu"],
        "signed_out": ["gao-feng", "ma-li"],
        "out_of_order_sign_ins": 1,
        "findings": [],
        "notes": "quiet",
    }
    assert history(system, shift.id) == [
        "Scheduled",
        "SignedInAtStart",
        "SignedInAtStart",
        "SignedInAtCheckpoint",
        "SignedInAtCheckpoint",
        "SignedInAtCheckpoint",
        "CheckpointMissed",
        "SignedInAtEnd",
        "SignedInAtEnd",
        "Closed",
    ]


def test_only_the_team_signs_in_and_a_refusal_writes_nothing(system: System):
    shift = open_shift(system)
    before = head(system)
    with pytest.raises(AccessDenied, match="song-yu is not on this shift's team"):
        desk(system).sign_in_at_start(person("township_patrol_member"), shift.id)
    with pytest.raises(CaseNotFound):
        desk(system).sign_in_at_start(person("foreign_patrol_member"), shift.id)
    with pytest.raises(AccessDenied) as refusal:
        desk(system).sign_in_at_checkpoint(person("auditor"), shift.id, checkpoint="C1")
    assert refusal.value.right == "patrol"
    assert head(system) == before


def test_leading_a_shift_is_for_those_who_lead_patrols_over_its_node(system: System):
    shift = open_shift(system, "patrol_leader", "patrol_member")
    before = head(system)
    with pytest.raises(AccessDenied) as refusal:
        desk(system).miss_checkpoint(person("patrol_member"), shift.id, checkpoint="C1", reason="x")
    assert refusal.value.right == "lead_patrol"
    with pytest.raises(CaseNotFound):
        desk(system).close_shift(person("foreign_patrol_leader"), shift.id)
    assert head(system) == before
    desk(system).miss_checkpoint(person("township_patrol_leader"), shift.id, checkpoint="C1", reason="x")
    desk(system).sign_in_at_end(person("patrol_member"), shift.id)
    assert desk(system).close_shift(person("township"), shift.id).status == ShiftStatus.CLOSED


def test_a_shift_nobody_came_to_is_recorded_missed_and_one_not_yet_due_cancelled(
    system: System, clock: Clock
):
    route = establish(system)
    missed = schedule(system, route)
    clock.advance(timedelta(hours=1))
    recorded = desk(system).miss_shift(person("patrol_leader"), missed.id, reason="all at a fire")
    assert recorded.status == ShiftStatus.MISSED
    later = desk(system).schedule_shift(
        person("patrol_leader"),
        route_id=route.id,
        leader="gao-feng",
        members=["ma-li"],
        planned_start=clock.now + timedelta(days=1),
        planned_end=clock.now + timedelta(days=1, hours=3),
    )
    assert (
        desk(system).cancel_shift(person("patrol_leader"), later.id, reason="typhoon").status
        == ShiftStatus.CANCELLED
    )
    assert history(system, missed.id) == ["Scheduled", "Missed"]
    assert history(system, later.id) == ["Scheduled", "Cancelled"]


def test_a_shift_command_retried_with_the_same_id_takes_effect_once(system: System):
    shift = open_shift(system)
    for _ in range(2):
        desk(system).sign_in_at_checkpoint(
            person("patrol_leader"), shift.id, checkpoint="C1", meta=CommandMeta(command_id="tablet-3/c1")
        )
    assert history(system, shift.id) == ["Scheduled", "SignedInAtStart", "SignedInAtCheckpoint"]


def test_a_command_id_used_for_another_command_is_refused(system: System):
    shift = open_shift(system)
    desk(system).sign_in_at_checkpoint(
        person("patrol_leader"), shift.id, checkpoint="C1", meta=CommandMeta(command_id="k1")
    )
    with pytest.raises(CommandIdReused):
        desk(system).sign_in_at_end(person("patrol_leader"), shift.id, meta=CommandMeta(command_id="k1"))


def test_a_command_on_a_stale_version_is_refused_when_the_caller_pinned_it(system: System):
    shift = open_shift(system)
    before = head(system)
    with pytest.raises(StaleVersion) as refusal:
        desk(system).sign_in_at_end(person("patrol_leader"), shift.id, meta=CommandMeta(expected_version=1))
    assert (refusal.value.expected, refusal.value.actual) == (1, 2)
    assert head(system) == before


def test_an_unknown_route_or_shift_is_not_found(system: System):
    shift = open_shift(system)
    with pytest.raises(CaseNotFound):
        desk(system).shift(None, uuid4())
    with pytest.raises(CaseNotFound):
        desk(system).sign_in_at_start(person("patrol_leader"), uuid4())
    with pytest.raises(CaseNotFound):
        desk(system).route(None, shift.id)  # a shift is not a route
    with pytest.raises(CaseNotFound):
        desk(system).revise_route(person("patrol_leader"), uuid4(), checkpoints=POINTS)


def test_patrols_are_read_inside_their_node_and_above(system: System):
    shift = open_shift(system)
    for role in ("patrol_member", "township", "auditor"):
        assert desk(system).shift(person(role), shift.id).id == shift.id
        assert desk(system).route(person(role), UUID(shift.route_id)).node == VILLAGE
    for role in ("foreign_patrol_member", "foreign_grid_member"):
        with pytest.raises(CaseNotFound):
            desk(system).shift(person(role), shift.id)


# -- findings -------------------------------------------------------------------------

FINDINGS = {
    "dispute": {
        "parties": PARTIES,
        "category": Category.NEIGHBOURHOOD,
        "severity": Severity.MINOR,
        "description": "quarrel over a fence",
    },
    "incident": {
        "kind": Kind.FIRE,
        "description": "barn on fire",
        "location": "Li's barn by the reservoir",
    },
}
# For each kind: a fact that the case's own desk refuses, naming the field.
REFUSED_FACTS = {
    "dispute": ({"parties": PARTIES[:1]}, "parties"),
    "incident": ({"kind": Kind.SAFETY_ACCIDENT}, "injured"),
}


def report_finding(
    system: System, what: str, shift: Shift, role: str = "patrol_member", **facts: Any
) -> Shift:
    report = (
        desk(system).report_dispute_finding if what == "dispute" else desk(system).report_incident_finding
    )
    return report(person(role), shift.id, **{**FINDINGS[what], **facts})


def found_case(system: System, kind: str, case_id: str) -> Dispute | Incident:
    cases = system.casebook.disputes if kind == "dispute" else system.casebook.incidents
    return cases.get(None, UUID(case_id))


def test_a_dispute_found_on_patrol_is_reported_and_linked_both_ways(system: System):
    shift = open_shift(system, "patrol_leader", "patrol_member")
    linked = report_dispute(system, shift, checkpoint="C2", meta=CommandMeta(command_id="find-1"))
    [finding] = linked.findings
    dispute = system.casebook.disputes.get(None, UUID(finding["case_id"]))
    assert (finding["kind"], finding["checkpoint"], finding["reported_by"]) == ("dispute", "C2", "ma-li")
    assert (dispute.source.value, dispute.source_ref, dispute.village, dispute.grid) == (
        "patrol",
        str(shift.id),
        VILLAGE,
        None,
    )
    assert finding["at"] == dispute.reported_at
    _, events = desk(system).shift_with_history(person("auditor"), shift.id)
    assert events[-1].command_id == "find-1"


def test_an_incident_found_on_patrol_is_reported_through_the_incident_desk_and_linked_both_ways(
    system: System, clock: Clock
):
    shift = open_shift(system, "patrol_leader", "patrol_member")
    clock.advance(timedelta(minutes=50))
    linked = report_finding(system, "incident", shift, checkpoint="C3", meta=CommandMeta(command_id="find-9"))
    [finding] = linked.findings
    incident = system.casebook.incidents.get(None, UUID(finding["case_id"]))
    assert (finding["kind"], finding["checkpoint"], finding["reported_by"], finding["summary"]) == (
        "incident",
        "C3",
        "ma-li",
        "barn on fire",
    )
    assert (incident.origin_kind, incident.origin_id, incident.village, incident.grid) == (
        "patrol",
        str(shift.id),
        VILLAGE,
        None,
    )
    assert (incident.kind, incident.reported_by, incident.location) == (
        Kind.FIRE,
        "ma-li",
        "Li's barn by the reservoir",
    )
    assert finding["at"] == incident.reported_at == incident.occurred_at == clock.now
    _, events = desk(system).shift_with_history(person("auditor"), shift.id)
    assert events[-1].command_id == "find-9"
    _, reported = system.casebook.incidents.with_history(person("auditor"), incident.id)
    assert reported[0].command_id == "find-9:incident"


def test_an_incident_found_on_patrol_keeps_the_facts_of_its_kind_and_when_it_happened(system: System):
    shift = open_shift(system, "patrol_leader", "patrol_member")
    earlier = system.casebook.clock() - timedelta(minutes=20)
    linked = report_finding(
        system,
        "incident",
        shift,
        kind=Kind.SAFETY_ACCIDENT,
        description="tractor overturned",
        injured=1,
        dead=0,
        occurred_at=earlier,
    )
    incident = found_case(system, "incident", linked.findings[0]["case_id"])
    assert (incident.kind, incident.injured, incident.dead, incident.fatal, incident.occurred_at) == (
        Kind.SAFETY_ACCIDENT,
        1,
        0,
        False,
        earlier,
    )


@pytest.mark.parametrize("kind", FINDINGS)
def test_a_case_found_in_a_grid_is_reported_at_that_grid(system: System, kind: str):
    shift = open_shift(system, "patrol_leader", "patrol_member")
    linked = report_finding(system, kind, shift, grid=GRID)
    case = found_case(system, kind, linked.findings[0]["case_id"])
    assert (case.grid, case.village) == (GRID, VILLAGE)


@pytest.mark.parametrize("kind", FINDINGS)
def test_a_finding_on_a_township_route_names_its_village(system: System, kind: str):
    route = establish(system, role="township", node=TOWNSHIP)
    shift = schedule(
        system, route, role="township", leader="township_patrol_leader", members=("township_patrol_member",)
    )
    desk(system).sign_in_at_start(person("township_patrol_member"), shift.id)
    before = head(system)
    with pytest.raises(InvalidValue, match="name the village or grid") as refusal:
        report_finding(system, kind, shift, role="township_patrol_member")
    assert refusal.value.field == "village" and head(system) == before
    linked = report_finding(system, kind, shift, role="township_patrol_member", village=FOREIGN_VILLAGE)
    assert found_case(system, kind, linked.findings[0]["case_id"]).village == FOREIGN_VILLAGE


@pytest.mark.parametrize("kind", FINDINGS)
def test_a_village_patrol_reports_no_case_in_another_village(system: System, kind: str):
    shift = open_shift(system, "patrol_leader", "patrol_member")
    before = head(system)
    with pytest.raises(AccessDenied, match="outside Ma Li's jurisdiction") as refusal:
        report_finding(system, kind, shift, village=FOREIGN_VILLAGE)
    assert (refusal.value.right, refusal.value.node) == (f"report_{kind}", FOREIGN_VILLAGE)
    assert head(system) == before


@pytest.mark.parametrize("kind", FINDINGS)
def test_a_finding_retried_with_its_command_id_reports_one_case_and_one_link(system: System, kind: str):
    shift = open_shift(system, "patrol_leader", "patrol_member")
    first, again = (
        report_finding(system, kind, shift, meta=CommandMeta(command_id="find-2")) for _ in range(2)
    )
    assert first.findings == again.findings and len(again.findings) == 1
    assert history(system, shift.id).count("FindingReported") == 1
    assert _cases_from(system, kind, shift) == [again.findings[0]["case_id"]]


@pytest.mark.parametrize("kind", FINDINGS)
def test_a_finding_retried_after_a_crash_between_its_steps_records_only_the_link(
    system: System, monkeypatch: pytest.MonkeyPatch, kind: str
):
    shift = open_shift(system, "patrol_leader", "patrol_member")

    def crash(*_: object, **__: object) -> None:
        raise RuntimeError("the process died after reporting the case")

    monkeypatch.setattr(desk(system), "_on_shift", crash)
    with pytest.raises(RuntimeError):
        report_finding(system, kind, shift, meta=CommandMeta(command_id="find-3"))
    monkeypatch.undo()
    assert len(_cases_from(system, kind, shift)) == 1 and "FindingReported" not in history(system, shift.id)
    linked = report_finding(system, kind, shift, meta=CommandMeta(command_id="find-3"))
    assert _cases_from(system, kind, shift) == [linked.findings[0]["case_id"]]


@pytest.mark.parametrize("kind", FINDINGS)
@pytest.mark.parametrize(
    ("roles", "reporter", "error"),
    [
        ((), "patrol_member", TransitionNotAllowed),  # nobody has started the shift
        (("patrol_leader",), "patrol_member", TransitionNotAllowed),  # ma-li has not signed in
        (("patrol_leader",), "township_patrol_member", AccessDenied),  # not on the team
        (("patrol_leader",), "auditor", AccessDenied),  # no right to patrol
    ],
)
def test_a_refused_finding_reports_no_case(
    system: System, roles: tuple[str, ...], reporter: str, error: type[Exception], kind: str
):
    shift = schedule(system, establish(system))
    for role in roles:
        shift = desk(system).sign_in_at_start(person(role), shift.id)
    before = head(system)
    with pytest.raises(error):
        report_finding(system, kind, shift, role=reporter)
    assert head(system) == before


@pytest.mark.parametrize("kind", FINDINGS)
def test_a_finding_on_a_stale_shift_version_or_with_refused_facts_reports_no_case(system: System, kind: str):
    shift = open_shift(system, "patrol_leader", "patrol_member")
    before = head(system)
    with pytest.raises(StaleVersion):
        report_finding(system, kind, shift, meta=CommandMeta(expected_version=2))
    with pytest.raises(InvalidValue) as refusal:
        report_finding(system, kind, shift, checkpoint="C9")
    assert refusal.value.field == "checkpoint"
    facts, field = REFUSED_FACTS[kind]
    with pytest.raises(InvalidValue) as refusal:
        report_finding(system, kind, shift, **facts)
    assert refusal.value.field == field
    assert head(system) == before


def _cases_from(system: System, kind: str, shift: Shift) -> list[str]:
    """The ids of the cases of the kind whose report names the shift as where it came from."""
    topic = Dispute.Reported.TOPIC if kind == "dispute" else Incident.Reported.TOPIC
    found = []
    for item in system.casebook.recorder.select_notifications(1, 10_000, topics=[topic]):
        case = found_case(system, kind, str(item.originator_id))
        if (case.source_ref if kind == "dispute" else case.origin_id) == str(shift.id):
            found.append(str(case.id))
    return found


# -- the deadline clock ----------------------------------------------------------------


def test_the_deadline_records_a_missed_shift_once_however_often_it_runs(system: System):
    shift = schedule(system, establish(system))
    due = shift.planned_start + timedelta(hours=1)
    for _ in range(3):
        missed = desk(system).record_missed_shift_for_deadline(shift.id, due_at=due)
    assert (missed.status, missed.ended_at) == (ShiftStatus.MISSED, due)
    _, events = desk(system).shift_with_history(person("auditor"), shift.id)
    assert [type(e).__name__ for e in events] == ["Scheduled", "Missed"]
    assert (events[-1].actor, events[-1].trigger) == ("system:deadline", "deadline")
    assert events[-1].command_id == f"deadline:{shift.id}:shift-missed:{due.isoformat()}"


def test_the_deadline_leaves_a_shift_that_started_alone(system: System):
    shift = open_shift(system)
    desk(system).record_missed_shift_for_deadline(shift.id, due_at=shift.planned_start + timedelta(hours=1))
    assert history(system, shift.id) == ["Scheduled", "SignedInAtStart"]


def test_the_deadline_records_a_missed_checkpoint_once_and_leaves_a_signed_one_alone(system: System):
    shift = open_shift(system)
    desk(system).sign_in_at_checkpoint(person("patrol_leader"), shift.id, checkpoint="C1")
    due = shift.planned_end
    for _ in range(2):
        for code in ("C1", "C2"):
            result = desk(system).record_missed_checkpoint_for_deadline(shift.id, checkpoint=code, due_at=due)
    assert list(result.missed) == ["C2"] and result.missed["C2"]["by"] == "system:deadline"
    assert history(system, shift.id) == [
        "Scheduled",
        "SignedInAtStart",
        "SignedInAtCheckpoint",
        "CheckpointMissed",
    ]


def test_the_deadline_leaves_the_checkpoints_of_a_closed_shift_alone(system: System):
    shift = open_shift(system)
    desk(system).sign_in_at_end(person("patrol_leader"), shift.id)
    closed = desk(system).close_shift(person("patrol_leader"), shift.id)
    before = head(system)
    desk(system).record_missed_checkpoint_for_deadline(shift.id, checkpoint="C1", due_at=closed.planned_end)
    assert head(system) == before


def test_checkpoints_all_signed_in_time_stop_the_checkpoint_clock_met_even_when_learnt_of_with_the_closing(
    system: System,
    clock: Clock,
):
    shift = open_shift(system)
    system.casebook.keepers["patrol_shift"].sync(
        shift.id, 0
    )  # the checkpoint clock runs from the planned end
    clock.advance(timedelta(hours=3, minutes=50))  # ten minutes before the planned end
    for point in ("C1", "C2", "C3"):
        desk(system).sign_in_at_checkpoint(person("patrol_leader"), shift.id, checkpoint=point)
    clock.advance(timedelta(hours=1))
    desk(system).sign_in_at_end(person("patrol_leader"), shift.id)
    desk(system).close_shift(person("patrol_leader"), shift.id, notes="quiet")

    system.casebook.keepers["patrol_shift"].sync(shift.id, 0)  # the workflow learns of all of it at once

    found = system.casebook.deadlines.clocks(SHIFT_CLOCKS, shift.id)
    assert found is not None
    [checkpoints] = [c for c in found.clocks.values() if c.clock == CHECKPOINTS]
    assert (checkpoints.status, checkpoints.ended_at) == ("stopped", checkpoints.due_at)
    assert checkpoints.outcome == "met: every checkpoint settled; signed: C1, C2, C3"

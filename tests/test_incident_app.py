"""Incident scenarios through the casebook, each on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.disputes.dispute import Category, Severity
from domain.errors import (
    AccessDenied,
    CaseNotFound,
    CommandIdReused,
    InvalidValue,
    StaleVersion,
    TransitionNotAllowed,
)
from domain.incidents.incident import Incident, Kind, Marker, ReportingLevel, Status
from infra.bootstrap import System
from service.store import CommandMeta
from tests.support import FOREIGN_GRID, GRID, OTHER_GRID, VILLAGE, Interleaved, person

TOWNSHIP, COUNTY = "anping.dongxi", "anping"


def report(system: System, role: str = "grid_member", grid: str | None = GRID, **facts: Any) -> Incident:
    meta = CommandMeta(**{k: facts.pop(k) for k in ("command_id", "effective_at") if k in facts})
    place = {"grid": grid} if "village" not in facts else {}
    return system.casebook.incidents.report(
        person(role),
        **{
            **place,
            "kind": Kind.SAFETY_ACCIDENT,
            "description": "scaffold collapsed",
            "location": "brick kiln",
            "occurred_at": system.casebook.clock() - timedelta(hours=1),
            "injured": 2,
            "dead": 0,
            **facts,
        },
        meta=meta,
    )


def head(system: System) -> int:
    return system.casebook.recorder.max_notification_id() or 0


def history(system: System, incident_id: UUID) -> list[Any]:
    return system.casebook.incidents.with_history(person("auditor"), incident_id)[1]


def names(system: System, incident_id: UUID) -> list[str]:
    return [type(e).__name__ for e in history(system, incident_id)]


# -- reporting -------------------------------------------------------------------------


def test_a_reported_incident_is_stored_with_its_village_reporter_and_facts(system: System):
    incident = report(system)
    stored = system.casebook.incidents.get(person("village_staff"), incident.id)
    assert (stored.village, stored.grid, stored.node, stored.reported_by) == (
        VILLAGE,
        GRID,
        GRID,
        "wang-fang",
    )
    assert (stored.kind, stored.injured, stored.dead, stored.status) == (
        Kind.SAFETY_ACCIDENT,
        2,
        0,
        Status.REPORTED,
    )
    assert stored.reported_at == system.casebook.clock()
    assert names(system, incident.id) == ["Reported"]


def test_an_incident_may_be_reported_at_a_village(system: System):
    incident = report(system, role="patrol_member", village=VILLAGE)
    assert (incident.village, incident.grid, incident.node) == (VILLAGE, None, VILLAGE)


def test_a_report_at_an_unknown_or_wrong_kind_of_node_names_the_field_and_writes_nothing(system: System):
    before = head(system)
    with pytest.raises(InvalidValue) as refusal:
        report(system, grid="anping.nowhere")
    assert refusal.value.field == "grid"
    with pytest.raises(InvalidValue, match="is a township, not a village") as refusal:
        report(system, role="township", village=TOWNSHIP)
    assert refusal.value.field == "village"
    with pytest.raises(InvalidValue) as refusal:
        report(system, grid=None)
    assert refusal.value.field == "grid"
    assert head(system) == before


def test_a_grid_member_reports_in_their_own_grid_only(system: System):
    for where in ({"grid": OTHER_GRID}, {"grid": FOREIGN_GRID}, {"village": VILLAGE}):
        with pytest.raises(AccessDenied, match="outside Wang Fang's jurisdiction"):
            report(system, **where)
    assert report(system, role="foreign_grid_member", grid=FOREIGN_GRID).village == "anping.dongxi.shangba"


@pytest.mark.parametrize("role", ["patrol_member", "patrol_leader", "village_staff"])
def test_patrol_people_and_village_staff_report_in_their_village_and_its_grids_only(
    system: System, role: str
):
    assert report(system, role=role, grid=OTHER_GRID).grid == OTHER_GRID
    assert report(system, role=role, village=VILLAGE).node == VILLAGE
    with pytest.raises(AccessDenied) as refusal:
        report(system, role=role, grid=FOREIGN_GRID)
    assert refusal.value.node == FOREIGN_GRID


def test_those_without_the_right_to_report_incidents_are_refused_naming_it(system: System):
    for role in ("auditor", "mediator", "petition_agent"):
        with pytest.raises(AccessDenied) as refusal:
            report(system, role=role)
        assert refusal.value.right == "report_incident"
        assert "does not have the right to report incident" in str(refusal.value)


def test_an_incident_from_a_dispute_names_the_dispute_it_came_from(system: System):
    dispute = system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": "Zhang San"}, {"name": "Li Si"}],
        category=Category.LAND_ACQUISITION,
        severity=Severity.MAJOR,
        description="compensation",
        occurred_at=system.casebook.clock() - timedelta(days=3),
    )
    incident = report(
        system,
        kind=Kind.MASS_INCIDENT,
        injured=None,
        dead=None,
        markers=[Marker.ROAD_BLOCKADE],
        people_involved=60,
        origin_kind="dispute",
        origin_id=str(dispute.id).upper(),
    )
    assert (incident.origin_kind, incident.origin_id) == ("dispute", str(dispute.id))
    assert history(system, incident.id)[0].origin_id == str(dispute.id)


def test_an_unknown_or_malformed_origin_dispute_is_refused_naming_the_field(system: System):
    before = head(system)
    for origin_id in (str(uuid4()), "dispute-7"):
        with pytest.raises(InvalidValue) as refusal:
            report(system, origin_kind="dispute", origin_id=origin_id)
        assert refusal.value.field == "origin_id"
    incident = report(system)
    with pytest.raises(InvalidValue, match="no dispute with id"):
        report(system, origin_kind="dispute", origin_id=str(incident.id))
    assert head(system) == before + 2  # the incident and its receipt


def test_an_incident_from_a_patrol_names_a_shift_that_exists(system: System):
    patrols, now = system.casebook.patrols, system.casebook.clock()
    route = patrols.establish_route(
        person("patrol_leader"), node=VILLAGE, name="Loop", checkpoints=[{"code": "C1", "name": "Bridge"}]
    )
    shift = patrols.schedule_shift(
        person("patrol_leader"),
        route_id=route.id,
        leader="gao-feng",
        members=["ma-li"],
        planned_start=now,
        planned_end=now + timedelta(hours=2),
    )
    incident = report(
        system, role="patrol_leader", origin_kind="patrol", origin_id=f" {str(shift.id).upper()} "
    )
    assert (incident.origin_kind, incident.origin_id) == ("patrol", str(shift.id))
    before = head(system)
    for origin_id, reason in (
        ("shift-0302-night", "is not a patrol shift id"),
        (str(route.id), "no patrol shift"),
    ):
        with pytest.raises(InvalidValue, match=reason) as refusal:
            report(system, role="patrol_leader", origin_kind="patrol", origin_id=origin_id)
        assert refusal.value.field == "origin_id"
    assert head(system) == before


# -- the lifecycle and who acts ---------------------------------------------------------------


def test_an_incident_goes_from_report_to_closure_with_its_history(system: System):
    desk, staff = system.casebook.incidents, person("village_staff")
    incident = report(system)
    desk.report_upward(staff, incident.id, level=ReportingLevel.TOWNSHIP, recipient="township duty office")
    desk.handle(staff, incident.id, measures="site sealed", handled_by="village workstation")
    closed = desk.close(person("township"), incident.id, outcome="kiln inspected and reopened")
    assert closed.status == Status.CLOSED
    events = history(system, incident.id)
    assert [type(e).__name__ for e in events] == ["Reported", "ReportedUpward", "Handled", "Closed"]
    assert [e.actor for e in events] == ["wang-fang", "xu-min", "xu-min", "chen-jing"]
    assert events[1].to_node == TOWNSHIP


def test_an_upward_report_names_the_node_of_the_level_where_the_tree_has_one(system: System):
    desk, staff = system.casebook.incidents, person("township")
    incident = report(system)
    for level in (ReportingLevel.COUNTY, ReportingLevel.PROVINCE):
        desk.report_upward(staff, incident.id, level=level)
    assert [(e.level, e.to_node) for e in history(system, incident.id)[1:]] == [
        ("county", COUNTY),
        ("province", None),
    ]


def test_grid_and_patrol_people_report_but_do_not_handle(system: System):
    incident = report(system)
    for role in ("grid_member", "patrol_leader", "patrol_member"):
        with pytest.raises(AccessDenied) as refusal:
            system.casebook.incidents.handle(person(role), incident.id, measures="x", handled_by="y")
        assert refusal.value.right == "handle_incident"


def test_workstation_staff_act_on_incidents_in_their_node_and_below_not_in_another_village(system: System):
    desk = system.casebook.incidents
    in_grid, in_village = report(system), report(system, role="patrol_member", village=VILLAGE)
    for incident in (in_grid, in_village):
        assert (
            desk.handle(person("village_staff"), incident.id, measures="x", handled_by="y").status
            == Status.HANDLED
        )
    before = head(system)
    with pytest.raises(CaseNotFound):  # another village's incident is, to them, none at all
        desk.report_upward(person("foreign_village_staff"), in_grid.id, level=ReportingLevel.TOWNSHIP)
    with pytest.raises(CaseNotFound):
        desk.get(person("foreign_grid_member"), in_grid.id)
    assert head(system) == before


def test_after_reporting_to_the_county_county_staff_act_on_it(system: System):
    desk = system.casebook.incidents
    incident = report(system)
    desk.report_upward(person("township"), incident.id, level=ReportingLevel.COUNTY)
    desk.handle(
        person("county_staff"), incident.id, measures="county team sent", handled_by="county emergency office"
    )
    corrected = desk.correct_casualties(
        person("county_staff"), incident.id, injured=1, dead=1, reason="one died"
    )
    assert (corrected.fatal, corrected.status) == (True, Status.HANDLED)
    assert [e.actor for e in history(system, incident.id)[2:]] == ["deng-hao", "deng-hao"]


def test_corrections_keep_the_old_counts_in_the_history(system: System):
    desk, staff = system.casebook.incidents, person("village_staff")
    incident = report(
        system,
        kind=Kind.MASS_INCIDENT,
        injured=None,
        dead=None,
        markers=[Marker.ROAD_BLOCKADE],
        people_involved=200,
    )
    desk.correct_mass_incident_facts(
        staff,
        incident.id,
        markers=[Marker.ROAD_BLOCKADE, Marker.GATHERING_OVER_500],
        people_involved=700,
        reason="count from the video",
    )
    desk.correct_casualties(staff, incident.id, injured=3, dead=0, reason="hospital list")
    reported, crowd, casualties = history(system, incident.id)
    assert (reported.people_involved, crowd.people_involved_before, crowd.people_involved) == (200, 200, 700)
    assert (casualties.injured_before, casualties.injured) == (None, 3)
    assert desk.get(None, incident.id).markers == ["road_blockade", "gathering_over_500"]


def test_an_auditor_reads_but_does_not_act(system: System):
    incident = report(system)
    assert system.casebook.incidents.get(person("auditor"), incident.id).id == incident.id
    with pytest.raises(AccessDenied) as refusal:
        system.casebook.incidents.close(person("auditor"), incident.id, outcome="x")
    assert refusal.value.right == "handle_incident"


def test_an_unknown_incident_is_not_found(system: System):
    with pytest.raises(CaseNotFound):
        system.casebook.incidents.get(None, uuid4())
    with pytest.raises(CaseNotFound):
        system.casebook.incidents.handle(person("township"), uuid4(), measures="x", handled_by="y")
    dispute = system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": "A"}, {"name": "B"}],
        category=Category.OTHER,
        severity=Severity.MINOR,
        description="x",
        occurred_at=system.casebook.clock(),
    )
    with pytest.raises(CaseNotFound, match="no incident"):
        system.casebook.incidents.get(None, dispute.id)


# -- the machinery ----------------------------------------------------------------------------


def test_a_report_retried_with_the_same_command_id_is_recorded_once(system: System):
    first = report(system, command_id="tablet-3/incident/1")
    again = report(system, command_id="tablet-3/incident/1")
    assert again.id == first.id
    assert names(system, first.id) == ["Reported"]


def test_a_command_retried_with_the_same_id_takes_effect_once(system: System):
    incident = report(system)
    for _ in range(2):
        system.casebook.incidents.report_upward(
            person("township"),
            incident.id,
            level=ReportingLevel.TOWNSHIP,
            meta=CommandMeta(command_id="up-1"),
        )
    assert names(system, incident.id) == ["Reported", "ReportedUpward"]


def test_a_command_id_used_for_another_command_is_refused(system: System):
    incident = report(system, role="township", command_id="shared")
    with pytest.raises(CommandIdReused):
        system.casebook.incidents.handle(
            person("township"),
            incident.id,
            measures="x",
            handled_by="y",
            meta=CommandMeta(command_id="shared"),
        )


def test_another_persons_command_id_is_their_own_command(system: System):
    incident = report(system, command_id="shared")
    handled = system.casebook.incidents.handle(
        person("township"), incident.id, measures="x", handled_by="y", meta=CommandMeta(command_id="shared")
    )
    assert handled.version == incident.version + 1


def test_a_refused_command_writes_nothing(system: System):
    incident = report(system)
    before = head(system)
    with pytest.raises(TransitionNotAllowed) as refusal:
        system.casebook.incidents.close(person("township"), incident.id, outcome="over")
    assert refusal.value.state == "reported"
    with pytest.raises(InvalidValue):
        system.casebook.incidents.correct_casualties(
            person("township"), incident.id, injured=2, dead=0, reason="same"
        )
    assert head(system) == before


def test_a_command_on_a_stale_version_is_refused_when_the_caller_pinned_it(system: System):
    incident = report(system)
    system.casebook.incidents.handle(person("township"), incident.id, measures="x", handled_by="y")
    with pytest.raises(StaleVersion) as refusal:
        system.casebook.incidents.report_upward(
            person("township"),
            incident.id,
            level=ReportingLevel.TOWNSHIP,
            meta=CommandMeta(expected_version=1),
        )
    assert (refusal.value.expected, refusal.value.actual) == (1, 2)
    assert names(system, incident.id) == ["Reported", "Handled"]


def test_a_time_in_the_future_is_refused(system: System):
    with pytest.raises(InvalidValue) as refusal:
        report(system, effective_at=system.casebook.clock() + timedelta(hours=1))
    assert refusal.value.field == "effective_at"


def test_a_report_recorded_later_takes_effect_when_it_was_made(system: System):
    made = system.casebook.clock() - timedelta(minutes=30)
    incident = report(system, effective_at=made, occurred_at=made - timedelta(minutes=5))
    assert incident.reported_at == made
    with pytest.raises(InvalidValue) as refusal:
        report(system, effective_at=made, occurred_at=made + timedelta(minutes=5))
    assert refusal.value.field == "occurred_at"


def test_two_concurrent_reports_to_the_same_level_are_recorded_once(system: System, rival: Interleaved):
    incident = report(system)
    rival.competitor = lambda: system.casebook.incidents.report_upward(
        person("township"), incident.id, level=ReportingLevel.COUNTY
    )
    with pytest.raises(InvalidValue) as refusal:
        rival.incidents.report_upward(person("village_staff"), incident.id, level=ReportingLevel.COUNTY)
    assert refusal.value.field == "level"
    assert names(system, incident.id) == ["Reported", "ReportedUpward"]

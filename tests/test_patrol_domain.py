"""The patrol's rules: given past events, when a command, then new events or a named error."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from eventsourcing.domain import Aggregate

from domain.errors import AccessDenied, InvalidValue, TransitionNotAllowed
from domain.patrols.patrol import FindingKind, MissTrigger, Route, RouteStatus, Shift, ShiftStatus
from tests.dsl import T0

START = T0 + timedelta(days=1)  # the shift's planned start
END = START + timedelta(hours=4)
POINTS = [
    {"code": "C1", "name": "Bridge", "location": "north end of the bridge"},
    {"code": "C2", "name": "School gate", "location": ""},
    {"code": "C3", "name": "Reservoir", "location": "dam"},
]
LEADER, MEMBER, SECOND = "gao-feng", "ma-li", "song-yu"
_ids = iter(range(1, 1_000_000))


def stamp(actor: str = LEADER, at: datetime | None = None) -> dict[str, Any]:
    return {"actor": actor, "effective_at": at or START, "command_id": f"p{next(_ids)}"}


def replayed(aggregate: Aggregate) -> Any:
    """The aggregate rebuilt from the events it recorded, with nothing left to collect."""
    rebuilt = None
    for event in aggregate.collect_events():
        rebuilt = event.mutate(rebuilt)
    return rebuilt


def route(checkpoints: list[dict[str, str]] = POINTS, **facts: Any) -> Route:
    return Route.establish(
        **{"node": "v", "name": "River loop", "checkpoints": checkpoints, **stamp(at=T0), **facts}
    )


def given_route(*steps: Callable[[Route], None]) -> Route:
    built = route()
    for step in steps:
        step(built)
    return replayed(built)


Step = Callable[[Shift], None]


def given(*steps: Step, on: Route | None = None) -> Shift:
    """A shift scheduled at T0 for gao-feng, ma-li and song-yu, after the steps, replayed."""
    shift = Shift.schedule(
        route=on or given_route(),
        leader=LEADER,
        members=[MEMBER, SECOND],
        planned_start=START,
        planned_end=END,
        **stamp(at=T0),
    )
    for step in steps:
        step(shift)
    return replayed(shift)


def then(aggregate: Aggregate) -> list[Any]:
    return list(aggregate.collect_events())


def started(who: str = LEADER, minutes: int = 0) -> Step:
    return lambda s: s.sign_in_at_start(**stamp(who, START + timedelta(minutes=minutes)))


def at(checkpoint: str, who: str = LEADER, minutes: int = 30) -> Step:
    return lambda s: s.sign_in_at_checkpoint(
        checkpoint=checkpoint, **stamp(who, START + timedelta(minutes=minutes))
    )


def ended(who: str = LEADER) -> Step:
    return lambda s: s.sign_in_at_end(**stamp(who, END))


def missed(checkpoint: str) -> Step:
    when = START + timedelta(hours=1)
    return lambda s: s.record_checkpoint_missed(
        checkpoint=checkpoint, reason="road flooded", **stamp(at=when)
    )


def closed() -> Step:
    return lambda s: s.close(notes="", **stamp(at=END))


def refused(error: type[Exception], shift: Aggregate, command: Callable[[], None]) -> Any:
    """The command raises the error and records nothing."""
    with pytest.raises(error) as refusal:
        command()
    assert then(shift) == []
    return refusal.value


# -- routes -----------------------------------------------------------------------


def test_an_established_route_keeps_its_checkpoints_in_walking_order_as_revision_1():
    r = replayed(route())
    assert [c["code"] for c in r.checkpoints] == ["C1", "C2", "C3"]
    assert (r.revision, r.status, r.node, r.established_by) == (1, RouteStatus.ACTIVE, "v", LEADER)


def test_a_route_without_checkpoints_is_refused_naming_the_field():
    with pytest.raises(InvalidValue) as refusal:
        route(checkpoints=[])
    assert refusal.value.field == "checkpoints"


def test_checkpoint_codes_must_be_unique_on_a_route():
    with pytest.raises(InvalidValue, match="'C1' is used twice") as refusal:
        route(checkpoints=[POINTS[0], {**POINTS[1], "code": "C1"}])
    assert refusal.value.field == "checkpoints"


def test_a_checkpoint_needs_a_code_and_a_name():
    with pytest.raises(InvalidValue, match="needs a code"):
        route(checkpoints=[{"code": " ", "name": "x"}])
    with pytest.raises(InvalidValue, match="'C9' needs a name"):
        route(checkpoints=[{"code": "C9", "name": ""}])


def test_a_route_needs_a_name():
    with pytest.raises(InvalidValue) as refusal:
        route(name="  ")
    assert refusal.value.field == "name"


def test_a_revision_records_the_new_checkpoints_as_the_next_revision():
    r = given_route()
    r.revise(checkpoints=[POINTS[2], POINTS[0]], **stamp())
    [event] = then(r)
    assert isinstance(event, Route.Revised)
    assert (event.revision, [c["code"] for c in event.checkpoints], event.name) == (
        2,
        ["C3", "C1"],
        "River loop",
    )
    assert r.revision == 2


def test_a_revision_may_rename_the_route():
    r = given_route()
    r.revise(checkpoints=POINTS, name="Riverside loop", **stamp())
    assert then(r)[0].name == "Riverside loop"


def test_a_revision_that_changes_nothing_is_refused():
    r = given_route()
    error = refused(InvalidValue, r, lambda: r.revise(checkpoints=POINTS, **stamp()))
    assert error.field == "checkpoints" and "revision 1" in error.reason


def test_a_retired_route_is_neither_revised_nor_retired_again():
    r = given_route(lambda r: r.retire(reason="road closed", **stamp()))
    assert r.status == RouteStatus.RETIRED
    for command in (
        lambda: r.revise(checkpoints=POINTS[:1], **stamp()),
        lambda: r.retire(reason="", **stamp()),
    ):
        error = refused(TransitionNotAllowed, r, command)
        assert error.state == "retired" and error.allowed == []


def test_nothing_takes_effect_on_a_route_before_it_was_established():
    r = given_route()
    error = refused(InvalidValue, r, lambda: r.retire(reason="", **stamp(at=T0 - timedelta(minutes=1))))
    assert error.field == "effective_at"


# -- scheduling -----------------------------------------------------------------------


def test_a_scheduled_shift_keeps_the_checkpoints_of_the_route_revision_it_was_scheduled_on():
    r = given_route()
    shift = given(on=r)
    r.revise(checkpoints=[POINTS[0]], **stamp())
    assert (shift.route_revision, shift.checkpoint_codes(), shift.route_id) == (
        1,
        ["C1", "C2", "C3"],
        str(r.id),
    )
    assert (shift.status, shift.team(), shift.node) == (ShiftStatus.SCHEDULED, [LEADER, MEMBER, SECOND], "v")


def test_a_shift_is_not_scheduled_on_a_retired_route():
    r = given_route(lambda r: r.retire(reason="", **stamp()))
    with pytest.raises(TransitionNotAllowed) as refusal:
        given(on=r)
    assert refusal.value.action == "schedule_shift" and refusal.value.state == "retired"


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        ({"planned_end": START}, "planned_end"),
        ({"members": []}, "members"),
        ({"members": [MEMBER, MEMBER]}, "members"),
        ({"members": [LEADER, MEMBER]}, "members"),
        ({"leader": " "}, "leader"),
    ],
)
def test_a_schedule_breaking_a_rule_is_refused_naming_the_field(facts: dict[str, Any], field: str):
    schedule = {"leader": LEADER, "members": [MEMBER], "planned_start": START, "planned_end": END, **facts}
    with pytest.raises(InvalidValue) as refusal:
        Shift.schedule(route=given_route(), **schedule, **stamp(at=T0))
    assert refusal.value.field == field


# -- signing in -----------------------------------------------------------------------


def test_the_first_sign_in_at_the_start_opens_the_shift():
    shift = given()
    shift.sign_in_at_start(**stamp(MEMBER, START + timedelta(minutes=2)))
    [event] = then(shift)
    assert isinstance(event, Shift.SignedInAtStart) and event.opens_shift
    assert (shift.status, shift.started_at, event.actor) == (
        ShiftStatus.OPEN,
        START + timedelta(minutes=2),
        MEMBER,
    )


def test_a_later_sign_in_at_the_start_records_who_came_without_reopening():
    shift = given(started())
    shift.sign_in_at_start(**stamp(SECOND, START + timedelta(minutes=20)))
    [event] = then(shift)
    assert not event.opens_shift and shift.started_at == START
    assert list(shift.present) == [LEADER, SECOND]


def test_only_a_member_of_the_team_signs_in():
    shift = given()
    error = refused(AccessDenied, shift, lambda: shift.sign_in_at_start(**stamp("fang-qi")))
    assert error.right == "patrol" and "not on this shift's team" in str(error)


def test_a_member_signs_in_at_the_start_once():
    shift = given(started(MEMBER))
    error = refused(TransitionNotAllowed, shift, lambda: shift.sign_in_at_start(**stamp(MEMBER)))
    assert "already signed in at the start" in str(error)


def test_sign_in_at_the_start_opens_an_hour_before_the_planned_start():
    shift = given()
    error = refused(
        TransitionNotAllowed, shift, lambda: shift.sign_in_at_start(**stamp(at=START - timedelta(minutes=61)))
    )
    assert error.state == "scheduled" and "sign-in opens 60 minutes before" in str(error)
    shift.sign_in_at_start(**stamp(at=START - timedelta(minutes=60)))
    assert shift.status == ShiftStatus.OPEN


def test_a_shift_is_not_opened_after_its_planned_end():
    shift = given()
    error = refused(TransitionNotAllowed, shift, lambda: shift.sign_in_at_start(**stamp(at=END)))
    assert "nobody came: record it missed" in str(error)
    shift.sign_in_at_start(**stamp(at=END - timedelta(minutes=1)))
    assert shift.status == ShiftStatus.OPEN


def test_a_member_arriving_after_the_planned_end_still_signs_in_at_the_start():
    shift = given(started())
    shift.sign_in_at_start(**stamp(MEMBER, END + timedelta(minutes=5)))
    assert list(shift.present) == [LEADER, MEMBER]


def test_a_checkpoint_sign_in_records_its_position_and_that_it_kept_the_route_order():
    shift = given(started(), at("C1"))
    shift.sign_in_at_checkpoint(checkpoint="C2", **stamp(at=START + timedelta(hours=1)))
    [event] = then(shift)
    assert isinstance(event, Shift.SignedInAtCheckpoint)
    assert (event.checkpoint, event.position, event.in_route_order, event.first_at_checkpoint) == (
        "C2",
        2,
        True,
        True,
    )


def test_a_checkpoint_signed_out_of_the_route_order_is_recorded_and_flagged():
    shift = given(started(), at("C2"))
    shift.sign_in_at_checkpoint(checkpoint="C1", **stamp(at=START + timedelta(hours=1)))
    [event] = then(shift)
    assert (event.checkpoint, event.position, event.in_route_order) == ("C1", 1, False)
    assert shift.out_of_order == 2  # C2 skipped C1; C1 came after C2


def test_a_checkpoint_recorded_missed_does_not_break_the_order_of_the_next():
    shift = given(started(), missed("C1"))
    shift.sign_in_at_checkpoint(checkpoint="C2", **stamp(at=START + timedelta(hours=2)))
    assert then(shift)[0].in_route_order is True


def test_the_route_order_is_each_members_own_and_the_first_at_a_checkpoint_is_marked():
    shift = given(started(), started(MEMBER), at("C1"), at("C2"))
    shift.sign_in_at_checkpoint(checkpoint="C1", **stamp(MEMBER, START + timedelta(hours=1)))
    [event] = then(shift)
    assert (event.in_route_order, event.first_at_checkpoint) == (True, False)


def test_a_member_signs_in_at_a_checkpoint_once():
    shift = given(started(), at("C1"))
    error = refused(
        TransitionNotAllowed, shift, lambda: shift.sign_in_at_checkpoint(checkpoint="C1", **stamp(at=END))
    )
    assert "already signed in at C1" in str(error)


def test_an_unknown_checkpoint_is_refused_naming_the_field_and_the_checkpoints():
    shift = given(started())
    error = refused(InvalidValue, shift, lambda: shift.sign_in_at_checkpoint(checkpoint="C9", **stamp()))
    assert error.field == "checkpoint" and "C1, C2, C3" in error.reason


def test_a_member_signs_in_at_checkpoints_and_the_end_only_after_signing_in_at_the_start():
    shift = given(started())
    for command in (
        lambda: shift.sign_in_at_checkpoint(checkpoint="C1", **stamp(MEMBER)),
        lambda: shift.sign_in_at_end(**stamp(MEMBER)),
    ):
        error = refused(TransitionNotAllowed, shift, command)
        assert "ma-li has not signed in at the start" in str(error)


def test_nobody_signs_in_at_a_checkpoint_before_the_shift_has_started():
    shift = given()
    error = refused(
        TransitionNotAllowed, shift, lambda: shift.sign_in_at_checkpoint(checkpoint="C1", **stamp())
    )
    assert (error.state, error.allowed) == (
        "scheduled",
        ["cancel", "record_shift_missed", "sign_in_at_start"],
    )


def test_a_sign_in_before_the_members_own_start_is_refused():
    shift = given(started(minutes=10))
    error = refused(
        InvalidValue, shift, lambda: shift.sign_in_at_checkpoint(checkpoint="C1", **stamp(at=START))
    )
    assert error.field == "effective_at"


def test_a_checkpoint_recorded_missed_is_not_signed_in_at_afterwards():
    shift = given(started(), missed("C2"))
    error = refused(
        TransitionNotAllowed, shift, lambda: shift.sign_in_at_checkpoint(checkpoint="C2", **stamp(at=END))
    )
    assert "C2 was recorded missed by gao-feng" in str(error)


def test_a_member_who_signed_in_at_the_end_signs_in_nowhere_else():
    shift = given(started(), ended())
    for command in (
        lambda: shift.sign_in_at_checkpoint(checkpoint="C1", **stamp(at=END)),
        lambda: shift.sign_in_at_end(**stamp(at=END)),
    ):
        assert "already signed in at the end" in str(refused(TransitionNotAllowed, shift, command))


def test_a_sign_in_at_the_end_is_recorded():
    shift = given(started(), at("C1"))
    shift.sign_in_at_end(**stamp(at=END))
    [event] = then(shift)
    assert isinstance(event, Shift.SignedInAtEnd) and shift.signed_out == {LEADER: END}


# -- checkpoints missed -----------------------------------------------------------------


def test_the_leader_records_a_checkpoint_missed_with_a_reason():
    shift = given(started())
    shift.record_checkpoint_missed(
        checkpoint="C3", reason="dam road flooded", **stamp(at=START + timedelta(hours=1))
    )
    [event] = then(shift)
    assert isinstance(event, Shift.CheckpointMissed)
    assert (event.checkpoint, event.position, event.reason, event.trigger) == (
        "C3",
        3,
        "dam road flooded",
        "manual",
    )


def test_a_checkpoint_missed_needs_a_reason():
    shift = given(started())
    error = refused(
        InvalidValue, shift, lambda: shift.record_checkpoint_missed(checkpoint="C1", reason=" ", **stamp())
    )
    assert error.field == "reason"


@pytest.mark.parametrize(
    ("steps", "why"),
    [
        ((started(), at("C1")), "C1 was signed in at by gao-feng"),
        ((started(), missed("C1")), "C1 is already recorded missed"),
    ],
)
def test_a_checkpoint_signed_or_already_missed_is_not_recorded_missed(steps: tuple[Step, ...], why: str):
    shift = given(*steps)
    error = refused(
        TransitionNotAllowed,
        shift,
        lambda: shift.record_checkpoint_missed(checkpoint="C1", reason="x", **stamp(at=END)),
    )
    assert why in str(error)


def test_a_checkpoint_is_recorded_missed_only_on_an_open_shift():
    shift = given()
    error = refused(
        TransitionNotAllowed,
        shift,
        lambda: shift.record_checkpoint_missed(checkpoint="C1", reason="x", **stamp()),
    )
    assert error.state == "scheduled"


def test_the_deadline_clock_records_a_checkpoint_missed_as_such():
    shift = given(started())
    shift.record_checkpoint_missed(
        checkpoint="C2", reason="late", trigger=MissTrigger.DEADLINE, **stamp("system:deadline", END)
    )
    [event] = then(shift)
    assert (event.trigger, event.actor) == ("deadline", "system:deadline")


# -- findings ------------------------------------------------------------------------------


def test_a_finding_links_the_case_it_opened_to_the_shift():
    shift = given(started(MEMBER))
    shift.report_finding(
        kind=FindingKind.DISPUTE, case_id="d-1", summary="fence quarrel", checkpoint="C2", **stamp(MEMBER)
    )
    [event] = then(shift)
    assert isinstance(event, Shift.FindingReported)
    assert (event.kind, event.case_id, event.summary, event.checkpoint) == (
        "dispute",
        "d-1",
        "fence quarrel",
        "C2",
    )
    assert shift.findings[0]["reported_by"] == MEMBER


def test_an_incident_finding_is_recorded_with_its_kind():
    shift = given(started())
    shift.report_finding(
        kind=FindingKind.INCIDENT, case_id="i-1", summary="fire in a barn", checkpoint=None, **stamp()
    )
    assert then(shift)[0].kind == "incident"


def test_a_case_is_linked_to_a_shift_once():
    shift = given(
        started(),
        lambda s: s.report_finding(
            kind=FindingKind.INCIDENT, case_id="i-1", summary="x", checkpoint=None, **stamp()
        ),
    )
    error = refused(
        InvalidValue,
        shift,
        lambda: shift.report_finding(
            kind=FindingKind.INCIDENT, case_id="i-1", summary="again", checkpoint=None, **stamp()
        ),
    )
    assert error.field == "case_id"


@pytest.mark.parametrize(
    ("steps", "who", "error", "text"),
    [
        ((), LEADER, TransitionNotAllowed, "while the case is scheduled"),
        ((started(),), MEMBER, TransitionNotAllowed, "ma-li has not signed in at the start"),
        ((started(),), "fang-qi", AccessDenied, "not on this shift's team"),
        ((started(), ended(), closed()), LEADER, TransitionNotAllowed, "while the case is closed"),
    ],
)
def test_a_finding_is_reported_only_by_a_present_member_of_an_open_shift(
    steps: tuple[Step, ...], who: str, error: type[Exception], text: str
):
    shift = given(*steps)
    refusal = refused(error, shift, lambda: shift.check_finding(checkpoint=None, **stamp(who, END)))
    assert text in str(refusal)
    refused(
        error,
        shift,
        lambda: shift.report_finding(
            kind=FindingKind.DISPUTE, case_id="d-1", summary="x", checkpoint=None, **stamp(who, END)
        ),
    )


def test_a_finding_at_an_unknown_checkpoint_or_without_a_summary_is_refused():
    shift = given(started())
    error = refused(InvalidValue, shift, lambda: shift.check_finding(checkpoint="C9", **stamp()))
    assert error.field == "checkpoint"
    error = refused(
        InvalidValue,
        shift,
        lambda: shift.report_finding(
            kind=FindingKind.INCIDENT, case_id="i-1", summary=" ", checkpoint=None, **stamp()
        ),
    )
    assert error.field == "summary"


# -- closing -------------------------------------------------------------------------------


def test_closing_records_the_shift_and_every_checkpoint_nobody_signed_as_missed():
    shift = given(
        started(), started(MEMBER), at("C1"), missed("C2"), at("C3", minutes=90), ended(), ended(MEMBER)
    )
    shift.close(notes="quiet night", **stamp(at=END))
    [event] = then(shift)
    assert isinstance(event, Shift.Closed)
    assert (event.checkpoints_scheduled, event.checkpoints_signed, event.checkpoints_missed) == (
        ["C1", "C2", "C3"],
        ["C1", "C3"],
        ["C2"],
    )
    assert (event.present, event.absent, event.signed_out) == ([LEADER, MEMBER], [SECOND], [LEADER, MEMBER])
    assert (event.out_of_order_sign_ins, event.notes, shift.status) == (0, "quiet night", ShiftStatus.CLOSED)


def test_closing_records_unsigned_checkpoints_missed_before_the_record():
    shift = given(started(), at("C2"), ended())
    shift.close(notes="", **stamp(at=END))
    events = then(shift)
    assert [type(e).__name__ for e in events] == ["CheckpointMissed", "CheckpointMissed", "Closed"]
    assert [(e.checkpoint, e.position, e.trigger) for e in events[:2]] == [
        ("C1", 1, "closing"),
        ("C3", 3, "closing"),
    ]
    assert (events[2].checkpoints_missed, events[2].out_of_order_sign_ins) == (["C1", "C3"], 1)
    assert shift.allowed_actions() == frozenset()


def test_the_record_names_the_findings():
    shift = given(
        started(),
        lambda s: s.report_finding(
            kind=FindingKind.DISPUTE, case_id="d-1", summary="x", checkpoint=None, **stamp()
        ),
        ended(),
    )
    shift.close(notes="", **stamp(at=END))
    assert then(shift)[-1].findings == [{"kind": "dispute", "case_id": "d-1"}]


def test_a_shift_that_never_started_is_not_closed_but_missed():
    shift = given()
    error = refused(TransitionNotAllowed, shift, lambda: shift.close(notes="", **stamp(at=END)))
    assert error.state == "scheduled" and "record_shift_missed" in error.allowed


def test_a_shift_is_closed_only_after_someone_signed_in_at_the_end():
    shift = given(started(), at("C1"))
    error = refused(TransitionNotAllowed, shift, lambda: shift.close(notes="", **stamp(at=END)))
    assert "nobody has signed in at the end yet" in str(error)


def test_a_closed_shift_is_closed_once_and_takes_no_more_sign_ins():
    shift = given(started(), ended(), closed())
    for command in (
        lambda: shift.close(notes="", **stamp(at=END)),
        lambda: shift.sign_in_at_start(**stamp(SECOND, END)),
    ):
        assert refused(TransitionNotAllowed, shift, command).state == "closed"


# -- missed and cancelled shifts ---------------------------------------------------------


def test_a_shift_nobody_came_to_is_recorded_missed():
    shift = given()
    shift.record_missed(reason="team called to a fire", **stamp(at=START + timedelta(hours=1)))
    [event] = then(shift)
    assert isinstance(event, Shift.Missed)
    assert (event.reason, event.trigger, shift.status) == (
        "team called to a fire",
        "manual",
        ShiftStatus.MISSED,
    )


def test_the_deadline_clock_records_a_missed_shift_as_such():
    shift = given()
    shift.record_missed(reason="nobody came", trigger=MissTrigger.DEADLINE, **stamp("system:deadline", END))
    assert then(shift)[0].trigger == "deadline"


def test_a_shift_is_not_missed_before_its_planned_start():
    shift = given()
    early = START - timedelta(minutes=1)
    error = refused(TransitionNotAllowed, shift, lambda: shift.record_missed(reason="", **stamp(at=early)))
    assert "cancel it" in str(error)


@pytest.mark.parametrize("steps", [(started(),), (lambda s: s.record_missed(reason="", **stamp(at=END)),)])
def test_a_shift_that_started_or_was_missed_is_not_missed_again(steps: tuple[Step, ...]):
    shift = given(*steps)
    error = refused(TransitionNotAllowed, shift, lambda: shift.record_missed(reason="", **stamp(at=END)))
    assert error.state in ("open", "missed")


def test_a_missed_shift_takes_no_sign_in():
    shift = given(lambda s: s.record_missed(reason="", **stamp(at=END)))
    assert (
        refused(TransitionNotAllowed, shift, lambda: shift.sign_in_at_start(**stamp(at=END))).state
        == "missed"
    )


def test_a_shift_is_cancelled_before_its_planned_start_with_a_reason():
    shift = given()
    shift.cancel(reason="typhoon warning", **stamp(at=START - timedelta(hours=2)))
    [event] = then(shift)
    assert isinstance(event, Shift.Cancelled) and shift.status == ShiftStatus.CANCELLED
    assert (
        refused(TransitionNotAllowed, shift, lambda: shift.sign_in_at_start(**stamp())).state == "cancelled"
    )


def test_a_shift_is_not_cancelled_once_due_or_started_nor_without_a_reason():
    shift = given()
    error = refused(TransitionNotAllowed, shift, lambda: shift.cancel(reason="x", **stamp(at=START)))
    assert "recorded missed" in str(error)
    assert refused(InvalidValue, shift, lambda: shift.cancel(reason="", **stamp(at=T0))).field == "reason"
    shift = given(started(minutes=-30))
    early = START - timedelta(minutes=10)
    assert (
        refused(TransitionNotAllowed, shift, lambda: shift.cancel(reason="x", **stamp(at=early))).state
        == "open"
    )


# -- every event ---------------------------------------------------------------------------


def test_nothing_takes_effect_on_a_shift_before_it_was_scheduled():
    shift = given()
    error = refused(
        InvalidValue, shift, lambda: shift.cancel(reason="x", **stamp(at=T0 - timedelta(seconds=1)))
    )
    assert error.field == "effective_at"


def test_every_event_carries_actor_business_time_and_command_id():
    r = route()
    r.revise(checkpoints=POINTS[:2], **stamp())
    r.retire(reason="", **stamp())
    shift = Shift.schedule(
        route=given_route(),
        leader=LEADER,
        members=[MEMBER],
        planned_start=START,
        planned_end=END,
        **stamp(at=T0),
    )
    for step in (started(), at("C1"), missed("C2"), ended(), closed()):
        step(shift)
    events = [*r.collect_events(), *shift.collect_events()]
    assert [type(e).__name__ for e in events] == [
        "Established",
        "Revised",
        "Retired",
        "Scheduled",
        "SignedInAtStart",
        "SignedInAtCheckpoint",
        "CheckpointMissed",
        "SignedInAtEnd",
        "CheckpointMissed",
        "Closed",
    ]
    for event in events:
        assert event.actor and event.effective_at and event.command_id


def test_a_scheduled_shift_offers_what_its_planned_times_allow_at_the_time_asked():
    shift = given()
    early, window = START - timedelta(hours=2), START - timedelta(minutes=30)
    late = END + timedelta(minutes=1)
    assert shift.allowed_actions(early) == {"cancel"}
    assert shift.allowed_actions(window) == {"cancel", "sign_in_at_start"}
    assert shift.allowed_actions(START) == {"sign_in_at_start", "record_shift_missed"}
    assert shift.allowed_actions(late) == {"record_shift_missed"}
    assert shift.allowed_actions() == {"sign_in_at_start", "record_shift_missed", "cancel"}  # time aside


def test_a_refusal_for_the_person_or_the_time_does_not_offer_the_refused_action():
    shift = given(lambda s: s.sign_in_at_start(**stamp(MEMBER)))
    with pytest.raises(TransitionNotAllowed) as twice:
        shift.sign_in_at_start(**stamp(MEMBER))
    assert "sign_in_at_start" not in twice.value.allowed
    with pytest.raises(TransitionNotAllowed) as late:
        given().cancel(reason="storm", **stamp(at=START))
    assert "cancel" not in late.value.allowed


def test_a_shift_the_whole_team_signed_in_at_offers_no_more_start_sign_ins():
    shift = given(*(lambda s, p=p: s.sign_in_at_start(**stamp(p)) for p in (LEADER, MEMBER, SECOND)))
    assert "sign_in_at_start" not in shift.allowed_actions()

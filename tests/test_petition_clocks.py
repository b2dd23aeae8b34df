"""The petition's clocks without Temporal: the keeper does what the clock workflow asks of it
(`sync` after a change, `due` when a moment comes), on SQLite and on PostgreSQL. Due dates are
worked out by hand on the 2026 calendar (config/calendars/CN-2026.toml); China is UTC+8."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from domain.errors import InvalidValue, TransitionNotAllowed
from domain.petitions.petition import (
    AcceptanceDecision,
    Channel,
    DeliveryMethod,
    Opinion,
    Petition,
    PetitionType,
    Status,
)
from domain.petitions.petitioner import Petitioner
from domain.time.calendar import CHINA, CalendarYear, Unit
from domain.time.clocks import ClockState
from domain.time.explain import explain
from infra.bootstrap import System
from service.petitions.clocks import PetitionClocks
from service.petitions.desk import PetitionDesk
from service.timekeeping import CaseTime
from tests.petition_dsl import ZHANG
from tests.support import VILLAGE, Clock, person

TOWNSHIP, COUNTY = "anping.dongxi", "anping"
AGENT, TOWNSHIP_STAFF, COUNTY_STAFF = (
    person("petition_agent"),
    person("township"),
    person("petition_county_staff"),
)
AT_VILLAGE = [
    "chen-jing",
    "fang-jun",
    "qian-dong",
    "xu-min",
]  # handle or decide petitions at Qiaotou or Dongxi
AT_TOWNSHIP = ["chen-jing", "deng-hao", "xu-lin"]  # at Dongxi township or Anping county
AT_COUNTY = ["deng-hao", "xu-lin"]  # the county has no node above it


def end_of(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 23, 59, 59, tzinfo=CHINA)


def desk(system: System) -> PetitionDesk:
    return system.casebook.petitions


def keeper(system: System) -> PetitionClocks:
    return system.casebook.keepers["petition"]


def register(system: System, **facts: Any) -> Petition:
    return desk(system).register(
        AGENT,
        **{
            "node": VILLAGE,
            "channel": Channel.VIA_AGENT,
            "type": PetitionType.COMPLAINT,
            "petitioner": ZHANG,
            "content": "The road money was never paid to our group.",
            "matter": "Road compensation",
            **facts,
        },
    )


# The petition's steps, each a day or more after the one before (the clock starts on
# Monday 2 March 2026, 09:00 UTC = 17:00 in China).
STEPS: list[tuple[Status, int, Any]] = [
    (Status.ROUTED, 1, lambda d, i: d.route(AGENT, i, to_node=TOWNSHIP)),
    (
        Status.ACCEPTED,
        1,
        lambda d, i: d.decide_acceptance(TOWNSHIP_STAFF, i, decision=AcceptanceDecision.ACCEPTED),
    ),
    (
        Status.OPINION_GIVEN,
        8,
        lambda d, i: handed_over(
            d.give_handling_opinion(
                TOWNSHIP_STAFF, i, outcome=Opinion.NOT_SUPPORT, facts="paid", legal_basis="Art. 48"
            ),
            d,
            TOWNSHIP_STAFF,
        ),
    ),
    (Status.REVIEW_REQUESTED, 2, lambda d, i: d.request_review(AGENT, i, grounds="the receipt is forged")),
    (
        Status.REVIEWED,
        8,
        lambda d, i: handed_over(
            d.decide_review(COUNTY_STAFF, i, outcome=Opinion.EXPLAIN, facts="genuine", legal_basis="Art. 35"),
            d,
            COUNTY_STAFF,
        ),
    ),
    (Status.RE_REVIEW_REQUESTED, 2, lambda d, i: d.request_re_review(AGENT, i, grounds="still disputed")),
    (
        Status.CONCLUDED,
        3,
        lambda d, i: d.decide_re_review(
            COUNTY_STAFF, i, outcome=Opinion.EXPLAIN, facts="as reviewed", legal_basis="Art. 36"
        ),
    ),
]


def handed_over(petition: Petition, d: PetitionDesk, by: str, after: timedelta = timedelta()) -> Petition:
    """The written answer just given, handed to the petitioner (`after` it was given)."""
    return d.deliver_answer(
        by,
        petition.id,
        method=DeliveryMethod.BY_HAND,
        recipient="Zhang San",
        received_at=petition.status_since + after,
    )


def petition_at(system: System, clock: Clock, status: Status, *, sync: bool = True, **facts: Any) -> Petition:
    """A petition taken step by step to `status`, its clocks synced after each step."""
    petition = register(system, **facts)
    if sync:
        keeper(system).sync(petition.id, 0)
    for reached, days, step in STEPS:
        if petition.status == status:
            break
        clock.advance(timedelta(days=days))
        petition = step(desk(system), petition.id)
        if sync:
            keeper(system).sync(petition.id, 0)
        assert petition.status == reached
    return petition


def clock_named(system: System, petition: Petition, name: str) -> ClockState:
    found = system.casebook.deadlines.clocks("petition", petition.id)
    assert found is not None
    [named] = [c for c in found.clocks.values() if c.clock == name]
    return named


def come(system: System, petition: Petition, name: str, fraction: float | None = None) -> CaseTime:
    """What the workflow does when a moment of the named running clock comes."""
    running = {c.clock: c for c in keeper(system).sync(petition.id, 0).clocks}
    return keeper(system).due(petition.id, 0, running[name].key, fraction)


def history(system: System, petition: Petition) -> list[str]:
    return [
        type(e).__name__
        for e in system.casebook.history(petition.id, desk(system).get(None, petition.id).version)
    ]


def clock_events(system: System, petition: Petition) -> list[Any]:
    found = system.casebook.deadlines.clocks("petition", petition.id)
    assert found is not None
    return system.casebook.history(found.id, found.version)


# -- which clock runs when, where, until when -------------------------------------------------


def test_each_status_runs_its_clocks_at_the_body_that_acts_from_when_the_status_began(
    system: System, clock: Clock
):
    petition = register(system)
    [route] = keeper(system).sync(petition.id, 0).clocks
    # Registered Monday 2 March: 15 calendar days from the next day end on Tuesday 17 March.
    assert (route.clock, route.node, route.started_at, route.due_at) == (
        "petition.route",
        VILLAGE,
        clock(),
        end_of(3, 17),
    )
    assert (route.policy_version, route.calendar, route.rule["unit"]) == ("2026.4", "CN", "calendar_days")

    expected = {
        # Routed Tuesday 3 March: acceptance notified within 15 days (Wednesday 18 March); the
        # receiving body may object within 5 working days: 4, 5, 6, (7 and 8 a weekend), 9, 10 March.
        Status.ROUTED: [
            ("petition.acceptance_notice", TOWNSHIP, end_of(3, 18)),
            ("petition.objection", TOWNSHIP, end_of(3, 10)),
        ],
        # Accepted Wednesday 4 March: 60 days end on Sunday 3 May, inside the Labour Day
        # holiday (1-5 May), so the opinion is due at the end of Wednesday 6 May.
        Status.ACCEPTED: [("petition.handling", TOWNSHIP, end_of(5, 6))],
        # Opinion Thursday 12 March: the 30th day is Saturday 11 April, rolled to Monday 13 April.
        Status.OPINION_GIVEN: [("petition.review_request", VILLAGE, end_of(4, 13))],
        # Review requested Saturday 14 March: decided by the county within 30 days, Monday 13 April.
        Status.REVIEW_REQUESTED: [("petition.review_decision", COUNTY, end_of(4, 13))],
        # Review decided Sunday 22 March: re-review may be requested until Tuesday 21 April.
        Status.REVIEWED: [("petition.re_review_request", VILLAGE, end_of(4, 21))],
        # Re-review requested Tuesday 24 March: decided by the body above the county (the top of
        # this tree: the county again) by Thursday 23 April.
        Status.RE_REVIEW_REQUESTED: [("petition.re_review_decision", COUNTY, end_of(4, 23))],
    }
    for status, days, step in STEPS[:-1]:
        clock.advance(timedelta(days=days))
        petition = step(desk(system), petition.id)
        running = keeper(system).sync(petition.id, 0).clocks
        assert [(c.clock, c.node, c.due_at) for c in sorted(running, key=lambda c: c.clock)] == expected[
            status
        ], status
        assert {c.started_at for c in running} == {clock()}

    clock.advance(timedelta(days=3))
    desk(system).decide_re_review(
        COUNTY_STAFF, petition.id, outcome=Opinion.EXPLAIN, facts="as reviewed", legal_basis="Art. 36"
    )
    final = keeper(system).sync(petition.id, 0)
    assert final.ended and final.clocks == []
    ended = sorted(
        system.casebook.deadlines.clocks("petition", petition.id).clocks.values(),
        key=lambda c: (c.started_at, c.clock),
    )
    assert [(c.clock, c.status, c.outcome) for c in ended] == [
        ("petition.route", "stopped", "met: routed to a receiving body"),
        ("petition.acceptance_notice", "stopped", "met: acceptance decided (accepted)"),
        ("petition.objection", "stopped", "ended: acceptance decided without objection"),
        ("petition.handling", "stopped", "met: written handling opinion given"),
        ("petition.review_request", "stopped", "met: review requested"),
        ("petition.review_decision", "stopped", "met: review decided"),
        ("petition.re_review_request", "stopped", "met: re-review requested"),
        ("petition.re_review_decision", "stopped", "met: re-review decided"),
    ]
    starts = {c.clock: c.started_at for c in ended}
    assert [c.ended_at for c in ended] == [
        starts[f"petition.{n}"]
        for n in (
            "acceptance_notice",
            "handling",
            "handling",
            "review_request",
            "review_decision",
            "re_review_request",
            "re_review_decision",
        )
    ] + [clock()]


def test_a_petition_objected_to_has_to_be_routed_again_within_a_new_route_limit(system: System, clock: Clock):
    petition = petition_at(system, clock, Status.ROUTED)
    clock.advance(timedelta(days=2))
    desk(system).decide_acceptance(
        TOWNSHIP_STAFF, petition.id, decision=AcceptanceDecision.OBJECTED, reason="the county's road"
    )
    [route] = keeper(system).sync(petition.id, 0).clocks
    # Objected Thursday 5 March: routed again within 15 days, by Friday 20 March.
    assert (route.clock, route.started_at, route.due_at) == ("petition.route", clock(), end_of(3, 20))
    assert clock_named(system, petition, "petition.objection").outcome == "met: the receiving body objected"
    assert (
        clock_named(system, petition, "petition.acceptance_notice").outcome
        == "met: acceptance decided (objected)"
    )


def test_a_diverted_complaint_ends_its_clocks_and_its_workflow(system: System, clock: Clock):
    petition = petition_at(system, clock, Status.ACCEPTED)
    desk(system).divert_to_legal_procedure(
        TOWNSHIP_STAFF, petition.id, procedure="litigation", body="Anping People's Court", reason="a contract"
    )
    time = keeper(system).sync(petition.id, 0)
    assert time.ended and time.clocks == []
    assert clock_named(system, petition, "petition.handling").outcome == "ended: diverted to litigation"


# -- when a limit passes -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name", "consequence"),
    [
        (
            Status.REGISTERED,
            "petition.route",
            f"overdue at {VILLAGE}: not routed to a receiving body within 15 calendar days",
        ),
        (
            Status.ROUTED,
            "petition.acceptance_notice",
            f"overdue at {TOWNSHIP}: acceptance not decided and notified within 15 calendar days",
        ),
        (
            Status.ACCEPTED,
            "petition.handling",
            f"overdue at {TOWNSHIP}: no written handling opinion within 60 calendar days",
        ),
        (
            Status.REVIEW_REQUESTED,
            "petition.review_decision",
            f"overdue at {COUNTY}: the review not decided within 30 calendar days",
        ),
        (
            Status.RE_REVIEW_REQUESTED,
            "petition.re_review_decision",
            f"overdue at {COUNTY}: the re-review not decided within 30 calendar days",
        ),
    ],
)
def test_a_limit_passed_is_recorded_overdue_once_and_the_petition_waits_for_its_answer(
    system: System,
    clock: Clock,
    status: Status,
    name: str,
    consequence: str,
):
    petition = petition_at(system, clock, status)
    before, key = history(system, petition), clock_named(system, petition, name).key
    for _ in range(3):
        time = keeper(system).due(petition.id, 0, key, None)
    missed = clock_named(system, petition, name)
    assert (missed.status, missed.outcome, missed.ended_at) == ("missed", consequence, missed.due_at)
    assert [type(e).__name__ for e in clock_events(system, petition)].count("DeadlineMissed") == 1
    assert history(system, petition) == before
    assert not time.ended and name not in [c.clock for c in time.clocks]


def test_the_objection_window_closes_without_objection_and_an_objection_is_then_refused(
    system: System, clock: Clock
):
    petition = petition_at(system, clock, Status.ROUTED)
    time = come(system, petition, "petition.objection")
    closed = clock_named(system, petition, "petition.objection")
    assert (closed.status, closed.outcome, closed.ended_at) == (
        "stopped",
        "window closed: no objection",
        end_of(3, 10),
    )
    assert [c.clock for c in time.clocks] == ["petition.acceptance_notice"]
    clock.now = end_of(3, 10) + timedelta(seconds=1)
    with pytest.raises(TransitionNotAllowed, match=r"window to object closed on 2026-03-10T23:59:59\+08:00"):
        desk(system).decide_acceptance(
            TOWNSHIP_STAFF, petition.id, decision=AcceptanceDecision.OBJECTED, reason="too late"
        )
    assert (
        desk(system)
        .decide_acceptance(TOWNSHIP_STAFF, petition.id, decision=AcceptanceDecision.ACCEPTED)
        .status
        == Status.ACCEPTED
    )


@pytest.mark.parametrize(
    ("status", "name", "how", "what"),
    [
        (Status.OPINION_GIVEN, "petition.review_request", "no_review_requested", "review"),
        (Status.REVIEWED, "petition.re_review_request", "no_re_review_requested", "re-review"),
    ],
)
def test_a_window_closed_without_a_request_concludes_the_petition_by_the_system_once(
    system: System,
    clock: Clock,
    status: Status,
    name: str,
    how: str,
    what: str,
):
    petition = petition_at(system, clock, status)
    window = clock_named(system, petition, name)
    for _ in range(3):
        time = keeper(system).due(petition.id, 0, window.key, None)
    concluded = desk(system).get(None, petition.id)
    assert (concluded.status, concluded.conclusion["how"]) == (Status.CONCLUDED, how)
    last = system.casebook.history(petition.id, concluded.version)[-1]
    assert (type(last).__name__, last.actor, last.effective_at) == (
        "Concluded",
        "system:deadline",
        window.due_at,
    )
    assert history(system, petition).count("Concluded") == 1
    closed = clock_named(system, petition, name)
    assert (closed.status, closed.outcome) == (
        "stopped",
        f"window closed: no {what} requested; the petition is concluded",
    )
    assert time.ended and time.clocks == []
    record = system.casebook.load(Petitioner, desk(system).petitioner_id(ZHANG["id_number"]), "petitioner")
    assert record.standing("road compensation", petition.id) == "concluded"


def test_a_stage_left_only_after_its_due_time_is_recorded_missed_not_met(system: System, clock: Clock):
    petition = petition_at(system, clock, Status.ACCEPTED)
    due = clock_named(system, petition, "petition.handling").due_at
    clock.now = due + timedelta(days=2)  # the worker was down: the opinion comes late and is synced first
    answered = desk(system).give_handling_opinion(
        TOWNSHIP_STAFF, petition.id, outcome=Opinion.SUPPORT, facts="paid now", legal_basis="Art. 48"
    )
    handed_over(answered, desk(system), TOWNSHIP_STAFF)
    [window] = keeper(system).sync(petition.id, 0).clocks
    handling = clock_named(system, petition, "petition.handling")
    assert (handling.status, handling.ended_at) == ("missed", due)
    assert handling.outcome.startswith(f"overdue at {TOWNSHIP}: no written handling opinion")
    assert window.clock == "petition.review_request"


def test_a_due_time_for_a_petition_that_moved_on_in_time_stops_the_clock_as_met(system: System, clock: Clock):
    petition = petition_at(system, clock, Status.ACCEPTED)
    key = clock_named(system, petition, "petition.handling").key
    clock.advance(timedelta(days=5))
    desk(system).give_handling_opinion(
        TOWNSHIP_STAFF, petition.id, outcome=Opinion.SUPPORT, facts="paid", legal_basis="Art. 48"
    )
    keeper(system).due(petition.id, 0, key, None)
    handling = clock_named(system, petition, "petition.handling")
    assert (handling.status, handling.outcome, handling.ended_at) == (
        "stopped",
        "met: written handling opinion given",
        clock(),
    )


# -- reminders --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name", "notified"),
    [
        (Status.REGISTERED, "petition.route", AT_VILLAGE),
        (Status.ACCEPTED, "petition.handling", AT_TOWNSHIP),
        (Status.REVIEW_REQUESTED, "petition.review_decision", AT_COUNTY),
        (Status.REVIEWED, "petition.re_review_request", AT_VILLAGE),
    ],
)
def test_reminders_at_half_and_four_fifths_go_to_those_who_handle_or_decide_at_the_node_and_above(
    system: System,
    clock: Clock,
    status: Status,
    name: str,
    notified: list[str],
):
    petition = petition_at(system, clock, status)
    for fraction in (0.5, 0.5, 0.8):
        come(system, petition, name, fraction)
    reminded = clock_named(system, petition, name)
    span = reminded.due_at - reminded.started_at
    assert [(r["fraction"], r["at"], r["notify"]) for r in reminded.reminders_sent] == [
        (0.5, reminded.started_at + span * 0.5, notified),
        (0.8, reminded.started_at + span * 0.8, notified),
    ]
    assert reminded.status == "running"


def test_the_accused_is_never_reminded_of_an_accusation(system: System, clock: Clock):
    petition = petition_at(
        system,
        clock,
        Status.REGISTERED,
        type=PetitionType.ACCUSATION,
        accused_person_id="fang-jun",
        matter="relief money",
    )
    come(system, petition, "petition.route", 0.5)
    [reminder] = clock_named(system, petition, "petition.route").reminders_sent
    assert reminder["notify"] == [p for p in AT_VILLAGE if p != "fang-jun"]


# -- working days across National Day ---------------------------------------------------------


@pytest.mark.parametrize(
    ("routed", "due", "skipped"),
    [
        # Routed Friday 18 September: Saturday 19 is a weekend day, but Sunday 20 September is
        # worked in exchange for National Day, so the five working days are 20, 21, 22, 23 and
        # 24 September: the window closes at the end of Thursday 24 September.
        (datetime(2026, 9, 18, 10, 0, tzinfo=CHINA), end_of(9, 24), [("2026-09-19", "weekend")]),
        # Routed Tuesday 29 September: Wednesday 30 September (1); 1-7 October are the National
        # Day holiday; Thursday 8 (2), Friday 9 (3), Saturday 10 October worked in exchange (4);
        # Sunday 11 a weekend day; Monday 12 October (5): the window closes at its end.
        (
            datetime(2026, 9, 29, 10, 0, tzinfo=CHINA),
            end_of(10, 12),
            [(f"2026-10-0{d}", "holiday") for d in range(1, 8)] + [("2026-10-11", "weekend")],
        ),
    ],
)
def test_the_objection_window_counts_working_days_across_national_day_and_its_make_up_days(
    system: System,
    clock: Clock,
    routed: datetime,
    due: datetime,
    skipped: list[tuple[str, str]],
):
    clock.now = routed - timedelta(hours=1)
    petition = register(system)
    clock.now = routed
    desk(system).route(AGENT, petition.id, to_node=TOWNSHIP)
    keeper(system).sync(petition.id, 0)
    window = clock_named(system, petition, "petition.objection")
    assert (window.rule["unit"], window.due_at) == ("working_days", due)
    assert [(s["day"], s["why"]) for s in window.skipped] == skipped
    come(system, petition, "petition.objection")
    assert clock_named(system, petition, "petition.objection").ended_at == due


# -- the extension ---------------------------------------------------------------------------


def test_the_extension_extends_the_handling_clock_once_by_what_was_approved(system: System, clock: Clock):
    petition = petition_at(system, clock, Status.ACCEPTED)
    clock.advance(timedelta(days=40))
    desk(system).extend_handling(TOWNSHIP_STAFF, petition.id, days=30, reason="a site survey after the rains")
    for _ in range(2):
        keeper(system).sync(petition.id, 0)
    handling = clock_named(system, petition, "petition.handling")
    # Accepted on Wednesday 4 March: 60 + 30 = 90 calendar days from then end on Tuesday 2 June
    # (the 60 alone ended on Sunday 3 May, in the Labour Day holiday, and ran to 6 May).
    assert handling.due_at == end_of(6, 2)
    assert handling.extensions == [
        {
            "amount": 30,
            "unit": "calendar_days",
            "reason": "a site survey after the rains",
            "approved_by": "chen-jing",
            "at": clock(),
        }
    ]
    assert [type(e).__name__ for e in clock_events(system, petition)].count("ClockExtended") == 1
    with pytest.raises(TransitionNotAllowed, match="extended at most once"):
        system.casebook.deadlines.extend(
            "petition",
            petition.id,
            key=handling.key,
            amount=1,
            unit=Unit.CALENDAR_DAYS,
            reason="again",
            approved_by="chen-jing",
            at=clock(),
            command_id="second",
        )
    keeper(system).due(petition.id, 0, handling.key, None)
    assert clock_named(system, petition, "petition.handling").outcome.endswith(
        "no written handling opinion within 60 calendar days, extended by 30 calendar days"
    )


def test_an_extension_lengthens_the_period_from_acceptance_not_from_a_due_date_moved_off_national_day(
    system: System, clock: Clock
):
    clock.now = datetime(2026, 8, 1, 10, 0, tzinfo=CHINA)
    petition = petition_at(system, clock, Status.ACCEPTED)  # accepted on Monday 3 August
    # Day 60 is Friday 2 October, in the National Day holiday: the opinion is due on Thursday 8 October.
    assert clock_named(system, petition, "petition.handling").due_at == end_of(10, 8)
    clock.advance(timedelta(days=30))
    desk(system).extend_handling(TOWNSHIP_STAFF, petition.id, days=30, reason="expert opinion awaited")
    keeper(system).sync(petition.id, 0)
    handling = clock_named(system, petition, "petition.handling")
    # 90 days from 3 August end on Sunday 1 November, so the limit runs to Monday 2 November —
    # not 30 days from 8 October (7 November, a Saturday, rolled to Monday 9 November).
    assert handling.due_at == end_of(11, 2)
    assert handling.due_at - handling.started_at < timedelta(days=92)
    text = explain(handling, clock())
    assert "The limit and its extension run as one period of 90 calendar days from the start." in text
    assert (
        "Its last day, 2026-11-01, was not a working day (2026-11-01 not worked), so the extended limit "
        "ran to the next working day."
    ) in text
    assert any(line.startswith("Before the extension, the last day was not a working day") for line in text)


def test_the_extension_moves_the_reminders_not_yet_sent_to_their_share_of_the_longer_limit(
    system: System, clock: Clock
):
    petition = petition_at(system, clock, Status.ACCEPTED)
    handling = clock_named(system, petition, "petition.handling")
    span = handling.due_at - handling.started_at
    assert handling.reminders_at == [handling.started_at + span * 0.5, handling.started_at + span * 0.8]
    clock.now = handling.reminders_at[0]
    keeper(system).due(petition.id, 0, handling.key, 0.5)  # the 50 % reminder is recorded
    desk(system).extend_handling(TOWNSHIP_STAFF, petition.id, days=30, reason="a site survey after the rains")
    keeper(system).sync(petition.id, 0)
    extended = clock_named(system, petition, "petition.handling")
    longer = extended.due_at - extended.started_at
    assert longer == span + timedelta(days=27)  # 90 days from acceptance, not 30 from the rolled due date
    assert extended.reminders_at == [handling.started_at + longer * 0.5, handling.started_at + longer * 0.8]
    time = keeper(system).sync(petition.id, 0)  # what the workflow is told: one reminder sent, one to come
    assert [c.reminders_at for c in time.clocks] == [extended.reminders_at]
    assert [r["fraction"] for r in extended.reminders_sent] == [0.5]


def test_a_hearing_moves_the_reminders_after_it_by_its_length(system: System, clock: Clock):
    hearings_pause_handling_and_review(system)
    petition = petition_at(system, clock, Status.ACCEPTED)
    clock.advance(timedelta(days=10))  # Saturday 14 March, before either reminder
    desk(system).start_hearing(TOWNSHIP_STAFF, petition.id)
    keeper(system).sync(petition.id, 0)
    clock.advance(timedelta(days=3))
    desk(system).end_hearing(TOWNSHIP_STAFF, petition.id, summary="both sides heard")
    keeper(system).sync(petition.id, 0)
    handling = clock_named(system, petition, "petition.handling")
    # The clock counts from its start to its due time less the three days of the hearing, and
    # each reminder, being after the hearing began, comes three days later than that share.
    counting = handling.due_at - handling.started_at - timedelta(days=3)
    assert handling.reminders_at == [
        handling.started_at + counting * f + timedelta(days=3) for f in (0.5, 0.8)
    ]


def test_an_accusations_extension_reason_stays_on_the_petition(system: System, clock: Clock):
    petition = petition_at(
        system, clock, Status.ACCEPTED, type=PetitionType.ACCUSATION, accused_person_id="fang-jun"
    )
    desk(system).extend_handling(
        TOWNSHIP_STAFF, petition.id, days=10, reason="Fang Jun's accounts are being audited"
    )
    keeper(system).sync(petition.id, 0)
    assert (
        clock_named(system, petition, "petition.handling").extensions[0]["reason"]
        == "withheld: see the petition"
    )


def _adopt(system: System, **changed: tuple[int, Unit]) -> None:
    """A township's own policy from 1 March 2026: the shipped rules with some changed."""
    book = system.casebook.rulebook
    rules = [
        replace(r, amount=changed[r.clock.split(".")[1]][0], unit=changed[r.clock.split(".")[1]][1])
        if r.clock.startswith("petition.") and r.clock.split(".")[1] in changed
        else r
        for r in book.current().policy("2026.4").rules
    ]
    book.adopt_policy(
        "system:operator",
        version="2026.4-dongxi",
        effective_from=datetime(2026, 3, 1, tzinfo=CHINA),
        in_progress="at_clock_start",
        rules=rules,
        reason="township rules",
        source="test",
        authorise=False,
    )


def test_an_extension_is_at_most_what_the_policy_the_clock_follows_allows(system: System, clock: Clock):
    _adopt(system, extension=(20, Unit.CALENDAR_DAYS))
    petition = petition_at(system, clock, Status.ACCEPTED)
    assert clock_named(system, petition, "petition.handling").policy_version == "2026.4-dongxi"
    with pytest.raises(InvalidValue, match="1 to 20 days") as refusal:
        desk(system).extend_handling(TOWNSHIP_STAFF, petition.id, days=30, reason="survey")
    assert refusal.value.field == "days"
    desk(system).extend_handling(TOWNSHIP_STAFF, petition.id, days=20, reason="survey")
    keeper(system).sync(petition.id, 0)
    # 60 + 20 = 80 days from 4 March end on Saturday 23 May: the limit runs to Monday 25 May.
    assert clock_named(system, petition, "petition.handling").due_at == end_of(5, 25)


def test_a_policy_with_a_longer_review_window_gives_the_petitioner_that_long(system: System, clock: Clock):
    _adopt(system, review_request=(45, Unit.CALENDAR_DAYS))
    petition = petition_at(system, clock, Status.OPINION_GIVEN)
    # Opinion on Thursday 12 March: 45 days end on Sunday 26 April, so the window runs to the
    # end of Monday 27 April.
    assert desk(system).window_closes(petition) == end_of(4, 27)
    clock.now = end_of(4, 20)
    assert (
        desk(system).request_review(AGENT, petition.id, grounds="late but in time").status
        == Status.REVIEW_REQUESTED
    )


def test_stages_passed_through_before_the_clocks_were_first_kept_are_clocked_and_settled_by_when_they_ended(
    system: System,
    clock: Clock,
):
    petition = petition_at(system, clock, Status.ACCEPTED, sync=False)  # the worker was down throughout
    routed_at, accepted_at = clock() - timedelta(days=1), clock()
    keeper(system).sync(petition.id, 0)
    ended = {
        name: (c.status, c.ended_at, c.outcome)
        for name in ("petition.route", "petition.acceptance_notice", "petition.objection")
        for c in [clock_named(system, petition, name)]
    }
    assert ended == {
        "petition.route": ("stopped", routed_at, "met: routed to a receiving body"),
        "petition.acceptance_notice": ("stopped", accepted_at, "met: acceptance decided (accepted)"),
        "petition.objection": ("stopped", accepted_at, "ended: acceptance decided without objection"),
    }
    assert clock_named(system, petition, "petition.handling").status == "running"


def test_a_stage_passed_through_after_its_due_time_before_the_clocks_were_kept_is_recorded_missed(
    system: System,
    clock: Clock,
):
    petition = register(system)
    clock.advance(timedelta(days=20))  # routed five days late; nobody synced meanwhile
    desk(system).route(AGENT, petition.id, to_node=TOWNSHIP)
    keeper(system).sync(petition.id, 0)
    route = clock_named(system, petition, "petition.route")
    assert (route.status, route.ended_at) == ("missed", route.due_at)
    assert route.outcome == f"overdue at {VILLAGE}: not routed to a receiving body within 15 calendar days"


def test_a_review_window_ending_on_a_weekend_stays_open_to_the_next_working_day(system: System, clock: Clock):
    petition = petition_at(system, clock, Status.OPINION_GIVEN, sync=False)  # the clock need not be kept yet
    clock.now = datetime(2026, 4, 12, 15, 0, tzinfo=CHINA)  # Sunday, the 31st day
    assert (
        desk(system).request_review(AGENT, petition.id, grounds="in time").status == Status.REVIEW_REQUESTED
    )


def test_an_extension_after_the_handling_limit_was_recorded_missed_is_refused(system: System, clock: Clock):
    petition = petition_at(system, clock, Status.ACCEPTED)
    handling = clock_named(system, petition, "petition.handling")
    keeper(system).due(petition.id, 0, handling.key, None)
    clock.now = handling.due_at - timedelta(days=1)  # even backdated to before the limit
    with pytest.raises(TransitionNotAllowed, match="recorded as missed") as refusal:
        desk(system).extend_handling(TOWNSHIP_STAFF, petition.id, days=10, reason="too late")
    assert refusal.value.state == "accepted, overdue"


# -- hearings -----------------------------------------------------------------------------------


def hearings_pause_handling_and_review(system: System) -> None:
    """A township's own policy from 1 March 2026 under which hearings pause the handling and
    review limits too (the shipped one pauses only the re-review limit, Art. 36)."""
    book = system.casebook.rulebook
    rules = [
        replace(r, paused_by=("hearing",), basis="township rule 4: hearing time is not counted")
        if r.clock in ("petition.handling", "petition.review_decision")
        else r
        for r in book.current().policy("2026.4").rules
    ]
    book.adopt_policy(
        "system:operator",
        version="2026.4-hearings",
        effective_from=datetime(2026, 3, 1, tzinfo=CHINA),
        in_progress="at_clock_start",
        rules=rules,
        reason="township rules: hearing time not counted in any decision limit",
        source="test",
        authorise=False,
    )


def test_by_the_shipped_policy_a_hearing_does_not_pause_the_handling_limit_art_34(
    system: System, clock: Clock
):
    petition = petition_at(system, clock, Status.ACCEPTED)
    clock.advance(timedelta(days=10))
    desk(system).start_hearing(TOWNSHIP_STAFF, petition.id)
    [handling] = keeper(system).sync(petition.id, 0).clocks
    assert (handling.status, handling.due_at) == ("running", end_of(5, 6))
    clock.advance(timedelta(days=3))
    desk(system).end_hearing(TOWNSHIP_STAFF, petition.id, summary="both sides heard")
    [handling] = keeper(system).sync(petition.id, 0).clocks
    assert (handling.status, handling.due_at, handling.pauses) == ("running", end_of(5, 6), [])
    assert (
        "Basis: Art. 34: handled within 60 days of acceptance; a hearing's time counts (the article makes "
        "no exception)."
    ) in explain(handling, clock())


def test_by_the_shipped_policy_a_hearing_does_not_pause_the_review_limit_art_35(system: System, clock: Clock):
    petition = petition_at(system, clock, Status.REVIEW_REQUESTED)
    due = clock_named(system, petition, "petition.review_decision").due_at
    clock.advance(timedelta(days=1))
    desk(system).start_hearing(COUNTY_STAFF, petition.id)
    clock.advance(timedelta(hours=2))
    desk(system).end_hearing(COUNTY_STAFF, petition.id, summary="heard")
    [decision] = keeper(system).sync(petition.id, 0).clocks
    assert (decision.clock, decision.status, decision.due_at, decision.pauses) == (
        "petition.review_decision",
        "running",
        due,
        [],
    )


def test_a_hearing_pauses_the_re_review_limit_and_explain_cites_art_36(system: System, clock: Clock):
    petition = petition_at(system, clock, Status.RE_REVIEW_REQUESTED)
    due = clock_named(system, petition, "petition.re_review_decision").due_at
    clock.advance(timedelta(days=2))
    desk(system).start_hearing(COUNTY_STAFF, petition.id)
    [paused] = keeper(system).sync(petition.id, 0).clocks
    assert paused.status == "paused"
    clock.advance(timedelta(days=1))
    desk(system).end_hearing(COUNTY_STAFF, petition.id, summary="heard over two days")
    [resumed] = keeper(system).sync(petition.id, 0).clocks
    # Requested on Tuesday 24 March: due Thursday 23 April; the hearing's two local days not
    # counted make it Saturday 25 April, so the re-review is due on Monday 27 April.
    assert (due, resumed.status, resumed.due_at) == (end_of(4, 23), "running", end_of(4, 27))
    [line] = [line for line in explain(resumed, clock()) if line.startswith("Paused ")]
    assert line.endswith(
        "are not counted (Art. 36: the re-review decided within 30 days; hearing time is not counted)."
    )


def test_a_hearing_pauses_the_handling_clock_where_the_policy_says_so_and_its_days_are_added_when_it_ends(
    system: System, clock: Clock
):
    hearings_pause_handling_and_review(system)
    petition = petition_at(system, clock, Status.ACCEPTED)
    key = clock_named(system, petition, "petition.handling").key
    clock.advance(timedelta(days=10))  # Saturday 14 March, 17:00
    desk(system).start_hearing(TOWNSHIP_STAFF, petition.id)
    started = clock()
    for _ in range(2):
        [paused] = keeper(system).sync(petition.id, 0).clocks
    assert (paused.status, paused.paused_at, paused.due_at) == ("paused", started, end_of(5, 6))
    keeper(system).due(petition.id, 0, key, None)  # a due time that came meanwhile changes nothing
    assert clock_named(system, petition, "petition.handling").status == "paused"
    clock.advance(timedelta(days=3))  # Tuesday 17 March
    desk(system).end_hearing(TOWNSHIP_STAFF, petition.id, summary="both sides heard")
    for _ in range(2):
        [resumed] = keeper(system).sync(petition.id, 0).clocks
    # The hearing ran on 14, 15, 16 and 17 March: four days not counted, so the 60 days end on
    # Thursday 7 May, not on Sunday 3 May (which the Labour Day holiday had rolled to 6 May).
    assert (resumed.status, resumed.due_at, resumed.pauses) == (
        "running",
        end_of(5, 7),
        [{"from": started, "to": clock()}],
    )
    assert (
        "Paused 2026-03-14T17:00:00+08:00 to 2026-03-17T17:00:00+08:00: "
        "the local days 2026-03-14 to 2026-03-17 are not counted "
        "(township rule 4: hearing time is not counted)."
    ) in explain(resumed, clock())
    kinds = [type(e).__name__ for e in clock_events(system, petition)]
    assert (kinds.count("ClockPaused"), kinds.count("ClockResumed")) == (1, 1)


def test_a_hearing_day_that_moves_the_last_day_onto_a_holiday_leaves_the_due_time_where_the_holiday_put_it(
    system: System,
    clock: Clock,
):
    hearings_pause_handling_and_review(system)
    petition = petition_at(system, clock, Status.ACCEPTED)
    clock.advance(timedelta(days=10))
    desk(system).start_hearing(TOWNSHIP_STAFF, petition.id)
    clock.advance(timedelta(hours=2))
    desk(system).end_hearing(TOWNSHIP_STAFF, petition.id, summary="heard in an afternoon")
    [resumed] = keeper(system).sync(petition.id, 0).clocks
    # One day not counted: the 60 days end on Monday 4 May instead of Sunday 3 May, still in the
    # Labour Day holiday, so the opinion is still due at the end of Wednesday 6 May.
    assert (resumed.status, resumed.due_at) == ("running", end_of(5, 6))


def test_a_hearing_learnt_of_only_after_it_ended_is_still_counted_in_order(system: System, clock: Clock):
    hearings_pause_handling_and_review(system)
    petition = petition_at(system, clock, Status.REVIEW_REQUESTED)
    clock.advance(timedelta(days=1))
    desk(system).start_hearing(COUNTY_STAFF, petition.id)
    clock.advance(timedelta(hours=2))
    desk(system).end_hearing(COUNTY_STAFF, petition.id, summary="heard")
    [decision] = keeper(system).sync(petition.id, 0).clocks
    # One day of hearing (Sunday 15 March) not counted: Monday 13 April becomes Tuesday 14 April.
    assert (decision.clock, decision.status, decision.due_at) == (
        "petition.review_decision",
        "running",
        end_of(4, 14),
    )
    assert clock_named(system, petition, "petition.review_request").pauses == []


def test_a_due_time_that_came_during_a_hearing_not_yet_synced_is_not_missed(system: System, clock: Clock):
    hearings_pause_handling_and_review(system)
    petition = petition_at(system, clock, Status.ACCEPTED)
    handling = clock_named(system, petition, "petition.handling")
    clock.now = handling.due_at - timedelta(days=1)
    desk(system).start_hearing(TOWNSHIP_STAFF, petition.id)
    keeper(system).due(petition.id, 0, handling.key, None)
    assert clock_named(system, petition, "petition.handling").status == "paused"


def test_a_hearing_after_the_limit_passed_does_not_save_it(system: System, clock: Clock):
    hearings_pause_handling_and_review(system)
    petition = petition_at(system, clock, Status.ACCEPTED)
    handling = clock_named(system, petition, "petition.handling")
    clock.now = handling.due_at + timedelta(hours=1)
    desk(system).start_hearing(TOWNSHIP_STAFF, petition.id)
    keeper(system).due(petition.id, 0, handling.key, None)
    assert clock_named(system, petition, "petition.handling").status == "missed"


def test_a_reminder_whose_moment_fell_in_a_hearing_is_recorded_when_the_clock_counts_again(
    system: System, clock: Clock
):
    hearings_pause_handling_and_review(system)
    petition = petition_at(system, clock, Status.ACCEPTED)
    handling = clock_named(system, petition, "petition.handling")
    clock.now = handling.reminders_at[0] - timedelta(days=1)
    desk(system).start_hearing(TOWNSHIP_STAFF, petition.id)
    keeper(system).sync(petition.id, 0)
    clock.advance(timedelta(days=3))
    desk(system).end_hearing(TOWNSHIP_STAFF, petition.id, summary="heard")
    keeper(system).sync(petition.id, 0)
    keeper(system).due(petition.id, 0, handling.key, 0.5)
    [reminder] = clock_named(system, petition, "petition.handling").reminders_sent
    assert reminder["at"] == clock()


# -- the petitioner's windows run from the receipt of the written answer (Arts. 35–36) ----------


def test_the_review_window_runs_from_when_the_petitioner_received_the_answer_by_post(
    system: System, clock: Clock
):
    petition = petition_at(system, clock, Status.ACCEPTED)
    clock.advance(timedelta(days=8))  # Thursday 12 March, 17:00
    answered = desk(system).give_handling_opinion(
        TOWNSHIP_STAFF, petition.id, outcome=Opinion.NOT_SUPPORT, facts="paid", legal_basis="Art. 48"
    )
    # Posted, not yet received: no window runs, and nothing can conclude the petition.
    assert keeper(system).sync(petition.id, 0).clocks == []
    assert desk(system).window_closes(answered) is None
    assert "deliver_answer" in answered.allowed_actions()
    clock.advance(timedelta(days=7))
    with pytest.raises(TransitionNotAllowed, match="receipt of the written answer is not recorded"):
        desk(system).conclude(COUNTY_STAFF, petition.id)
    received = datetime(2026, 3, 17, 10, 0, tzinfo=CHINA)  # the date on the postal receipt
    delivered = desk(system).deliver_answer(
        TOWNSHIP_STAFF,
        petition.id,
        method=DeliveryMethod.BY_POST,
        recipient="Zhang San",
        received_at=received,
        reference="XA 1234 5678 CN",
    )
    assert delivered.deliveries["opinion"]["method"] == "by_post"
    assert "deliver_answer" not in delivered.allowed_actions()
    [window] = keeper(system).sync(petition.id, 0).clocks
    # 30 days from Tuesday 17 March end on Thursday 16 April, not on Saturday 11 April (Monday 13
    # April after the weekend), as they would from the opinion's recording.
    assert (window.clock, window.started_at, window.due_at) == (
        "petition.review_request",
        received,
        end_of(4, 16),
    )
    assert desk(system).windows(delivered)["review_window_closes"] == end_of(4, 16)
    clock.now = datetime(2026, 4, 15, 9, 0, tzinfo=CHINA)  # 34 days after the opinion was recorded
    assert (
        desk(system).request_review(AGENT, petition.id, grounds="in time").status == Status.REVIEW_REQUESTED
    )
    keeper(system).sync(petition.id, 0)
    assert clock_named(system, petition, "petition.review_request").outcome == "met: review requested"


def test_an_answer_is_received_once_and_not_before_it_was_given(system: System, clock: Clock):
    petition = petition_at(system, clock, Status.ACCEPTED)
    clock.advance(timedelta(days=8))
    answered = desk(system).give_handling_opinion(
        TOWNSHIP_STAFF, petition.id, outcome=Opinion.NOT_SUPPORT, facts="paid", legal_basis="Art. 48"
    )
    for at, field in (
        (answered.status_since - timedelta(hours=1), "before"),
        (clock() + timedelta(days=1), "once"),
    ):
        with pytest.raises(InvalidValue, match=field) as refused:
            desk(system).deliver_answer(
                TOWNSHIP_STAFF,
                petition.id,
                method=DeliveryMethod.BY_HAND,
                recipient="Zhang San",
                received_at=at,
            )
        assert refused.value.field == "received_at"
    handed_over(answered, desk(system), TOWNSHIP_STAFF)
    with pytest.raises(TransitionNotAllowed, match="runs from that receipt"):
        handed_over(answered, desk(system), TOWNSHIP_STAFF)


def test_the_re_review_window_runs_from_the_receipt_of_the_review_decision(system: System, clock: Clock):
    petition = petition_at(system, clock, Status.REVIEW_REQUESTED)
    clock.advance(timedelta(days=8))
    reviewed = desk(system).decide_review(
        COUNTY_STAFF, petition.id, outcome=Opinion.EXPLAIN, facts="genuine", legal_basis="Art. 35"
    )
    assert keeper(system).sync(petition.id, 0).clocks == []
    clock.advance(timedelta(days=3))
    handed_over(reviewed, desk(system), COUNTY_STAFF, after=timedelta(days=3))
    [window] = keeper(system).sync(petition.id, 0).clocks
    assert (window.clock, window.started_at) == (
        "petition.re_review_request",
        reviewed.status_since + timedelta(days=3),
    )


# -- a year whose holiday notice is not loaded: statutory holidays, provisionally ---------------


def _answered_on_2_december(system: System, clock: Clock) -> Petition:
    clock.now = datetime(2026, 11, 22, 10, 0, tzinfo=CHINA)
    petition = petition_at(system, clock, Status.OPINION_GIVEN)  # opinion given and received on 2 December
    assert petition.status_since.astimezone(CHINA).date().isoformat() == "2026-12-02"
    return petition


def test_a_window_running_into_an_unloaded_year_skips_its_statutory_holidays_provisionally(
    system: System, clock: Clock
):
    petition = _answered_on_2_december(system, clock)
    window = clock_named(system, petition, "petition.review_request")
    # Day 30 is Friday 1 January 2027, New Year's Day by the national regulation even before
    # the State Council's notice for 2027 is loaded; then a weekend: open to Monday 4 January.
    assert window.due_at == datetime(2027, 1, 4, 23, 59, 59, tzinfo=CHINA)
    assert window.unknown_years == [2027] and window.provisional
    assert {
        "day": "2027-01-01",
        "why": "New Year's Day (provisional: calendar for 2027 not loaded)",
    } in window.skipped
    assert any(
        line.startswith("Provisional: no holiday notice is loaded for 2027")
        for line in explain(window, clock())
    )
    clock.now = datetime(2027, 1, 4, 9, 0, tzinfo=CHINA)  # Monday
    assert desk(system).request_review(AGENT, petition.id, grounds="after the holiday").status == (
        Status.REVIEW_REQUESTED
    )


def test_a_window_closing_on_a_provisional_count_concludes_nothing_until_the_year_is_loaded(
    system: System, clock: Clock
):
    petition = _answered_on_2_december(system, clock)
    window = clock_named(system, petition, "petition.review_request")
    come(system, petition, "petition.review_request")
    held = clock_named(system, petition, "petition.review_request")
    assert held.status == "held" and desk(system).get(None, petition.id).status == Status.OPINION_GIVEN
    assert "not concluded until the holiday notice for 2027 is loaded" in explain(held, clock())[-1]
    clock.now = datetime(2027, 1, 5, 9, 0, tzinfo=CHINA)
    with pytest.raises(TransitionNotAllowed, match="holiday notice is not loaded"):
        desk(system).conclude(COUNTY_STAFF, petition.id)
    # The notice for 2027 is loaded (here: 1–3 January off, no make-up day): the window is
    # counted again and, closed by then, concludes the petition at its due time.
    system.casebook.rulebook.load_calendar_year(
        "system:operator",
        region="CN",
        year=CalendarYear(2027, frozenset({date(2027, 1, d) for d in (1, 2, 3)}), frozenset()),
        reason="State Council notice for 2027",
        source="test",
        authorise=False,
    )
    moved = system.casebook.deadlines.recompute_open_clocks(
        reason="calendar CN 2027 loaded", at=clock(), year=2027
    )
    assert moved == [("petition", str(petition.id))]
    counted = clock_named(system, petition, "petition.review_request")
    assert (counted.status, counted.provisional, counted.due_at) == ("running", False, window.due_at)
    come(system, petition, "petition.review_request")
    concluded = desk(system).get(None, petition.id)
    assert concluded.status == Status.CONCLUDED and concluded.conclusion["at"] == window.due_at


def test_a_request_after_a_provisional_close_is_not_refused(system: System, clock: Clock):
    petition = _answered_on_2_december(system, clock)
    come(system, petition, "petition.review_request")
    clock.now = datetime(2027, 1, 5, 9, 0, tzinfo=CHINA)  # the day after the provisional close
    assert desk(system).request_review(AGENT, petition.id, grounds="a notice may give more days").status == (
        Status.REVIEW_REQUESTED
    )


def test_a_refiling_not_accepted_at_registration_runs_no_clock_and_ends_its_workflow(
    system: System, clock: Clock
):
    first = petition_at(system, clock, Status.CONCLUDED)
    clock.advance(timedelta(days=30))
    again = register(system, channel=Channel.VISIT)
    assert again.status == Status.NOT_ACCEPTED and again.repeat_of == str(first.id)
    time = keeper(system).sync(again.id, 0)
    assert time.ended and time.clocks == []
    assert system.casebook.deadlines.clocks("petition", again.id) is None


def test_an_assignment_runs_its_result_report_clock_reminds_records_overdue_and_settles_when_reported(
    system: System, clock: Clock
):
    petition = register(system, channel=Channel.VISIT)
    keeper(system).sync(petition.id, 0)
    desk(system).assign(COUNTY_STAFF, petition.id, office=COUNTY, to_node=TOWNSHIP, report_within_days=10)
    time = keeper(system).sync(petition.id, 0)
    report = clock_named(system, petition, "petition.assignment_report")
    assert report.key in [c.key for c in time.clocks]
    assert (report.node, report.due_at) == (TOWNSHIP, end_of(3, 12))  # 2 March + 10 calendar days
    lines = explain(report, clock())
    assert any("Art. 22" in line and "set at 10 of the policy's 30" in line for line in lines), lines
    come(system, petition, "petition.assignment_report", 0.5)
    reminded = clock_named(system, petition, "petition.assignment_report")
    assert [r["fraction"] for r in reminded.reminders_sent] == [0.5]
    assert set(reminded.reminders_sent[0]["notify"]) == set(AT_TOWNSHIP)
    desk(system).decide_acceptance(
        TOWNSHIP_STAFF, petition.id, decision=AcceptanceDecision.NOT_ACCEPTED, reason="x"
    )
    time = keeper(system).due(petition.id, 0, report.key, None)
    missed = clock_named(system, petition, "petition.assignment_report")
    assert missed.status == "missed" and not time.ended  # not accepted, but the result is still owed
    assert missed.outcome == (
        f"overdue at {TOWNSHIP}: the result of the assignment not reported back to the assigning office "
        "within 10 calendar days"
    )
    clock.advance(timedelta(days=20))
    desk(system).report_assignment_result(TOWNSHIP_STAFF, petition.id, result="not accepted: a court case")
    time = keeper(system).sync(petition.id, 0)
    settled = clock_named(system, petition, "petition.assignment_report")
    assert settled.settled is not None and time.ended
    assert system.casebook.deadlines.clocks("petition", petition.id).overdue() == []

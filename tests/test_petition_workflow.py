"""A petition's statutory clock on Temporal's time-skipping test server: days pass in moments,
and the store records every reminder, missed limit, closed window, pause, extension and the
system's conclusion. Due dates that depend on today's date are reckoned on the shipped calendar;
the National Day case uses fixed 2026 dates, worked out by hand."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from domain.petitions.petition import AcceptanceDecision, Opinion, Petition, Status
from domain.time.calendar import CHINA, CalendarYear, Unit
from domain.time.clocks import ClockState
from domain.time.holidays import statutory_holidays
from infra.bootstrap import System
from tests.support import Clock, eventually
from tests.test_petition_clocks import (
    AGENT,
    AT_COUNTY,
    AT_TOWNSHIP,
    AT_VILLAGE,
    COUNTY,
    COUNTY_STAFF,
    TOWNSHIP,
    TOWNSHIP_STAFF,
    VILLAGE,
    desk,
    end_of,
    handed_over,
    hearings_pause_handling_and_review,
    history,
    register,
)
from tests.timeskipping import held, running
from workflows.activities import CaseActivities
from workflows.case_clock import CaseClockWorkflow
from workflows.contracts import CaseRef, CaseTime, ClockDue, case_workflow_id
from workflows.dispatcher import Dispatcher


class Case:
    """One petition under test: its commands take effect at Temporal's time, and the dispatcher
    tells the workflow of each at once."""

    def __init__(
        self, system: System, clock: Clock, env: WorkflowEnvironment, dispatcher: Dispatcher
    ) -> None:
        self.system, self.clock, self.env, self.dispatcher = system, clock, env, dispatcher
        self.petition: Petition | None = None

    @property
    def id(self) -> Any:
        assert self.petition is not None
        return self.petition.id

    async def act(
        self,
        command: Callable[[Any, Any], Petition] | None = None,
        at: datetime | None = None,
        tell: bool = True,
    ) -> Petition:
        """Registers the petition (no command) or gives a command on it, now or at `at`."""
        self.clock.now = at or await self.env.get_current_time()
        self.petition = register(self.system) if command is None else command(desk(self.system), self.id)
        if tell:
            await self.dispatcher.catch_up()
        return self.petition

    async def step_to(self, status: Status) -> None:
        await self.act()
        for reached, command in STEPS:
            if self.petition.status == status:  # type: ignore[union-attr]
                return
            await self.env.sleep(timedelta(days=1))
            await self.act(command)
            assert self.petition.status == reached  # type: ignore[union-attr]

    def clocks(self) -> dict[str, ClockState]:
        """The petition's clocks by name (the latest of each)."""
        found = self.system.casebook.deadlines.clocks("petition", self.id)
        return (
            {c.clock: c for c in sorted(found.clocks.values(), key=lambda c: c.started_at)} if found else {}
        )

    async def until(self, name: str, status: str) -> ClockState:
        async def reached() -> bool:
            found = self.clocks().get(name)
            return found is not None and found.status == status

        await eventually(reached)
        return self.clocks()[name]

    def handle(self) -> WorkflowHandle:
        return self.env.client.get_workflow_handle_for(
            CaseClockWorkflow.run, case_workflow_id("petition", str(self.id))
        )

    async def known(self, check: Callable[[CaseTime], bool]) -> CaseTime:
        return await held(self.handle(), check)

    async def sleep_until(self, moment: datetime) -> None:
        await self.env.sleep(moment - await self.env.get_current_time())

    async def sleep_until_next(self, hour: int) -> None:
        """Until the next time the clock strikes `hour` in China, so that days count the same on any run."""
        now = (await self.env.get_current_time()).astimezone(CHINA)
        moment = now.replace(hour=hour, minute=0, second=0, microsecond=0)
        await self.sleep_until(moment if moment > now else moment + timedelta(days=1))


STEPS: list[tuple[Status, Callable[[Any, Any], Petition]]] = [
    (Status.ROUTED, lambda d, i: d.route(AGENT, i, to_node=TOWNSHIP)),
    (
        Status.ACCEPTED,
        lambda d, i: d.decide_acceptance(TOWNSHIP_STAFF, i, decision=AcceptanceDecision.ACCEPTED),
    ),
    (
        Status.OPINION_GIVEN,
        lambda d, i: handed_over(
            d.give_handling_opinion(
                TOWNSHIP_STAFF, i, outcome=Opinion.NOT_SUPPORT, facts="paid", legal_basis="Art. 48"
            ),
            d,
            TOWNSHIP_STAFF,
        ),
    ),
    (Status.REVIEW_REQUESTED, lambda d, i: d.request_review(AGENT, i, grounds="the receipt is forged")),
    (
        Status.REVIEWED,
        lambda d, i: handed_over(
            d.decide_review(COUNTY_STAFF, i, outcome=Opinion.EXPLAIN, facts="genuine", legal_basis="Art. 35"),
            d,
            COUNTY_STAFF,
        ),
    ),
    (Status.RE_REVIEW_REQUESTED, lambda d, i: d.request_re_review(AGENT, i, grounds="still disputed")),
    (
        Status.CONCLUDED,
        lambda d, i: d.decide_re_review(
            COUNTY_STAFF, i, outcome=Opinion.EXPLAIN, facts="as reviewed", legal_basis="Art. 36"
        ),
    ),
]


def scenario(test: Callable[[Case], Any]) -> Callable[[tuple[System, Clock]], None]:
    """Runs `test` with a petition case against a running worker and dispatcher."""

    def run(sqlite: tuple[System, Clock]) -> None:
        system, clock = sqlite

        async def body() -> None:
            async with running(system, clock) as (env, dispatcher):
                await test(Case(system, clock, env, dispatcher))

        asyncio.run(body())

    run.__name__, run.__doc__ = test.__name__, test.__doc__
    return pytest.mark.workflow(run)


def notice_of_statutory_days(system: System, year: int) -> None:
    """A year's notice that gives exactly the statutory holidays (a stand-in: tests whose days
    run from today need no provisional count; the provisional ones are tested on their own)."""
    if year in system.casebook.rulebook.current().calendar("CN").years:
        return
    system.casebook.rulebook.load_calendar_year(
        "system:operator",
        region="CN",
        year=CalendarYear(year, frozenset(statutory_holidays(year)), frozenset()),
        reason="test stand-in",
        source="test",
        authorise=False,
    )


def reckon(case: Case, start: datetime, amount: int, unit: Unit = Unit.CALENDAR_DAYS) -> datetime:
    return case.system.casebook.rulebook.current().calendar("CN").reckon(start, amount, unit).due


# -- each clock and what follows it ---------------------------------------------------------------


@scenario
async def test_an_unrouted_petition_is_reminded_twice_and_is_overdue_after_fifteen_days_not_before(
    case: Case,
):
    petition = await case.act()
    route = await case.until("petition.route", "running")
    assert (route.node, route.due_at) == (VILLAGE, reckon(case, petition.registered_at, 15))
    await case.sleep_until(route.due_at - timedelta(minutes=1))
    waiting = case.clocks()["petition.route"]
    assert waiting.status == "running"
    span = route.due_at - route.started_at
    assert [(r["fraction"], r["at"], r["notify"]) for r in waiting.reminders_sent] == [
        (0.5, route.started_at + span * 0.5, AT_VILLAGE),
        (0.8, route.started_at + span * 0.8, AT_VILLAGE),
    ]
    await case.env.sleep(timedelta(minutes=2))
    missed = await case.until("petition.route", "missed")
    assert (missed.outcome, missed.ended_at) == (
        f"overdue at {VILLAGE}: not routed to a receiving body within 15 calendar days",
        route.due_at,
    )
    assert history(case.system, petition) == ["Registered"]
    known = await case.known(lambda time: time.clocks == [])
    assert not known.ended


@scenario
async def test_the_receiving_body_may_object_for_five_working_days_and_must_decide_acceptance_in_fifteen(
    case: Case,
):
    await case.step_to(Status.ROUTED)
    objection = await case.until("petition.objection", "running")
    notice = case.clocks()["petition.acceptance_notice"]
    assert (objection.node, notice.node) == (TOWNSHIP, TOWNSHIP)
    assert objection.due_at == reckon(case, objection.started_at, 5, Unit.WORKING_DAYS)
    await case.sleep_until(objection.due_at + timedelta(minutes=1))
    closed = await case.until("petition.objection", "stopped")
    assert (closed.outcome, closed.ended_at) == ("window closed: no objection", objection.due_at)
    assert case.clocks()["petition.acceptance_notice"].status == "running"
    await case.sleep_until(notice.due_at + timedelta(minutes=1))
    missed = await case.until("petition.acceptance_notice", "missed")
    assert (
        missed.outcome
        == f"overdue at {TOWNSHIP}: acceptance not decided and notified within 15 calendar days"
    )
    assert [r["notify"] for r in missed.reminders_sent] == [AT_TOWNSHIP, AT_TOWNSHIP]


@scenario
async def test_a_hearing_stops_the_handling_clock_so_its_due_time_moves_by_the_hearings_days(case: Case):
    hearings_pause_handling_and_review(case.system)  # a township's policy: the shipped one does not (Art. 34)
    await case.step_to(Status.ACCEPTED)
    handling = await case.until("petition.handling", "running")
    await case.env.sleep(timedelta(days=50))
    await case.sleep_until_next(10)
    await case.act(lambda d, i: d.start_hearing(TOWNSHIP_STAFF, i))
    paused = await case.until("petition.handling", "paused")
    assert paused.paused_at == case.clock()
    await case.env.sleep(timedelta(days=20))
    assert await case.env.get_current_time() > handling.due_at  # the old due time passed during the hearing
    assert case.clocks()["petition.handling"].status == "paused"
    await case.act(lambda d, i: d.end_hearing(TOWNSHIP_STAFF, i, summary="both sides heard"))
    resumed = await case.until("petition.handling", "running")
    # From 10:00 on one day to 10:00 (and a moment) twenty days later: 21 local days with the
    # hearing on them, none of which counts.
    # 60 days with 21 not counted end where 81 days would (then rolled to a working day).
    assert resumed.due_at == reckon(case, handling.started_at, handling.rule["amount"] + 21)
    assert resumed.pauses == [{"from": paused.paused_at, "to": case.clock()}]
    await case.sleep_until(resumed.due_at - timedelta(minutes=1))
    assert case.clocks()["petition.handling"].status == "running"
    await case.env.sleep(timedelta(minutes=2))
    missed = await case.until("petition.handling", "missed")
    assert missed.outcome.endswith(
        "no written handling opinion within 60 calendar days (hearing time not counted)"
    )


@scenario
async def test_the_one_extension_moves_the_handling_deadline_and_it_passes_at_the_new_time(case: Case):
    await case.step_to(Status.ACCEPTED)
    handling = await case.until("petition.handling", "running")
    await case.env.sleep(timedelta(days=50))
    await case.act(lambda d, i: d.extend_handling(TOWNSHIP_STAFF, i, days=30, reason="a site survey"))

    async def extended() -> bool:
        return bool(case.clocks()["petition.handling"].extensions)

    await eventually(extended)
    longer = case.clocks()["petition.handling"]
    assert longer.due_at == reckon(case, handling.due_at, 30)
    await case.sleep_until(handling.due_at + timedelta(days=1))
    assert case.clocks()["petition.handling"].status == "running"
    await case.sleep_until(longer.due_at + timedelta(minutes=1))
    missed = await case.until("petition.handling", "missed")
    assert missed.outcome.endswith("within 60 calendar days, extended by 30 calendar days")


@pytest.mark.workflow
@pytest.mark.parametrize(
    ("status", "name", "node", "consequence"),
    [
        (Status.REVIEW_REQUESTED, "petition.review_decision", COUNTY, "the review not decided"),
        (Status.RE_REVIEW_REQUESTED, "petition.re_review_decision", COUNTY, "the re-review not decided"),
    ],
)
def test_a_review_or_re_review_not_decided_in_thirty_days_is_overdue_at_the_deciding_body(
    sqlite, status, name, node, consequence
):
    @scenario
    async def overdue(case: Case) -> None:
        await case.step_to(status)
        deciding = await case.until(name, "running")
        assert (deciding.node, deciding.due_at) == (node, reckon(case, deciding.started_at, 30))
        await case.sleep_until(deciding.due_at + timedelta(minutes=1))
        missed = await case.until(name, "missed")
        assert missed.outcome == f"overdue at {node}: {consequence} within 30 calendar days"
        assert [r["notify"] for r in missed.reminders_sent] == [AT_COUNTY, AT_COUNTY]

    overdue(sqlite)


@pytest.mark.workflow
@pytest.mark.parametrize(
    ("status", "name", "how"),
    [
        (Status.OPINION_GIVEN, "petition.review_request", "no_review_requested"),
        (Status.REVIEWED, "petition.re_review_request", "no_re_review_requested"),
    ],
)
def test_a_window_closing_with_no_request_concludes_the_petition_and_ends_its_workflow(
    sqlite, status, name, how
):
    @scenario
    async def closes(case: Case) -> None:
        today = (await case.env.get_current_time()).astimezone(CHINA)
        for year in (today.year + 1, today.year + 2):  # the days run from today: no count provisional
            notice_of_statutory_days(case.system, year)
        await case.step_to(status)
        window = await case.until(name, "running")
        assert not window.provisional
        assert window.node == VILLAGE
        await case.sleep_until(window.due_at - timedelta(minutes=1))
        assert desk(case.system).get(None, case.id).status == status
        await case.env.sleep(timedelta(minutes=2))
        final = await case.handle().result()
        assert final.ended and final.clocks == []
        concluded = desk(case.system).get(None, case.id)
        assert (concluded.status, concluded.conclusion["how"], concluded.conclusion["at"]) == (
            Status.CONCLUDED,
            how,
            window.due_at,
        )
        assert case.system.casebook.history(case.id, concluded.version)[-1].actor == "system:deadline"
        assert case.clocks()[name].status == "stopped"

    closes(sqlite)


@scenario
async def test_a_window_closing_on_a_provisional_count_waits_for_the_year_and_then_concludes(case: Case):
    await case.step_to(Status.OPINION_GIVEN)
    window = await case.until("petition.review_request", "running")
    year = window.due_at.astimezone(CHINA).year
    if not window.provisional:  # today's window ends in a year already loaded
        pytest.skip(f"a calendar for {year} is loaded: no provisional count to test from today")
    await case.sleep_until(window.due_at + timedelta(days=3))
    await held(case.handle(), lambda t: [c.status for c in t.clocks] == ["held"])
    assert desk(case.system).get(None, case.id).status == Status.OPINION_GIVEN
    notice_of_statutory_days(case.system, year)  # the notice is loaded; the dispatcher recounts
    await case.dispatcher.catch_up()
    final = await case.handle().result()
    concluded = desk(case.system).get(None, case.id)
    assert final.ended and (concluded.status, concluded.conclusion["at"]) == (Status.CONCLUDED, window.due_at)


@scenario
async def test_a_petition_through_review_and_re_review_with_a_hearing_to_conclusion(case: Case):
    hearings_pause_handling_and_review(case.system)  # a township's policy: the shipped one does not (Art. 35)
    await case.step_to(Status.REVIEW_REQUESTED)
    decision = await case.until("petition.review_decision", "running")
    await case.env.sleep(timedelta(days=5))
    await case.sleep_until_next(10)
    await case.act(lambda d, i: d.start_hearing(COUNTY_STAFF, i))
    await case.until("petition.review_decision", "paused")
    await case.env.sleep(timedelta(days=2))
    await case.act(lambda d, i: d.end_hearing(COUNTY_STAFF, i, summary="the receipt's witness heard"))
    resumed = await case.until("petition.review_decision", "running")
    # A hearing on three local days: 30 days with 3 not counted end where 33 days would.
    assert resumed.due_at == reckon(case, decision.started_at, decision.rule["amount"] + 3)
    await case.sleep_until(
        resumed.due_at - timedelta(hours=1)
    )  # past the unpaused limit (most days), inside this one
    for _, command in STEPS[4:]:
        await case.act(command)
        await case.env.sleep(timedelta(days=20))
    final = await case.handle().result()
    assert case.clocks()["petition.review_decision"].outcome == "met: review decided"
    assert final.ended and final.clocks == []
    assert history(case.system, case.petition)[-6:] == [
        "HearingEnded",
        "ReviewDecided",
        "AnswerDelivered",
        "ReReviewRequested",
        "ReReviewDecided",
        "Concluded",
    ]
    clocks = case.clocks()
    assert [(n.split(".")[1], c.status) for n, c in clocks.items()] == [
        ("route", "stopped"),
        ("acceptance_notice", "stopped"),
        ("objection", "stopped"),
        ("handling", "stopped"),
        ("review_request", "stopped"),
        ("review_decision", "stopped"),
        ("re_review_request", "stopped"),
        ("re_review_decision", "stopped"),
    ]
    assert clocks["petition.re_review_decision"].outcome == "met: re-review decided"


@scenario
async def test_the_objection_window_across_national_day_closes_on_monday_12_october(case: Case):
    """Registered and routed in the past (business time): the workflow, started now, finds both
    limits long passed and records what followed at the moments they passed."""
    await case.act(at=datetime(2026, 9, 29, 9, 0, tzinfo=CHINA), tell=False)
    await case.act(STEPS[0][1], at=datetime(2026, 9, 29, 10, 0, tzinfo=CHINA))
    closed = await case.until("petition.objection", "stopped")
    # Routed Tuesday 29 September: Wednesday 30 September is working day 1; 1-7 October are the
    # National Day holiday; Thursday 8 (2), Friday 9 (3) and Saturday 10 October, worked in
    # exchange (4); Sunday 11 is a weekend day; Monday 12 October is day 5.
    assert (closed.outcome, closed.due_at, closed.ended_at) == (
        "window closed: no objection",
        end_of(10, 12),
        end_of(10, 12),
    )
    missed = await case.until("petition.acceptance_notice", "missed")
    # 15 calendar days from 29 September end on Wednesday 14 October, a working day.
    assert (missed.due_at, missed.ended_at) == (end_of(10, 14), end_of(10, 14))
    assert [r["fraction"] for r in missed.reminders_sent] == [0.5, 0.8]
    # Routed before the workflow first looked: the routing clock is recorded all the same, met
    # when the petition was routed.
    route = case.clocks()["petition.route"]
    assert (route.status, route.ended_at, route.outcome) == (
        "stopped",
        datetime(2026, 9, 29, 10, 0, tzinfo=CHINA),
        "met: routed to a receiving body",
    )


# -- the activities ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name", "effect"),
    [
        (Status.ACCEPTED, "petition.handling", "DeadlineMissed"),
        (Status.OPINION_GIVEN, "petition.review_request", "Concluded"),
    ],
)
def test_the_due_activity_run_twice_records_once(sqlite, status, name, effect):
    system, clock = sqlite
    petition = register(system)
    for reached, command in STEPS:
        if petition.status == status:
            break
        clock.advance(timedelta(days=1))
        petition = command(desk(system), petition.id)
    activities, env = CaseActivities(system.casebook), ActivityEnvironment()
    ref = CaseRef(kind="petition", case_id=str(petition.id))
    [running] = env.run(activities.sync_case, ref).clocks
    assert running.clock == name
    for fraction in (0.5, 0.5):
        env.run(activities.clock_came, ClockDue(ref=ref, key=running.key, fraction=fraction))
    first = env.run(activities.clock_came, ClockDue(ref=ref, key=running.key))
    second = env.run(activities.clock_came, ClockDue(ref=ref, key=running.key))
    assert first == second and first.clocks == []
    found = system.casebook.deadlines.clocks("petition", petition.id)
    clock_events = [type(e).__name__ for e in system.casebook.history(found.id, found.version)]
    assert (clock_events + history(system, petition)).count(effect) == 1
    assert clock_events.count("ReminderRecorded") == 1

"""Briefings written from the log: the week's dispute analysis holds exactly the figures the node
statistics give for the week, each count linked to its cases; written again after a late event
it gets a second version showing the difference, the first kept; owners comment and sign off; the
township's notification ranks its villages by the points the responsibility book takes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.briefings.briefing import BriefingKind
from domain.disputes.dispute import Category, Severity
from domain.errors import AccessDenied, CaseNotFound, InvalidValue, TransitionNotAllowed
from infra.bootstrap import System
from projections.briefings import (
    FIGURES,
    SITUATION_FIGURES,
    BriefingWriter,
    period_before,
    previous_period,
    week_before,
)
from projections.runner import ProjectionRunner
from projections.scores import Scores
from projections.statistics_report import NodeReport, Period
from service.store import CommandMeta
from tests.support import GRID, VILLAGE, Clock, person
from tests.test_case_clocks import CHECKPOINTS

TOWNSHIP = "anping.dongxi"
TUESDAY = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # in the week of Monday 2 March 2026
NEXT_MONDAY = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
WEEK_START = date(2026, 3, 2)


def writer(system: System) -> BriefingWriter:
    for projection in system.projections:
        runner = ProjectionRunner(system.reader, system.views, projection)
        runner.setup()
        runner.catch_up()
    return BriefingWriter(
        system.casebook,
        system.views,
        system.node_statistics,
        Scores(system.casebook, system.views, system.scoring_facts),
    )


def report(system: System, at: datetime, category: Category = Category.NEIGHBOURHOOD) -> str:
    return str(
        system.casebook.disputes.report(
            person("grid_member"),
            grid=GRID,
            parties=[{"name": "A"}, {"name": "B"}],
            category=category,
            severity=Severity.MINOR,
            description="a wall",
            occurred_at=at - timedelta(hours=1),
            meta=CommandMeta(effective_at=at),
        ).id
    )


def test_the_week_before_is_monday_to_sunday_in_beijing():
    assert week_before(NEXT_MONDAY) == (WEEK_START, date(2026, 3, 8))
    sunday_night = datetime(2026, 3, 8, 15, 59, tzinfo=UTC)  # 23:59 in Beijing
    assert week_before(sunday_night) == (date(2026, 2, 23), date(2026, 3, 1))


def test_a_weeks_briefing_holds_the_statistics_figures_each_linked_to_its_cases(system: System, clock: Clock):
    clock.now = TUESDAY + timedelta(days=1)
    first, second = report(system, TUESDAY), report(system, TUESDAY + timedelta(days=1), Category.FAMILY)
    report(system, TUESDAY - timedelta(days=3))  # the week before: not this week's
    clock.now = NEXT_MONDAY
    written = writer(system).write_round(BriefingKind.DISPUTE_WEEKLY, NEXT_MONDAY)
    assert written[0] >= 2  # every village and township
    briefing = system.casebook.briefings.find(
        BriefingKind.DISPUTE_WEEKLY, VILLAGE, datetime(2026, 3, 1, 16, tzinfo=UTC)
    )
    assert briefing is not None and len(briefing.versions) == 1
    content, sources = briefing.current["content"], briefing.current["sources"]
    stats = NodeReport(system.casebook, system.views, system.node_statistics).summary(
        VILLAGE, Period(WEEK_START, date(2026, 3, 8))
    )
    for name in FIGURES:
        figure = stats.rows[0].figures[name]
        assert content["figures"][name]["value"] == figure.value, name
        assert content["figures"][name]["breakdown"] == figure.breakdown, name
    assert content["figures"]["disputes_reported"]["value"] == 2
    assert sorted(content["cases"]["disputes_reported"]) == sorted([first, second])
    assert content["previous_week"]["disputes_reported"] == 1
    assert sources["position"] == stats.position and sources["policy_version"] == "2026.4"
    assert sources["metric_versions"]["disputes_reported"] == 1
    issued = briefing.issued[0]
    assert "workstation_staff@anping.dongxi" in issued["posts"] and issued["on_version"] == 1
    again = writer(system).write_round(BriefingKind.DISPUTE_WEEKLY, NEXT_MONDAY + timedelta(hours=3))
    assert again[0] == 0, "written once per period: a second round changes nothing"


def test_a_late_event_writes_a_second_version_showing_the_difference(system: System, clock: Clock):
    clock.now = TUESDAY
    report(system, TUESDAY)
    clock.now = NEXT_MONDAY
    writer(system).write_round(BriefingKind.DISPUTE_WEEKLY, NEXT_MONDAY)
    clock.now = NEXT_MONDAY + timedelta(days=2)
    late = report(system, TUESDAY + timedelta(days=2))  # recorded now, took effect last week
    writer(system).write_round(BriefingKind.DISPUTE_WEEKLY, NEXT_MONDAY + timedelta(days=7))
    briefing = system.casebook.briefings.find(
        BriefingKind.DISPUTE_WEEKLY, VILLAGE, datetime(2026, 3, 1, 16, tzinfo=UTC)
    )
    one, two = briefing.versions
    assert one["content"]["figures"]["disputes_reported"]["value"] == 1, "version 1 is kept as it was"
    assert (
        two["content"]["figures"]["disputes_reported"]["value"] == 2
        and late in two["content"]["cases"]["disputes_reported"]
    )
    change = next(c for c in two["changes"] if c["figure"] == "disputes_reported")
    assert (change["before"]["value"], change["after"]["value"]) == (1, 2)
    assert two["sources"]["position"] > one["sources"]["position"]
    assert [i["on_version"] for i in briefing.issued] == [1, 2]


def test_owners_add_analysis_and_countermeasures_and_sign_off(system: System, clock: Clock):
    clock.now = NEXT_MONDAY
    writer(system).write_round(BriefingKind.DISPUTE_WEEKLY, NEXT_MONDAY)
    desk = system.casebook.briefings
    briefing = desk.find(BriefingKind.DISPUTE_WEEKLY, VILLAGE, datetime(2026, 3, 1, 16, tzinfo=UTC))
    desk.comment(person("branch_secretary"), briefing.id, comment_kind="analysis", text="水利纠纷增多")
    desk.comment(person("village_director"), briefing.id, comment_kind="countermeasure", text="逐户走访")
    with pytest.raises(InvalidValue):
        desk.comment(person("village_director"), briefing.id, comment_kind="analysis", text=" ")
    with pytest.raises(AccessDenied):
        desk.sign_off(person("mediator"), briefing.id)  # may read it, does not own it
    with pytest.raises(CaseNotFound):
        desk.sign_off(person("grid_member"), briefing.id)  # the village's: not hers to read
    signed = desk.sign_off(person("branch_secretary"), briefing.id)
    assert [(c["kind"], c["by"]) for c in signed.comments] == [
        ("analysis", "luo-bin"),
        ("countermeasure", "tang-hui"),
    ]
    assert [(s["by"], s["on_version"]) for s in signed.signed_off] == [("luo-bin", 1)]
    with pytest.raises(TransitionNotAllowed):
        desk.sign_off(person("branch_secretary"), briefing.id)


def test_the_township_ranks_its_villages_by_the_points_the_book_took_in_the_week(
    system: System, clock: Clock
):
    tuesday = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)  # book 2026.4 counts missed sweeps from December
    clock.now = tuesday
    grid = next(s for s in system.casebook.sweeps.open_round(tuesday) if s.node == GRID)
    keeper = system.casebook.keepers["sweep"]
    [due] = keeper.sync(grid.id, 0).clocks
    clock.now = due.due_at + timedelta(minutes=1)
    keeper.due(grid.id, 0, due.key, None)  # Qiaotou's grid missed its sweep; nobody else owed one
    writer(system).write_round(BriefingKind.TOWNSHIP_RANKING, clock.now)
    ranking = system.casebook.briefings.find(
        BriefingKind.TOWNSHIP_RANKING, TOWNSHIP, datetime(2026, 12, 6, 16, tzinfo=UTC)
    )
    rows = ranking.current["content"]["rows"]
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1)) and len(rows) >= 2
    assert rows[-1]["village"] == VILLAGE
    assert rows[-1]["by_item"] == {"key.patrol": 0.2} and rows[-1]["lost"] == 0.2
    assert all(r["lost"] == 0 for r in rows[:-1])
    assert ranking.current["sources"]["book_versions"] == ["2026.4"]
    assert "branch_secretary@anping.dongxi.qiaotou" in ranking.issued[0]["posts"]


def test_an_issued_briefing_asks_for_one_notice_to_the_people_it_was_issued_to_linking_to_it(
    system: System, clock: Clock
):
    clock.now = NEXT_MONDAY
    writer(system).write_round(BriefingKind.DISPUTE_WEEKLY, NEXT_MONDAY)
    briefing = system.casebook.briefings.find(
        BriefingKind.DISPUTE_WEEKLY, VILLAGE, datetime(2026, 3, 1, 16, tzinfo=UTC)
    )
    [issued] = [
        e for e in system.casebook.repository.event_store.get(briefing.id) if type(e).__name__ == "Issued"
    ]
    desk = system.casebook.notices
    notice = desk.from_briefing_issued(issued)
    assert notice is not None and desk.from_briefing_issued(issued).id == notice.id  # once
    assert notice.link == f"/app/briefings/{briefing.id}" and "矛盾纠纷周分析" in notice.subject
    assert set(issued.people) <= set(desk.people(notice)) and person("branch_secretary") in desk.people(
        notice
    )


@pytest.mark.parametrize(
    ("at", "period"),
    [
        (datetime(2026, 3, 16, 1, 15, tzinfo=UTC), (date(2026, 3, 1), date(2026, 3, 15))),
        (datetime(2026, 3, 1, 1, 15, tzinfo=UTC), (date(2026, 2, 16), date(2026, 2, 28))),
        (datetime(2028, 3, 1, 1, 15, tzinfo=UTC), (date(2028, 2, 16), date(2028, 2, 29))),
        (datetime(2026, 2, 1, 1, 15, tzinfo=UTC), (date(2026, 1, 16), date(2026, 1, 31))),
        (datetime(2026, 2, 28, 15, 59, tzinfo=UTC), (date(2026, 2, 1), date(2026, 2, 15))),  # 23:59 Beijing
        (datetime(2026, 2, 28, 16, 0, tzinfo=UTC), (date(2026, 2, 16), date(2026, 2, 28))),  # 1 March, 00:00
    ],
)
def test_the_half_month_before_is_the_1st_to_the_15th_or_the_16th_to_the_months_end(at, period):
    assert period_before(BriefingKind.SITUATION_HALF_MONTHLY, at) == period
    assert previous_period(BriefingKind.SITUATION_HALF_MONTHLY, date(2026, 3, 1)) == (
        date(2026, 2, 16),
        date(2026, 2, 28),
    )


def test_a_townships_half_month_holds_the_statistics_figures_and_a_late_event_makes_version_two(
    system: System, clock: Clock
):
    first = datetime(2026, 3, 3, 2, tzinfo=UTC)
    clock.now = datetime(2026, 3, 13, tzinfo=UTC)
    inside = [report(system, first), report(system, first + timedelta(days=9), Category.FAMILY)]
    report(system, datetime(2026, 2, 20, tzinfo=UTC))  # the half-month before
    report(system, datetime(2026, 3, 16, 1, tzinfo=UTC) - timedelta(days=20))  # 24 February: before too
    clock.now = datetime(2026, 3, 16, 1, 15, tzinfo=UTC)
    kind = BriefingKind.SITUATION_HALF_MONTHLY
    written, _ = writer(system).write_round(kind, clock.now)
    assert written >= 1
    start = datetime(2026, 2, 28, 16, tzinfo=UTC)  # 1 March, 00:00 in Beijing
    assert system.casebook.briefings.find(kind, VILLAGE, start) is None  # a township's, not a village's
    briefing = system.casebook.briefings.find(kind, TOWNSHIP, start)
    assert briefing is not None
    assert briefing.period_end == datetime(2026, 3, 15, 16, tzinfo=UTC)  # 16 March, 00:00 in Beijing
    content = briefing.current["content"]
    stats = NodeReport(system.casebook, system.views, system.node_statistics).summary(
        TOWNSHIP, Period(date(2026, 3, 1), date(2026, 3, 15))
    )
    for name in SITUATION_FIGURES:
        assert content["figures"][name]["value"] == stats.rows[0].figures[name].value, name
    assert content["figures"]["disputes_reported"]["value"] == 2
    assert sorted(content["cases"]["disputes_reported"]) == sorted(inside)
    assert content["previous_half_month"]["disputes_reported"] == 2
    assert {"petitions_registered", "patrol_shift_coverage"} <= set(content["figures"])

    late = report(system, datetime(2026, 3, 10, tzinfo=UTC))  # recorded after the notice was written
    clock.now = datetime(2026, 4, 1, 1, 15, tzinfo=UTC)
    writer(system).write_round(kind, clock.now)
    again = system.casebook.briefings.find(kind, TOWNSHIP, start)
    assert [v["number"] for v in again.versions] == [1, 2]
    assert again.versions[0]["content"]["figures"]["disputes_reported"]["value"] == 2
    assert again.current["content"]["figures"]["disputes_reported"]["value"] == 3
    assert late in again.current["content"]["cases"]["disputes_reported"]
    assert again.current["changes"]


def patrol_week(system: System, clock: Clock) -> dict[str, object]:
    """A week of patrols at the village: on the river loop a shift walked (a checkpoint missed on it,
    a dispute found) and one cancelled; on the market round a shift nobody came to; and a shift of
    the week after, not this week's."""
    patrols, leader = system.casebook.patrols, person("patrol_leader")
    clock.now = TUESDAY
    river, market = (
        patrols.establish_route(leader, node=VILLAGE, name=name, checkpoints=CHECKPOINTS).id
        for name in ("River loop", "Market round")
    )

    def shift(route, start):
        return patrols.schedule_shift(
            leader,
            route_id=route,
            leader=leader,
            members=[person("patrol_member")],
            planned_start=start,
            planned_end=start + timedelta(hours=4),
        ).id

    walked, cancelled = shift(river, TUESDAY), shift(river, TUESDAY + timedelta(days=1))
    nobody, later = shift(market, TUESDAY + timedelta(hours=1)), shift(river, NEXT_MONDAY + timedelta(days=1))
    patrols.sign_in_at_start(leader, walked)
    patrols.miss_checkpoint(leader, walked, checkpoint="C2", reason="the bridge was flooded")
    found = patrols.report_dispute_finding(
        leader,
        walked,
        village=VILLAGE,
        parties=[{"name": "A"}, {"name": "B"}],
        category=Category.NEIGHBOURHOOD,
        severity=Severity.MINOR,
        description="a fence moved",
        occurred_at=TUESDAY - timedelta(hours=1),
    )
    patrols.cancel_shift(leader, cancelled, reason="rain")
    clock.now = TUESDAY + timedelta(hours=3)
    patrols.miss_shift(leader, nobody, reason="nobody came")
    clock.now = NEXT_MONDAY
    writer(system).write_round(BriefingKind.PATROL_WEEKLY, NEXT_MONDAY)
    case = found.findings[-1]["case_id"]
    return {"walked": walked, "cancelled": cancelled, "nobody": nobody, "later": later, "found": case}


def test_the_weekly_patrol_roll_up_counts_each_routes_shifts_from_the_log_with_the_shifts_behind(
    system: System, clock: Clock
):
    made = patrol_week(system, clock)
    briefing = system.casebook.briefings.find(
        BriefingKind.PATROL_WEEKLY, VILLAGE, datetime(2026, 3, 1, 16, tzinfo=UTC)
    )
    assert briefing is not None
    rows = {r["name"]: r for r in briefing.current["content"]["rows"]}
    river, market = rows["River loop"], rows["Market round"]
    walked = str(made["walked"])
    assert river["scheduled"] == [walked] and river["walked"] == [walked]
    assert river["cancelled"] == [str(made["cancelled"])] and river["checkpoints_missed"] == [walked]
    assert river["findings"] == [str(made["found"])] and river["missed"] == []
    assert market["scheduled"] == market["missed"] == [str(made["nobody"])] and market["walked"] == []
    total = briefing.current["content"]["figures"]["total"]
    assert total == {
        "scheduled": 2,
        "walked": 1,
        "missed": 1,
        "cancelled": 1,
        "checkpoints_missed": 1,
        "findings": 1,
    }
    assert str(made["later"]) not in str(briefing.current["content"])
    township = system.casebook.briefings.find(
        BriefingKind.PATROL_WEEKLY, TOWNSHIP, datetime(2026, 3, 1, 16, tzinfo=UTC)
    )
    assert township is not None and township.current["content"]["figures"]["total"] == total


@pytest.mark.parametrize(
    ("kind", "at", "period"),
    [
        (
            BriefingKind.PATROL_DAILY,
            datetime(2026, 3, 3, 17, 50, tzinfo=UTC),
            (date(2026, 3, 3), date(2026, 3, 3)),
        ),
        (
            BriefingKind.PATROL_DAILY,
            datetime(2026, 3, 3, 15, 59, tzinfo=UTC),
            (date(2026, 3, 2), date(2026, 3, 2)),
        ),
        (
            BriefingKind.PATROL_MONTHLY,
            datetime(2026, 3, 1, 2, tzinfo=UTC),
            (date(2026, 2, 1), date(2026, 2, 28)),
        ),
        (
            BriefingKind.PATROL_MONTHLY,
            datetime(2026, 1, 1, 2, tzinfo=UTC),
            (date(2025, 12, 1), date(2025, 12, 31)),
        ),
        (BriefingKind.PATROL_WEEKLY, NEXT_MONDAY, (WEEK_START, date(2026, 3, 8))),
    ],
)
def test_the_patrol_roll_ups_periods_are_the_day_the_week_and_the_month_before(kind, at, period):
    assert period_before(kind, at) == period
    before = previous_period(kind, period[0])
    assert before[1] == period[0] - timedelta(days=1) and before[0] <= before[1]


def test_the_monthly_and_daily_patrol_roll_ups_count_the_same_shifts_over_their_periods(
    system: System, clock: Clock
):
    made = patrol_week(system, clock)
    clock.now = datetime(2026, 4, 1, 1, tzinfo=UTC)
    writer(system).write_round(BriefingKind.PATROL_MONTHLY, clock.now)
    month = system.casebook.briefings.find(
        BriefingKind.PATROL_MONTHLY, VILLAGE, datetime(2026, 2, 28, 16, tzinfo=UTC)
    )
    assert month is not None and month.period_end == datetime(2026, 3, 31, 16, tzinfo=UTC)
    weekly = system.casebook.briefings.find(
        BriefingKind.PATROL_WEEKLY, VILLAGE, datetime(2026, 3, 1, 16, tzinfo=UTC)
    )
    week_total = weekly.current["content"]["figures"]["total"]
    # The month holds the week's shifts and the one planned for the week after, not yet walked.
    assert month.current["content"]["figures"]["total"] == week_total | {"scheduled": 3}
    river = next(r for r in month.current["content"]["rows"] if r["name"] == "River loop")
    assert str(made["later"]) in river["scheduled"]
    clock.now = datetime(2026, 3, 4, 1, tzinfo=UTC)  # 09:00 on Wednesday 4 March in Beijing
    writer(system).write_round(BriefingKind.PATROL_DAILY, clock.now)
    tuesday = system.casebook.briefings.find(
        BriefingKind.PATROL_DAILY, VILLAGE, datetime(2026, 3, 2, 16, tzinfo=UTC)
    )
    rows = {r["name"]: r for r in tuesday.current["content"]["rows"]}
    assert rows["River loop"]["walked"] == [str(made["walked"])] and rows["River loop"]["cancelled"] == []
    assert rows["Market round"]["missed"] == [str(made["nobody"])]

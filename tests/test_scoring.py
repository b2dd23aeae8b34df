"""A scripted year scored by hand: every rule shape, caps at zero, a fatal accident, a veto
and its lifting, a template changed mid-year, pay — as of a business date and as known on a
recording date."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.assessment.book import template_from_data
from domain.assessment.facts import Fact
from domain.assessment.scoring import (
    Absence,
    Adopted,
    Entry,
    Evaluation,
    Held,
    PersonFacts,
    Review,
    person_facts,
    score,
)
from domain.directory.access import Post
from domain.time.calendar import CHINA

UNIT, YEAR = "v", 2026
RECORDED_EARLY = datetime(2026, 1, 1, tzinfo=CHINA)


def day(month: int, dom: int, hour: int = 9) -> datetime:
    return datetime(YEAR, month, dom, hour, tzinfo=CHINA)


def template(version: str, since: datetime, escalation_points: float) -> dict:
    return {
        "template": {"township": "t", "year": YEAR, "version": version, "effective_from": since},
        "section": [
            {
                "code": "key",
                "title": "Key work",
                "item": [
                    {
                        "code": "mediation",
                        "max": 10,
                        "rule": [
                            {
                                "shape": "per_event",
                                "fact": "dispute.escalated",
                                "points": escalation_points,
                                "where": {"to_level": "township", "without_first_mediation": True},
                            },
                            {
                                "shape": "per_shortfall",
                                "metric": "mediation_success_rate",
                                "threshold": 0.85,
                                "step": 0.05,
                                "points": -0.5,
                            },
                        ],
                    },
                    {
                        "code": "safety",
                        "max": 5,
                        "rule": [
                            {
                                "shape": "per_event",
                                "fact": "incident.state",
                                "where": {"kind": "safety_accident"},
                                "points": -2,
                            },
                            {
                                "shape": "zero_if",
                                "fact": "incident.state",
                                "where": {"kind": "safety_accident", "fatal": True},
                            },
                        ],
                    },
                    {
                        "code": "meetings",
                        "max": 3,
                        "rule": [
                            {
                                "shape": "per_missing",
                                "fact": "activity.held",
                                "where": {"kind": "committee_meeting"},
                                "period": "month",
                                "points": -1,
                            },
                        ],
                    },
                    {"code": "manual", "max": 10, "rule": [{"shape": "manual"}]},
                    {"code": "bonus", "max": 3, "bonus": True, "rule": [{"shape": "manual"}]},
                ],
            }
        ],
        "veto": [
            {
                "code": "mass",
                "title": "A mass incident",
                "fact": "incident.state",
                "where": {"kind": "mass_incident"},
            }
        ],
        "pay": {
            "threshold": 15,
            "post": {
                "branch_secretary": {"basic_monthly": 300, "floating_yearly": 6000},
                "village_director": {"basic_monthly": 300, "floating_yearly": 6000},
            },
        },
    }


VERSIONS = [
    Adopted(template_from_data(template("v1", day(1, 1, 0), -0.1)), RECORDED_EARLY),
    Adopted(template_from_data(template("v2", day(7, 1, 0), -0.2)), day(6, 20)),
]
_n = iter(range(1000))


def fact(
    fact_kind: str, at: datetime, recorded: datetime | None = None, case: str | None = None, **attributes
) -> Fact:
    return Fact(f"e{next(_n)}", UNIT, fact_kind, at, recorded or at, attributes, case)


FACTS = [
    fact("dispute.escalated", day(3, 1), to_level="township", without_first_mediation=True),
    fact("dispute.escalated", day(8, 1), to_level="township", without_first_mediation=True),
    fact("dispute.escalated", day(9, 1), to_level="township", without_first_mediation=False),
    fact("dispute.escalated", day(9, 2), to_level="village", without_first_mediation=True),
    *[fact("dispute.agreed", day(5, d)) for d in range(1, 8)],
    *[fact("dispute.failed_after_mediation", day(6, d)) for d in range(1, 4)],
    # a safety accident on 10 April, recorded only on 1 June
    fact("incident.state", day(4, 10), recorded=day(6, 1), case="acc-1", kind="safety_accident", fatal=False),
    # a second accident on 5 October, first reported without deaths, corrected to fatal on 9 October
    fact("incident.state", day(10, 5), case="acc-2", kind="safety_accident", fatal=False),
    fact("incident.state", day(10, 9), case="acc-2", kind="safety_accident", fatal=True),
    fact("activity.held", day(1, 20), kind="committee_meeting"),
    fact("activity.held", day(2, 20), kind="committee_meeting"),
    fact("incident.state", day(11, 20), case="mass-1", kind="mass_incident"),
]
ENTRIES = [
    Entry("m1", "manual", -1.5, "report filed late", "township notice 12", day(4, 1), day(4, 1)),
    Entry("b1", "bonus", 2, "county commendation", "commendation 3", day(9, 1), day(9, 1)),
]
LIFTED = Review(FACTS[-1].fact_id, True, "the gathering was peaceful and lawful", day(12, 10), day(12, 10))
HELD = [
    Held("secretary", Post.BRANCH_SECRETARY, day(1, 1, 0) - timedelta(days=400), None),
    Held("director-a", Post.VILLAGE_DIRECTOR, day(1, 1, 0) - timedelta(days=30), day(7, 1, 0)),
    Held("director-b", Post.VILLAGE_DIRECTOR, day(7, 1, 0), None),
]


def card(as_of: datetime, known_on: datetime | None = None, reviews=(), people=None, entries=ENTRIES):
    return score(
        unit=UNIT,
        year=YEAR,
        versions=VERSIONS,
        facts=FACTS,
        entries=list(entries),
        reviews=list(reviews),
        held=HELD,
        people=people or {},
        as_of=as_of,
        known_on=known_on or day(12, 31, 23),
    )


def items(scorecard) -> dict[str, float]:
    return {i.code: i.score for s in scorecard.sections for i in s["items"]}


def test_the_year_end_score_by_hand():
    end = card(day(12, 31, 23), reviews=[LIFTED])
    # mediation: 10 − 0.1 (March, v1) − 0.2 (August, v2: the change applies from 1 July)
    #            − 1.5 (7 agreed of 10 concluded = 70 %, 15 points under 85 %: 3 steps of 5) = 8.2
    # safety: the October accident turned fatal: the item is 0 whatever its deductions
    # meetings: meetings in January and February only: 10 months missed, −10, stops at 0
    # manual: 10 − 1.5 = 8.5; bonus: 0 + 2 = 2
    assert items(end) == {"mediation": 8.2, "safety": 0.0, "meetings": 0.0, "manual": 8.5, "bonus": 2.0}
    assert end.total == 18.7
    assert (end.void, end.passed, end.version, end.versions_used) == (False, True, "v2", ["v1", "v2"])


def test_each_deduction_names_its_rule_version_and_events():
    mediation = next(i for s in card(day(12, 31, 23)).sections for i in s["items"] if i.code == "mediation")
    march, august, shortfall = mediation.deductions
    assert (march.points, march.version, march.facts) == (-0.1, "v1", [FACTS[0].fact_id])
    assert (august.points, august.version, august.facts) == (-0.2, "v2", [FACTS[1].fact_id])
    assert (
        march.rule == "-0.1 per dispute.escalated where to_level = township, without_first_mediation = True"
    )
    assert (shortfall.points, len(shortfall.facts)) == (-1.5, 10)
    assert shortfall.note == "rate 70.0% is 15.0% short: 3 step(s) of 0.05"


def test_a_fatal_accident_zeroes_the_item_and_names_the_correction_that_made_it_fatal():
    before = card(day(10, 6))
    after = card(day(10, 10))
    safety = {s.code: s for s in [i for c in after.sections for i in c["items"]]}["safety"]
    assert items(before)["safety"] == 1.0  # 5 − 2 (April) − 2 (October, not yet fatal)
    assert items(after)["safety"] == 0.0 and safety.zeroed_by == [FACTS[-4].fact_id]


def test_the_veto_voids_the_year_until_its_review_lifts_it():
    vetoed = card(day(12, 31, 23))
    [hit] = vetoed.vetoes
    assert (hit.trigger, hit.fact, hit.lifted) == ("mass", FACTS[-1].fact_id, False)
    assert vetoed.void and not vetoed.passed and all(line.floating == 0 for line in vetoed.pay)
    assert not card(day(12, 1), reviews=[LIFTED]).vetoes[0].lifted, "the review comes on 10 December"
    lifted = card(day(12, 31, 23), reviews=[LIFTED])
    assert lifted.vetoes[0].lifted and lifted.vetoes[0].review == "the gathering was peaceful and lawful"
    assert not lifted.void and lifted.passed


def test_a_review_after_the_years_end_lifts_the_veto_from_when_it_took_effect():
    january = datetime(YEAR + 1, 1, 15, 10, tzinfo=CHINA)
    review = Review(FACTS[-1].fact_id, True, "the gathering was peaceful and lawful", january, january)
    after = card(january + timedelta(days=1), known_on=january + timedelta(days=1), reviews=[review])
    assert after.vetoes[0].lifted and not after.void and after.passed
    assert all(line.floating > 0 for line in after.pay), "and the floating pay with it"
    assert after.total == card(day(12, 31, 23), reviews=[LIFTED]).total, "the year's points stay the year's"
    before = card(january - timedelta(days=1), known_on=january + timedelta(days=1), reviews=[review])
    assert before.void and not before.vetoes[0].lifted
    not_yet_known = card(january + timedelta(days=1), known_on=january - timedelta(hours=1), reviews=[review])
    assert not_yet_known.void


def test_each_persons_absences_and_latest_evaluation_on_both_time_axes():
    evaluations = [
        Evaluation(
            "secretary", 0.6, datetime(YEAR + 1, 1, 10, tzinfo=CHINA), datetime(YEAR + 1, 1, 10, tzinfo=CHINA)
        ),
        # corrected: the count was wrong; recorded on 20 January, in effect from the 10th
        Evaluation(
            "secretary", 0.3, datetime(YEAR + 1, 1, 10, tzinfo=CHINA), datetime(YEAR + 1, 1, 20, tzinfo=CHINA)
        ),
    ]
    absences = [
        Absence("director-b", 20, False, day(8, 1), day(9, 1)),
        Absence("director-b", 9, True, day(8, 5), day(8, 5)),
    ]
    late = datetime(YEAR + 1, 2, 1, tzinfo=CHINA)
    assert person_facts(absences, evaluations, late, None) == {
        "secretary": PersonFacts(0, 0.3),
        "director-b": PersonFacts(20, None),
    }
    assert person_facts(absences, evaluations, late, datetime(YEAR + 1, 1, 15, tzinfo=CHINA)) == {
        "secretary": PersonFacts(0, 0.6),
        "director-b": PersonFacts(20, None),
    }
    assert person_facts(absences, evaluations, day(12, 31, 23), None) == {"director-b": PersonFacts(20, None)}
    assert person_facts(absences, evaluations, day(8, 20), day(8, 20)) == {"director-b": PersonFacts(0, None)}


def test_as_of_a_business_date_and_as_known_on_a_recording_date_differ_for_a_late_report():
    # On 1 May the April accident had happened (business date) but was not yet recorded.
    as_known_then = card(day(5, 1), known_on=day(5, 1))
    as_known_now = card(day(5, 1))
    assert items(as_known_then)["safety"] == 5.0
    assert items(as_known_now)["safety"] == 3.0
    # and the template's July version was not known in May
    assert card(day(8, 15), known_on=day(6, 1)).version == "v1"
    assert card(day(8, 15)).version == "v2"


def test_missing_periods_count_only_once_they_have_ended():
    assert items(card(day(3, 31, 23)))["meetings"] == 3.0  # March has not ended yet
    assert items(card(day(4, 15)))["meetings"] == 2.0  # March passed without a meeting
    assert items(card(day(6, 30, 23)))["meetings"] == 0.0  # March, April, May: −3, and it stops at 0


def test_pay_in_proportion_to_the_score_above_the_threshold_with_its_deductions():
    end = card(
        day(12, 31, 23),
        reviews=[LIFTED],
        people={
            "director-b": PersonFacts(unapproved_absence_days=20),
            "secretary": PersonFacts(incompetent_share=0.6),
        },
    )
    pay = {line.person_id: line for line in end.pay}
    secretary = pay["secretary"]
    # held all year: 12 months; basic 300 × 12; floating 6000 × 18.7 % = 1122, halved for the vote
    assert (secretary.months, secretary.basic, secretary.floating) == (12.0, 3600.0, 561.0)
    director_a = pay["director-a"]
    # 1 January to 1 July: 181 days = 5.95 months; basic 1785; floating 6000 × 5.95 / 12 × 18.7 % = 556.33
    assert (director_a.months, director_a.basic, director_a.floating) == (5.95, 1785.0, 556.33)
    director_b = pay["director-b"]
    # 1 July to the year's end: 6.05 months, less two months' pay for 20 days' unapproved absence
    assert director_b.months == 6.05 and director_b.deductions == [
        "unapproved absence of 20 days: two months' pay deducted"
    ]
    assert director_b.basic == pytest.approx(300 * 4.05, abs=0.01)


def test_below_the_threshold_only_basic_pay():
    poor = card(
        day(12, 31, 23),
        reviews=[LIFTED],
        entries=[Entry("m2", "manual", -10, "no records kept", "inspection", day(3, 1), day(3, 1))],
    )
    assert poor.total == 8.2 and not poor.passed  # 8.2 + 0 + 0 + (10 − 10) + no bonus
    assert all(line.floating == 0 and line.basic > 0 for line in poor.pay)


def test_no_template_in_force_means_no_score():
    assert (
        score(
            unit=UNIT,
            year=YEAR,
            versions=VERSIONS,
            facts=FACTS,
            entries=[],
            reviews=[],
            held=[],
            people={},
            as_of=day(6, 1),
            known_on=day(1, 1, 0) - timedelta(days=1),
        )
        is None
    )


def test_an_incident_is_a_fact_of_when_it_happened_and_a_later_correction_of_the_same_year():
    from domain.assessment.facts import incident_facts
    from domain.incidents.incident import Incident, Kind

    happened = datetime(YEAR, 12, 31, 22, tzinfo=CHINA)
    reported = datetime(YEAR + 1, 1, 2, 9, tzinfo=CHINA)
    corrected = datetime(YEAR + 1, 1, 5, 9, tzinfo=CHINA)
    stamp = {"actor": "wang-fang", "command_id": "c1"}
    accident = Incident.report(
        kind=Kind.SAFETY_ACCIDENT,
        village=UNIT,
        grid=None,
        occurred_at=happened,
        description="a fall",
        location="the kiln",
        injured=1,
        dead=0,
        effective_at=reported,
        **stamp,
    )
    accident.correct_casualties(injured=0, dead=1, reason="died in hospital", effective_at=corrected, **stamp)
    [report, correction] = accident.collect_events()
    [first], memory = incident_facts(report, None)
    [second], _ = incident_facts(correction, memory)
    assert (first.effective_at, first.occurred, first.year) == (happened, happened, YEAR)
    assert (second.effective_at, second.occurred, second.year) == (corrected, happened, YEAR)
    assert first.recorded_at == report.timestamp and "occurred_at" not in first.attributes
    assert second.attributes["fatal"] and first.fact_id != second.fact_id

    def safety(as_of: datetime) -> float:
        return items(
            score(
                unit=UNIT,
                year=YEAR,
                versions=VERSIONS,
                facts=[first, second],
                entries=[],
                reviews=[],
                held=[],
                people={},
                as_of=as_of,
                known_on=None,
            )
        )["safety"]

    assert safety(datetime(YEAR, 12, 31, 23, tzinfo=CHINA)) == 3.0, "the accident counts on its own day"
    assert safety(corrected + timedelta(hours=1)) == 0.0, "its death in January, in the year of the accident"

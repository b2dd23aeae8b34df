"""The responsibility book through the whole system, on SQLite and PostgreSQL: facts kept from
the log, scores as of a date and as known on a date, vetoes reviewed, pay, the township's
table in CSV, a what-if under a draft, and the facts rebuilt from zero equal to the live ones."""

from __future__ import annotations

import copy
import csv
import io
import json
import tomllib
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from domain.disputes.dispute import Category, ReferralRoute, SessionOutcome, Severity
from domain.incidents.incident import Kind
from domain.time.calendar import CHINA
from infra.bootstrap import System
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from service.store import CommandMeta
from tests.support import GRID, ROOT, TOKENS, VILLAGE, Clock, person

TOWNSHIP = "anping.dongxi"
TEMPLATE = json.loads(
    json.dumps(  # as a client would send it: JSON, dates as text
        tomllib.loads(
            (ROOT / "config" / "assessment" / "anping.dongxi-2026.toml").read_text(encoding="utf-8")
        ),
        default=str,
    )
)


def on(clock: Clock, month: int, day: int) -> datetime:
    clock.now = datetime(2026, month, day, 10, tzinfo=CHINA)
    return clock.now


def facts(system: System) -> ProjectionRunner:
    runner = ProjectionRunner(system.reader, system.views, system.scoring_facts)
    runner.setup()
    runner.catch_up()
    return runner


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
def year(system: System, clock: Clock) -> dict[str, object]:
    """Qiaotou's first four months of 2026."""
    cb, mediator = system.casebook, person("mediator")
    for month in (1, 2, 3):
        on(clock, month, 25)
        cb.assessments.record_activity(
            person("branch_secretary"),
            unit=VILLAGE,
            kind="committee_meeting",
            title=f"meeting {month}",
            attendees=["luo-bin"],
            absentees=[],
        )
    on(clock, 2, 10)
    escalated = []
    for _ in range(2):
        d = cb.disputes.report(
            person("grid_member"),
            grid=GRID,
            parties=[{"name": "A"}, {"name": "B"}],
            category=Category.LAND_ACQUISITION,
            severity=Severity.GENERAL,
            description="a boundary",
            occurred_at=clock.now - timedelta(days=3),
        )
        cb.disputes.escalate(mediator, d.id, reason="beyond the grid")
        cb.disputes.accept(mediator, d.id)
        cb.disputes.escalate(mediator, d.id, reason="beyond the village, unmediated")
        escalated.append(d)
    on(clock, 4, 20)
    accident = cb.incidents.report(
        person("grid_member"),
        grid=GRID,
        kind=Kind.SAFETY_ACCIDENT,
        description="a fall from scaffolding",
        location="the new barn",
        occurred_at=datetime(2026, 3, 15, 8, tzinfo=CHINA),
        injured=1,
        dead=0,
        meta=CommandMeta(effective_at=datetime(2026, 3, 15, 9, tzinfo=CHINA)),
    )
    cb.assessments.enter_assessment(
        person("assessor"),
        unit=VILLAGE,
        year=2026,
        item="party.organisation",
        points=-2,
        reason="branch meeting minutes missing for March",
        evidence="inspection 2026-04-18",
    )
    facts(system)
    return {"escalated": escalated, "accident": accident}


def items(card) -> dict[str, float]:
    return {i.code: i.score for s in card.sections for i in s["items"]}


def test_a_villages_score_as_of_the_end_of_april(system: System, clock: Clock, year):
    card = system.scores.card(VILLAGE, 2026, as_of=datetime(2026, 4, 30, 18, tzinfo=CHINA))
    scored = items(card)
    assert scored["key.mediation"] == 14.8  # two disputes sent to the township unmediated: −0.1 each
    assert scored["key.safety"] == 8.0  # one (non-fatal) safety accident: −2
    assert scored["key.meetings"] == 10.0  # January, February and March held; April not over
    assert scored["subject.training"] == 4.0  # no training in the first quarter: −1
    assert scored["party.organisation"] == 18.0
    assert card.total == 94.8 and card.passed and card.version == "2026.1"
    mediation = next(i for s in card.sections for i in s["items"] if i.code == "key.mediation")
    expected = sorted(f"{d.id}:4" for d in year["escalated"])  # reported, escalated, accepted, escalated
    assert sorted(f for d in mediation.deductions for f in d.facts) == expected
    [secretary] = [line for line in card.pay if line.person_id == "luo-bin"]
    assert secretary.floating > 0 and secretary.basic == pytest.approx(300 * secretary.months, abs=0.05)


def test_a_backdated_report_changes_the_past_business_date_but_not_what_was_known_then(system, clock, year):
    march_end = datetime(2026, 3, 31, 18, tzinfo=CHINA)
    as_it_stood = system.scores.card(VILLAGE, 2026, as_of=march_end)
    as_known_then = system.scores.card(VILLAGE, 2026, as_of=march_end, known_on=march_end)
    assert items(as_it_stood)["key.safety"] == 8.0, "the accident of 15 March counts on 31 March"
    assert items(as_known_then)["key.safety"] == 10.0, "but on 31 March nobody had recorded it yet"


@pytest.mark.http
def test_the_township_table_in_csv_and_a_what_if_under_a_draft(system: System, clock: Clock, year):
    with TestClient(create_api(system)) as api:
        table = api.get(
            f"/townships/{TOWNSHIP}/scores/2026", params={"format": "csv"}, headers=auth("township")
        )
        assert table.status_code == 200 and table.headers["content-type"].startswith("text/csv")
        rows = {r["unit"]: r for r in csv.DictReader(io.StringIO(table.text))}
        assert set(rows) == {VILLAGE, "anping.dongxi.shangba"}
        official = float(rows[VILLAGE]["total"])
        draft = copy.deepcopy(TEMPLATE)
        draft["template"]["version"] = "draft"
        draft["template"]["effective_from"] = "2026-01-01T00:00:00+08:00"
        draft["section"][1]["item"][0]["rule"][0]["points"] = -1.0
        what_if = api.post(
            f"/townships/{TOWNSHIP}/scores/2026/what-if", json={"template": draft}, headers=auth("assessor")
        )
        assert what_if.status_code == 200, what_if.text
        [qiaotou] = [r for r in what_if.json() if r["unit"] == VILLAGE]
        assert qiaotou["version"] == "draft" and qiaotou["total"] == pytest.approx(official - 1.8)
        after = api.get(f"/townships/{TOWNSHIP}/scores/2026", headers=auth("township")).json()
        assert [r["total"] for r in after if r["unit"] == VILLAGE] == [official], (
            "the what-if recorded nothing"
        )
        assert (
            api.post(
                f"/townships/{TOWNSHIP}/scores/2026/what-if",
                json={"template": draft},
                headers=auth("township"),
            ).status_code
            == 403
        )


@pytest.mark.http
def test_a_veto_names_its_event_and_its_review_lifts_it(system: System, clock: Clock, year):
    on(clock, 5, 6)
    mass = system.casebook.incidents.report(
        person("grid_member"),
        grid=GRID,
        kind=Kind.MASS_INCIDENT,
        description="villagers block the road",
        location="county road 3",
        occurred_at=clock.now - timedelta(hours=2),
        people_involved=80,
        markers=["road_blockade"],
    )
    facts(system)
    with TestClient(create_api(system)) as api:
        card = api.get(f"/units/{VILLAGE}/scores/2026", headers=auth("auditor")).json()
        [veto] = card["vetoes"]
        assert (veto["trigger"], veto["fact"], card["void"], card["passed"]) == (
            "mass_incident",
            f"{mass.id}:1",
            True,
            False,
        )
        wrong = api.post(
            f"/units/{VILLAGE}/assessments/2026/veto-reviews",
            json={"fact_id": "nope", "lifted": True, "reason": "x"},
            headers=auth("assessor"),
        )
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "fact_id"
        lifted = api.post(
            f"/units/{VILLAGE}/assessments/2026/veto-reviews",
            json={"fact_id": veto["fact"], "lifted": True, "reason": "a lawful, peaceful gathering"},
            headers=auth("assessor"),
        )
        assert lifted.status_code == 200
        after = api.get(f"/units/{VILLAGE}/scores/2026", headers=auth("auditor")).json()
        assert after["vetoes"][0]["lifted"] and not after["void"] and after["passed"]


@pytest.mark.http
def test_assessment_commands_refuse_precisely(system: System, clock: Clock, year):
    with TestClient(create_api(system)) as api:
        unknown = api.post(
            f"/units/{VILLAGE}/assessments/2026/entries",
            json={"item": "no.such", "points": -1, "reason": "r", "evidence": "e"},
            headers=auth("assessor"),
        )
        assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "item"
        grid_member = api.post(
            f"/units/{VILLAGE}/assessments/2026/entries",
            json={"item": "party.conduct", "points": -1, "reason": "r", "evidence": "e"},
            headers=auth("grid_member"),
        )
        assert grid_member.status_code == 403 and grid_member.json()["right"] == "assess"
        bad = copy.deepcopy(TEMPLATE)
        bad["template"]["version"] = "2026.2"
        bad["template"]["effective_from"] = "2026-07-01T00:00:00+08:00"
        bad["section"][0]["item"][0]["rule"][0]["shape"] = "per_week"
        refused = api.post(
            f"/townships/{TOWNSHIP}/templates",
            json={"reason": "r", "template": bad},
            headers=auth("assessor"),
        )
        assert (
            refused.status_code == 422
            and "section #1 item #1 rule #1: shape must be one of" in refused.json()["detail"]
        )
        again = api.post(
            f"/townships/{TOWNSHIP}/templates",
            json={"reason": "r", "template": TEMPLATE},
            headers=auth("assessor"),
        )
        assert again.status_code == 409 and "adopted once" in again.json()["detail"]
        assert (
            api.get(f"/units/{VILLAGE}/scores/2026", headers=auth("foreign_grid_member")).status_code == 403
        )
        assert api.get(f"/units/{VILLAGE}/scores/2025", headers=auth("auditor")).status_code == 404


def test_a_template_changed_mid_year_scores_each_fact_by_the_version_of_its_date(
    system: System, clock: Clock, year
):
    changed = copy.deepcopy(TEMPLATE)
    changed["template"]["version"] = "2026.2"
    changed["template"]["effective_from"] = datetime(2026, 3, 1, tzinfo=CHINA)
    changed["section"][1]["item"][0]["rule"][0]["points"] = -0.5
    on(clock, 4, 25)
    system.casebook.assessments.adopt_template(
        person("assessor"), data=changed, reason="stricter from March", source="township notice 4"
    )
    card = system.scores.card(VILLAGE, 2026, as_of=datetime(2026, 4, 30, 18, tzinfo=CHINA))
    # the escalations were on 10 February: still the first version's −0.1 each
    assert items(card)["key.mediation"] == 14.8 and card.versions_used == ["2026.1", "2026.2"]


@pytest.mark.http
def test_the_scoring_facts_rebuilt_from_zero_equal_the_live_ones(system: System, clock: Clock, year):
    outcome = rebuild(system.reader, system.views, system.scoring_facts, switch=False)
    assert outcome.equal, outcome.differences
    assert outcome.rows > 10


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with TestClient(create_api(system)) as client:
        yield client


def test_the_command_line_explains_a_score(
    system: System, clock: Clock, year, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    from infra import cli

    if system.settings.store != "sqlite":
        pytest.skip("the command line reads the settings from the environment; one store is enough")
    for name, value in {
        "FENGQIAO_VAR_DIR": str(system.settings.var_dir),
        "FENGQIAO_DIRECTORY_FILE": str(system.settings.directory_file),
    }.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["score", VILLAGE, "2026", "--as-of", "2026-04-30T18:00:00+08:00"]) == 0
    printed = capsys.readouterr().out
    assert (
        "key.mediation People's mediation: small things in the village, big things on record: 14.8 of 15"
        in printed
    )
    assert "total 94.8 — passed" in printed
    assert cli.main(["score", VILLAGE, "2025"]) == 1


# -- what is decided about the year, and facts dated by what they describe ----------------------


@pytest.mark.http
def test_a_veto_lifted_on_review_after_the_year_counts_from_when_the_review_took_effect(
    system: System, clock: Clock, year
):
    on(clock, 5, 6)
    mass = system.casebook.incidents.report(
        person("grid_member"),
        grid=GRID,
        kind=Kind.MASS_INCIDENT,
        description="villagers block the road",
        location="county road 3",
        occurred_at=clock.now - timedelta(hours=2),
        people_involved=80,
        markers=["road_blockade"],
    )
    facts(system)
    clock.now = datetime(2027, 1, 15, 10, tzinfo=CHINA)  # the year's review, in January
    with TestClient(create_api(system)) as api:
        lifted = api.post(
            f"/units/{VILLAGE}/assessments/2026/veto-reviews",
            json={"fact_id": f"{mass.id}:1", "lifted": True, "reason": "a lawful, peaceful gathering"},
            headers=auth("assessor"),
        )
        assert lifted.status_code == 200, lifted.text

        def card(**params: str) -> dict:
            answer = api.get(f"/units/{VILLAGE}/scores/2026", params=params, headers=auth("auditor"))
            assert answer.status_code == 200, answer.text
            return answer.json()

        now = card()
        assert now["vetoes"][0]["lifted"] and not now["void"] and now["passed"]
        assert all(line["floating"] > 0 for line in now["pay"]), "the lifted veto restores the floating pay"
        assert card(as_of="2027-01-10T10:00:00+08:00")["void"], "before the review took effect"
        assert card(as_of="2026-12-31T18:00:00+08:00")["void"], "at the year's end"
        assert card(as_of="2027-02-01T10:00:00+08:00", as_known_on="2027-01-14T10:00:00+08:00")["void"], (
            "as known before the review was recorded"
        )


def test_a_dispute_mediated_without_agreement_then_turned_criminal_is_vetoed_and_fails_once(
    system: System, clock: Clock, year
):
    cb, mediator = system.casebook, person("mediator")
    on(clock, 5, 4)
    converted = []
    for refer_first in (False, True):
        d = cb.disputes.report(
            person("grid_member"),
            grid=GRID,
            parties=[{"name": "A"}, {"name": "B"}],
            category=Category.NEIGHBOURHOOD,
            severity=Severity.GENERAL,
            description="a feud over water",
            occurred_at=clock.now - timedelta(days=1),
        )
        cb.disputes.escalate(mediator, d.id, reason="beyond the grid")
        cb.disputes.accept(mediator, d.id)
        cb.disputes.hold_mediation_session(mediator, d.id, outcome=SessionOutcome.FAILED)
        if refer_first:  # referred out after the failed session, and only then turned criminal
            cb.disputes.refer_out(
                mediator, d.id, route=ReferralRoute.LITIGATION, body="Anping court", reason="no agreement"
            )
        converted.append(cb.disputes.convert_to_criminal_case(mediator, d.id, police_reference="AP-26-1"))
    facts(system)
    card = system.scores.card(VILLAGE, 2026, as_of=datetime(2026, 5, 31, 18, tzinfo=CHINA))
    assert sorted(v.fact for v in card.vetoes if v.trigger == "civil_to_criminal") == sorted(
        f"{d.id}:{d.version}" for d in converted
    )
    assert card.void and not card.passed
    mediation = next(i for s in card.sections for i in s["items"] if i.code == "key.mediation")
    [shortfall] = [d for d in mediation.deductions if d.note.startswith("rate")]
    # each dispute failed once after mediation (the conversion of the referred one is not a
    # second failure): 0 agreed of 2 concluded
    assert len(shortfall.facts) == len(set(shortfall.facts)) == 2
    assert {f.split(":")[0] for f in shortfall.facts} == {str(d.id) for d in converted}


def test_a_late_reported_incident_is_scored_when_it_happened(system: System, clock: Clock, year):
    stricter = copy.deepcopy(TEMPLATE)
    stricter["template"]["version"] = "2026.2"
    stricter["template"]["effective_from"] = datetime(2026, 7, 1, tzinfo=CHINA)
    stricter["section"][1]["item"][1]["rule"][0]["points"] = -3.0
    on(clock, 6, 1)
    system.casebook.assessments.adopt_template(
        person("assessor"), data=stricter, reason="stricter from July", source="township notice 7"
    )
    on(clock, 7, 10)  # reported on 10 July, of a fall on 20 June
    late = system.casebook.incidents.report(
        person("grid_member"),
        grid=GRID,
        kind=Kind.SAFETY_ACCIDENT,
        description="a fall into the irrigation ditch",
        location="the east fields",
        occurred_at=datetime(2026, 6, 20, 8, tzinfo=CHINA),
        injured=1,
        dead=0,
    )
    facts(system)
    june_end = datetime(2026, 6, 30, 18, tzinfo=CHINA)
    as_it_stood = system.scores.card(VILLAGE, 2026, as_of=june_end)
    assert items(as_it_stood)["key.safety"] == 6.0, "the March and the June accidents, −2 each"
    as_known_then = system.scores.card(VILLAGE, 2026, as_of=june_end, known_on=june_end)
    assert items(as_known_then)["key.safety"] == 8.0, "on 30 June nobody had reported the June fall"
    later = system.scores.card(VILLAGE, 2026, as_of=datetime(2026, 7, 31, 18, tzinfo=CHINA))
    safety = next(i for s in later.sections for i in s["items"] if i.code == "key.safety")
    assert [(d.points, d.version) for d in safety.deductions] == [(-2, "2026.1"), (-2, "2026.1")], (
        "scored by the version in force when it happened, not when it was reported"
    )
    # the reporting-upward clock still counts from the report
    [upward] = system.casebook.keepers["incident"].sync(late.id, 0).clocks
    assert upward.started_at == late.reported_at == datetime(2026, 7, 10, 10, tzinfo=CHINA)


def test_a_democratic_evaluation_counts_from_when_it_took_effect_and_was_recorded(
    system: System, clock: Clock, year
):
    clock.now = datetime(2027, 1, 20, 10, tzinfo=CHINA)  # evaluated after the year
    system.casebook.assessments.record_evaluation(
        person("assessor"), unit=VILLAGE, year=2026, person_id="luo-bin", incompetent_share=0.6
    )

    def secretary(as_of: datetime, known_on: datetime | None = None):
        card = system.scores.card(VILLAGE, 2026, as_of=as_of, known_on=known_on)
        [line] = [line for line in card.pay if line.person_id == "luo-bin"]
        return line

    evaluated = secretary(datetime(2027, 1, 31, tzinfo=CHINA))
    assert evaluated.deductions == [
        "60% 'incompetent' in the democratic evaluation: 50% of the floating pay deducted"
    ]
    year_end = secretary(datetime(2026, 12, 31, 23, 59, 59, tzinfo=CHINA))
    assert year_end.deductions == [] and year_end.floating == pytest.approx(2 * evaluated.floating)
    assert secretary(datetime(2027, 1, 31, tzinfo=CHINA), known_on=datetime(2027, 1, 19, tzinfo=CHINA)) == (
        year_end
    ), "as known before the evaluation was recorded"

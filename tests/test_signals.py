"""Signals of gaming, for review: each pattern is seen with its case and event, rebuilds from the
log equal to live, and is shown only to those who review the figures."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from domain.disputes.dispute import (
    AgreementForm,
    Category,
    Dispute,
    Performance,
    ReferralRoute,
    Remedy,
    Satisfaction,
    SessionOutcome,
    Severity,
)
from infra.bootstrap import System
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from projections.signals import NAMES, VERSION
from service.store import CommandMeta
from tests.support import GRID, TOKENS, VILLAGE, Clock, pass_grid_deadline, person

GRID_MEMBER, MEDIATOR, CHAIR = person("grid_member"), person("mediator"), person("chair")


def report(system: System, *parties: str) -> Dispute:
    return system.casebook.disputes.report(
        GRID_MEMBER,
        grid=GRID,
        parties=[{"name": p} for p in parties],
        category=Category.NEIGHBOURHOOD,
        severity=Severity.MINOR,
        description="fence moved",
        occurred_at=system.casebook.clock() - timedelta(days=1),
    )


def project(system: System) -> None:
    runner = ProjectionRunner(system.reader, system.views, system.signals, 4)
    runner.setup()
    runner.catch_up()


def seen(system: System) -> list[tuple[str, str]]:
    with system.views.reading() as cur:
        rows = system.signals.seen(cur, [VILLAGE], "2000-01-01", "2999-01-01")
    return sorted((r["signal"], r["case_id"]) for r in rows)


def agreed(system: System, *parties: str) -> Dispute:
    dispute = report(system, *parties)
    system.casebook.disputes.accept(MEDIATOR, dispute.id)
    system.casebook.disputes.reach_agreement(
        MEDIATOR, dispute.id, form=AgreementForm.ORAL, terms="fence back"
    )
    return dispute


def test_a_follow_up_recorded_by_the_mediator_is_a_signal_and_one_by_someone_else_is_not(
    system: System, clock: Clock
):
    by_mediator, by_chair = agreed(system, "Zhang San", "Li Si"), agreed(system, "Wang Wu", "Zhao Liu")
    clock.advance(timedelta(days=2))
    for dispute, visitor in ((by_mediator, MEDIATOR), (by_chair, CHAIR)):
        system.casebook.disputes.make_follow_up_visit(
            visitor, dispute.id, performance=Performance.FULLY, satisfaction=Satisfaction.SATISFIED
        )
    project(system)
    assert seen(system) == [("follow_up_by_mediator", str(by_mediator.id))]


def test_a_dispute_of_the_same_party_reported_soon_after_one_closed_is_a_signal(system: System, clock: Clock):
    first = agreed(system, "Zhang San", "Li Si")
    system.casebook.disputes.close(MEDIATOR, first.id, reason="parties reconciled")
    clock.advance(timedelta(days=5))
    again, other = report(system, "Li Si", "Qian Qi"), report(system, "Sun Ba", "Zhou Jiu")
    project(system)
    assert seen(system) == [("refiled", str(again.id))]
    assert str(other.id) not in {case for _, case in seen(system)}


def test_an_event_recorded_days_after_it_took_effect_is_a_signal(system: System, clock: Clock):
    dispute = report(system, "Zhang San", "Li Si")
    clock.advance(timedelta(days=5))
    system.casebook.disputes.accept(
        MEDIATOR, dispute.id, meta=CommandMeta(effective_at=clock() - timedelta(days=4, hours=12))
    )
    project(system)
    with system.views.reading() as cur:
        [row] = system.signals.seen(cur, [VILLAGE], "2000-01-01", "2999-01-01")
    assert (row["signal"], row["case_id"], row["event_ref"]) == (
        "recorded_late",
        str(dispute.id),
        f"{dispute.id}:2",
    )
    assert row["detail"] == "Dispute.Accepted, 108 h"


def ended(
    system: System,
    clock: Clock,
    after: timedelta,
    how: str,
    parties: tuple[str, str] = ("Zhang San", "Li Si"),
) -> Dispute:
    """A dispute at grid level whose 24-hour clock runs, ended `after` its report: mediation failed and
    it was closed without an agreement, referred out, or an agreement was reached and it was closed.
    The workflow's sync runs as it would after the report, the session and the end."""
    keeper = system.casebook.keepers["dispute"]
    dispute, desk = report(system, *parties), system.casebook.disputes
    keeper.sync(dispute.id, 0)
    clock.advance(after)
    if how == "agreement":  # agreed and closed at once, before the workflow has stopped the clock
        desk.reach_agreement(MEDIATOR, dispute.id, form=AgreementForm.ORAL, terms="fence back")
        desk.close(MEDIATOR, dispute.id, reason="parties reconciled")
    else:
        desk.hold_mediation_session(MEDIATOR, dispute.id, outcome=SessionOutcome.FAILED, notes="no")
        keeper.sync(dispute.id, 0)
        if how == "closed":
            desk.close(MEDIATOR, dispute.id, reason="no agreement", remedies_told=[Remedy.LITIGATION])
        elif how == "duplicate":
            original = report(system, "Wu Yi", "Zheng Er")
            desk.mark_duplicate(MEDIATOR, dispute.id, original_id=original.id)
        else:
            desk.refer_out(MEDIATOR, dispute.id, route=ReferralRoute.LITIGATION, body="county court")
    keeper.sync(dispute.id, 0)
    return dispute


@pytest.mark.parametrize(
    ("how", "named"),
    [("closed", "closed without agreement"), ("referred", "referred out"), ("duplicate", "marked duplicate")],
)
def test_a_dispute_ended_unusually_just_before_its_level_deadline_is_a_signal_with_its_case_and_event(
    system: System, clock: Clock, how: str, named: str
):
    dispute = ended(system, clock, timedelta(hours=23), how)
    project(system)
    with system.views.reading() as cur:
        [row] = system.signals.seen(cur, [VILLAGE], "2000-01-01", "2999-01-01")
    last = system.casebook.disputes.get(None, dispute.id).version
    assert (row["signal"], row["case_id"], row["event_ref"]) == (
        "closed_before_deadline",
        str(dispute.id),
        f"{dispute.id}:{last}",
    )
    assert row["detail"].startswith(f"{named}, 1.0 h before the dispute.grid deadline ")


def test_just_before_is_a_share_of_the_level_s_time_a_day_before_the_village_s_fifteen_days(
    system: System, clock: Clock
):
    keeper, desk = system.casebook.keepers["dispute"], system.casebook.disputes
    dispute = report(system, "Zhang San", "Li Si")
    clock.advance(timedelta(hours=24))
    pass_grid_deadline(system, dispute.id)  # up to the village, whose clock starts
    [village] = system.casebook.deadlines.clocks("dispute", dispute.id).running()
    assert village.clock == "dispute.village"
    clock.now = village.due_at - timedelta(days=1)
    desk.accept(MEDIATOR, dispute.id)
    desk.hold_mediation_session(MEDIATOR, dispute.id, outcome=SessionOutcome.FAILED, notes="no")
    desk.close(MEDIATOR, dispute.id, reason="no agreement", remedies_told=[Remedy.LITIGATION])
    keeper.sync(dispute.id, 0)
    project(system)
    with system.views.reading() as cur:
        rows = system.signals.seen(cur, [VILLAGE], "2000-01-01", "2999-01-01", "closed_before_deadline")
    assert [(r["case_id"], r["detail"].split(" deadline ")[0]) for r in rows] == [
        (str(dispute.id), "closed without agreement, 24.0 h before the dispute.village")
    ]


def test_a_dispute_ended_the_same_way_long_before_or_after_its_deadline_or_by_agreement_just_before_is_not(
    system: System, clock: Clock
):
    ended(system, clock, timedelta(hours=2), "closed", ("Zhang San", "Li Si"))
    ended(system, clock, timedelta(hours=23), "agreement", ("Wang Wu", "Zhao Liu"))
    ended(system, clock, timedelta(hours=25), "referred", ("Qian Qi", "Feng Shi"))  # the deadline passed
    just_before = ended(system, clock, timedelta(hours=23), "closed", ("Sun Ba", "Zhou Jiu"))
    project(system)
    assert seen(system) == [("closed_before_deadline", str(just_before.id))]


def test_the_signals_rebuild_from_the_log_equal_to_live(system: System, clock: Clock):
    dispute = agreed(system, "Zhang San", "Li Si")
    system.casebook.disputes.make_follow_up_visit(
        MEDIATOR, dispute.id, performance=Performance.FULLY, satisfaction=Satisfaction.SATISFIED
    )
    ended(system, clock, timedelta(hours=2), "referred", ("Wang Wu", "Zhao Liu"))
    unusual = ended(system, clock, timedelta(hours=23), "closed", ("Sun Ba", "Zhou Jiu"))
    project(system)
    assert ("closed_before_deadline", str(unusual.id)) in seen(system)
    outcome = rebuild(system.reader, system.views, system.signals, switch=False)
    assert outcome.equal, outcome.differences
    assert outcome.rows > 0
    assert system.signals.table == f"gaming_signals_v{VERSION}" and VERSION >= 2


def test_auditors_and_assessors_read_the_signals_with_their_cases_and_the_people_they_are_about_do_not(
    system: System, api: TestClient, clock: Clock
):
    dispute = agreed(system, "Zhang San", "Li Si")
    system.casebook.disputes.make_follow_up_visit(
        MEDIATOR, dispute.id, performance=Performance.FULLY, satisfaction=Satisfaction.SATISFIED
    )
    project(system)
    for reviewer in ("auditor", "assessor"):
        found = api.get("/signals/anping.dongxi", headers={"Authorization": f"Bearer {TOKENS[reviewer]}"})
        assert found.status_code == 200, found.text
        body = found.json()
        assert set(body["counts"]) == set(NAMES) and body["counts"]["follow_up_by_mediator"] == 1
        assert sum(body["counts"].values()) == len(body["seen"])
        assert UUID(body["seen"][0]["case_id"]) == dispute.id
    refused = api.get("/signals/anping.dongxi", headers={"Authorization": f"Bearer {TOKENS['mediator']}"})
    assert refused.status_code == 403
    wrong = api.get(
        "/signals/anping.dongxi?signal=nothing", headers={"Authorization": f"Bearer {TOKENS['auditor']}"}
    )
    assert wrong.status_code == 422


def test_the_signals_definitions_in_docs_are_the_ones_the_code_renders():
    from projections.signals import BEGIN, END, render
    from tests.support import ROOT

    written = (ROOT / "docs" / "metrics.md").read_text(encoding="utf-8")
    assert written[written.index(BEGIN) : written.index(END) + len(END)] == render(), (
        "run: .venv/bin/python -m projections.signals docs/metrics.md"
    )


def test_the_workbench_shows_the_auditor_each_signal_in_chinese_with_its_count_a_link_to_its_cases(
    system: System, api: TestClient
):
    dispute = agreed(system, "Zhang San", "Li Si")
    system.casebook.disputes.make_follow_up_visit(
        MEDIATOR, dispute.id, performance=Performance.FULLY, satisfaction=Satisfaction.SATISFIED
    )
    project(system)
    auditor = {"Authorization": f"Bearer {TOKENS['auditor']}"}
    page = api.get("/app/signals?node=anping.dongxi", headers=auditor)
    assert page.status_code == 200, page.text
    assert "由调解员本人登记回访" in page.text
    assert "signal=follow_up_by_mediator" in page.text and f"/app/disputes/{dispute.id}" in page.text
    only = api.get("/app/signals?node=anping.dongxi&signal=refiled", headers=auditor)
    assert f"/app/disputes/{dispute.id}" not in only.text
    refused = api.get(
        "/app/signals?node=anping.dongxi", headers={"Authorization": f"Bearer {TOKENS['mediator']}"}
    )
    assert refused.status_code == 403


def test_the_workbench_and_the_api_show_a_closure_just_before_its_deadline_with_a_link_to_its_case(
    system: System, api: TestClient, clock: Clock
):
    dispute = ended(system, clock, timedelta(hours=23), "referred")
    project(system)
    auditor = {"Authorization": f"Bearer {TOKENS['auditor']}"}
    body = api.get("/signals/anping.dongxi", headers=auditor).json()
    assert body["counts"]["closed_before_deadline"] == 1 and "closed_before_deadline" in body["definitions"]
    assert [(s["signal"], s["case_id"]) for s in body["seen"]] == [
        ("closed_before_deadline", str(dispute.id))
    ]
    page = api.get("/app/signals?node=anping.dongxi", headers=auditor)
    assert page.status_code == 200, page.text
    assert "临近期限时非常规结案" in page.text and "最后十分之一" in page.text
    assert "signal=closed_before_deadline" in page.text and f"/app/disputes/{dispute.id}" in page.text

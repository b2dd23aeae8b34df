"""Village statistics: they add up, survive restarts, and rebuild from zero to the same result."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from domain.disputes.dispute import (
    AgreementForm,
    Category,
    Dispute,
    ReferralRoute,
    Remedy,
    SessionOutcome,
    Severity,
)
from infra.bootstrap import System
from projections import tracking
from projections.diff import events_behind
from projections.dispute_statistics import DisputeStatistics
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner, ReadAhead
from service.store import CommandMeta
from tests.support import FOREIGN_GRID, GRID, OTHER_GRID, VILLAGE, pass_grid_deadline, person


def report(system: System, grid: str = GRID, role: str = "grid_member") -> Dispute:
    return system.casebook.disputes.report(
        person(role),
        grid=grid,
        parties=[{"name": "A"}, {"name": "B"}],
        category=Category.LABOUR,
        severity=Severity.GENERAL,
        description="unpaid wages",
        occurred_at=system.casebook.clock() - timedelta(days=1),
        meta=CommandMeta(),
    )


def a_month_of_disputes(system: System) -> None:
    """Nine disputes in Qiaotou (and a duplicate report) and one in Shangba, in every state."""
    mediator, casebook = person("mediator"), system.casebook
    agreed_then_closed = report(system)
    casebook.disputes.hold_mediation_session(
        mediator, agreed_then_closed.id, outcome=SessionOutcome.ADJOURNED
    )
    casebook.disputes.reach_agreement(
        mediator, agreed_then_closed.id, form=AgreementForm.WRITTEN, terms="pay"
    )
    for party in ("p1", "p2"):  # A and B, by their ids in the dispute
        casebook.disputes.sign_agreement(mediator, agreed_then_closed.id, party=party)
    casebook.disputes.seal_agreement(person("chair"), agreed_then_closed.id)
    casebook.disputes.close(mediator, agreed_then_closed.id, reason="paid")
    agreed = report(system, OTHER_GRID, "mediator")
    casebook.disputes.reach_agreement(mediator, agreed.id, form=AgreementForm.ORAL, terms="apology")
    failed_and_closed = report(system)
    casebook.disputes.hold_mediation_session(mediator, failed_and_closed.id, outcome=SessionOutcome.FAILED)
    casebook.disputes.close(
        mediator, failed_and_closed.id, reason="told of litigation", remedies_told=[Remedy.LITIGATION]
    )
    to_township = report(system)
    casebook.disputes.escalate(mediator, to_township.id, reason="beyond the grid")
    casebook.disputes.escalate(mediator, to_township.id, reason="beyond the village")
    by_deadline_then_agreed = report(system)
    pass_grid_deadline(system, by_deadline_then_agreed.id)
    casebook.disputes.accept(mediator, by_deadline_then_agreed.id)
    casebook.disputes.reach_agreement(
        mediator, by_deadline_then_agreed.id, form=AgreementForm.ORAL, terms="ok"
    )
    referred = report(system)
    casebook.disputes.refer_out(mediator, referred.id, route=ReferralRoute.LITIGATION, body="Anping court")
    converted = report(system)
    casebook.disputes.convert_to_criminal_case(mediator, converted.id, police_reference="AP-2026-17")
    repeat = report(system)
    casebook.disputes.mark_duplicate(mediator, repeat.id, original_id=referred.id)
    failing = report(system)
    casebook.disputes.hold_mediation_session(mediator, failing.id, outcome=SessionOutcome.FAILED)
    report(system)
    report(system, FOREIGN_GRID, "foreign_grid_member")


def runner(system: System, batch_size: int = 3) -> ProjectionRunner:
    built = ProjectionRunner(system.reader, system.views, system.statistics, batch_size)
    built.setup()
    return built


def village(system: System, village_id: str = VILLAGE) -> dict[str, object]:
    with system.views.reading() as cur:
        return system.statistics.village(cur, village_id)


def test_village_statistics_count_each_dispute_once_and_add_up(system: System):
    a_month_of_disputes(system)
    runner(system).catch_up()
    stats = village(system)
    assert stats == {
        "reported": 9,
        "resolved_by_agreement": 3,
        "closed_without_agreement": 3,
        "open": 3,
        "escalated": 2,
        "escalated_to_township": 1,
        "converted_to_criminal": 1,
        "mediation_success_rate": 0.75,
    }
    assert (
        stats["reported"]
        == stats["resolved_by_agreement"] + stats["closed_without_agreement"] + stats["open"]
    )
    assert village(system, "anping.dongxi.shangba")["reported"] == 1


def test_a_written_agreement_counts_as_resolved_only_once_every_party_signed_and_it_is_sealed(
    system: System,
):
    mediator, desk = person("mediator"), system.casebook.disputes
    failed = report(system)
    desk.hold_mediation_session(mediator, failed.id, outcome=SessionOutcome.FAILED)
    desk.close(mediator, failed.id, reason="told of litigation", remedies_told=[Remedy.LITIGATION])
    written = report(system)
    desk.hold_mediation_session(mediator, written.id, outcome=SessionOutcome.ADJOURNED)
    desk.reach_agreement(mediator, written.id, form=AgreementForm.WRITTEN, terms="pay")
    desk.sign_agreement(mediator, written.id, party="p1")
    live = runner(system)
    live.catch_up()
    pending = village(system)
    assert (pending["resolved_by_agreement"], pending["open"], pending["mediation_success_rate"]) == (
        0,
        1,
        0.0,
    )

    desk.sign_agreement(mediator, written.id, party="p2")
    desk.seal_agreement(person("chair"), written.id)
    live.catch_up()
    in_effect = village(system)
    assert (in_effect["resolved_by_agreement"], in_effect["open"], in_effect["mediation_success_rate"]) == (
        1,
        0,
        0.5,
    )


def test_a_village_with_no_concluded_mediation_has_no_success_rate_yet(system: System):
    report(system)
    runner(system).catch_up()
    assert village(system)["mediation_success_rate"] is None


def test_a_restarted_runner_goes_on_from_where_it_stopped(system: System):
    a_month_of_disputes(system)
    first = runner(system)
    first.step()
    first.step()
    stopped_at = first.position()
    assert 0 < stopped_at < system.reader.head()
    runner(system).catch_up()
    assert village(system)["reported"] == 9


def test_a_batch_read_ahead_is_not_used_once_another_runner_has_moved_the_position(system: System):
    for _ in range(12):
        report(system)
    # The node statistics add to counters: a batch applied twice would count twice.
    counts = system.node_statistics
    first, second = (ProjectionRunner(system.reader, system.views, counts, 3) for _ in range(2))
    first.setup()
    ahead = ReadAhead(system.reader, counts.topics, first.batch_size, None)
    try:
        assert first.step(ahead=ahead) == 3  # a full batch: the next one is being read ahead
        second.step()
        second.step()  # the position the read-ahead started from is gone
        while first.step(ahead=ahead):
            pass
    finally:
        ahead.close()
    assert second.catch_up() == 0  # all applied
    assert rebuild(system.reader, system.views, counts, switch=False).equal  # each event once


def test_two_runners_under_one_name_cannot_both_apply_a_batch(system: System):
    report(system)
    live = runner(system)
    with system.views.transaction() as cur:
        start = tracking.position(cur, system.statistics.name, lock=True)  # both read this
    with system.views.transaction() as cur:
        tracking.advance(cur, system.statistics.name, start, start + 1)
    with pytest.raises(tracking.TrackingConflict), system.views.transaction() as cur:
        tracking.advance(cur, system.statistics.name, start, start + 1)
    assert live.position() == start + 1


def test_a_rebuild_from_zero_equals_the_live_read_model_and_switches_over(system: System):
    a_month_of_disputes(system)
    live = runner(system, batch_size=2)
    live.catch_up()
    before = village(system)
    seen: list[tuple[int, int]] = []
    report_ = rebuild(
        system.reader,
        system.views,
        system.statistics,
        switch=True,
        batch_size=4,
        progress=lambda p, h: seen.append((p, h)),
    )
    assert report_.equal, report_.differences
    assert report_.switched and report_.rows == 11
    assert seen and seen[-1][0] == report_.position
    assert village(system) == before
    assert live.position() == report_.position
    report(system)
    live.catch_up()
    assert village(system)["reported"] == 10


def test_verification_finds_a_live_read_model_that_was_tampered_with(system: System):
    a_month_of_disputes(system)
    runner(system).catch_up()
    with system.views.transaction() as cur:
        cur.execute(f"UPDATE {system.statistics.table} SET closed_with_agreement = 1 WHERE status = 'open'")
    found = rebuild(system.reader, system.views, system.statistics, switch=False)
    assert not found.equal and not found.switched
    # Three rows differ, each paired by its key with the one column that differs, and the
    # events behind each row are the dispute's own.
    assert len(found.differences) == 3
    assert {tuple(d.columns) for d in found.differences} == {("closed_with_agreement",)}
    for difference in found.differences:
        assert (difference.live or {})["closed_with_agreement"] == "1"
        assert (difference.other or {})["closed_with_agreement"] == "0"
        assert difference.streams() == [UUID(difference.key["dispute_id"])]
        behind = events_behind(system.casebook, difference)
        assert behind and (behind[0].stream, behind[0].version) == (difference.key["dispute_id"], 1)
        assert behind[0].kind == "Dispute.Reported"
    with system.views.reading() as cur:
        assert system.statistics.rows(cur)[system.statistics.table], "verification changes nothing"
    repaired = rebuild(system.reader, system.views, system.statistics, switch=True)
    assert repaired.switched
    assert rebuild(system.reader, system.views, system.statistics, switch=False).equal


def test_a_rebuild_catches_up_a_live_model_that_lagged_behind(system: System):
    a_month_of_disputes(system)
    runner(system).step()
    outcome = rebuild(system.reader, system.views, DisputeStatistics(), switch=False)
    assert outcome.equal


def test_the_command_line_verification_shows_each_differing_column_and_the_events_behind_it(
    system: System, capsys: pytest.CaptureFixture[str]
):
    from infra.cli import _rebuild_one

    a_month_of_disputes(system)
    runner(system).catch_up()
    with system.views.transaction() as cur:
        cur.execute(f"UPDATE {system.statistics.table} SET sessions = sessions + 7 WHERE status = 'open'")
    assert not _rebuild_one(system, system.statistics, switch=False)["equal"]
    out = capsys.readouterr().out
    assert "3 differences from the live read model" in out
    assert out.count("sessions: live ") == 3
    assert out.count("Dispute.Reported, effective ") == 3

"""Application scenarios, each on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from domain.disputes.dispute import (
    AgreementForm,
    Category,
    Dispute,
    Level,
    SessionOutcome,
    Severity,
)
from domain.errors import (
    AccessDenied,
    CaseNotFound,
    CommandIdReused,
    InvalidValue,
    StaleVersion,
    TransitionNotAllowed,
)
from infra.bootstrap import System
from service.store import CommandMeta
from tests.support import FOREIGN_GRID, GRID, VILLAGE, Interleaved, person


def report(system: System, role: str = "grid_member", grid: str = GRID, **meta: object) -> Dispute:
    return system.casebook.disputes.report(
        person(role),
        grid=grid,
        parties=[{"name": "Zhang San"}, {"name": "Li Si"}],
        category=Category.NEIGHBOURHOOD,
        severity=Severity.MINOR,
        description="fence moved",
        occurred_at=system.casebook.clock() - timedelta(hours=3),
        meta=CommandMeta(**meta),  # type: ignore[arg-type]
    )


def head(system: System) -> int:
    return system.casebook.recorder.max_notification_id() or 0


def history(system: System, dispute_id: UUID) -> list[str]:
    _, events = system.casebook.disputes.with_history(person("auditor"), dispute_id)
    return [type(e).__name__ for e in events]


def test_a_reported_dispute_is_stored_with_its_village_and_reporter(system: System):
    dispute = report(system)
    stored = system.casebook.disputes.get(person("mediator"), dispute.id)
    assert (stored.village, stored.grid, stored.reported_by) == (VILLAGE, GRID, "wang-fang")
    assert stored.reported_at == system.casebook.clock()
    assert history(system, dispute.id) == ["Reported"]


def test_a_report_in_an_unknown_grid_names_the_field_and_writes_nothing(system: System):
    before = head(system)
    with pytest.raises(InvalidValue) as refusal:
        report(system, grid="anping.nowhere")
    assert refusal.value.field == "grid"
    with pytest.raises(InvalidValue, match="is a village, not a grid"):
        report(system, grid=VILLAGE)
    assert head(system) == before


def test_a_grid_member_reports_only_inside_their_own_grid(system: System):
    with pytest.raises(AccessDenied) as refusal:
        report(system, role="foreign_grid_member", grid=GRID)
    assert "outside Zhao Lei's jurisdiction" in str(refusal.value)
    assert report(system, role="foreign_grid_member", grid=FOREIGN_GRID).village == "anping.dongxi.shangba"


def test_an_auditor_only_reads(system: System):
    with pytest.raises(AccessDenied, match="does not have the right to report dispute"):
        report(system, role="auditor")
    dispute = report(system)
    assert system.casebook.disputes.get(person("auditor"), dispute.id).id == dispute.id


def test_a_grid_member_mediates_only_while_the_dispute_is_at_grid_level(system: System):
    dispute = report(system)
    system.casebook.disputes.escalate(person("mediator"), dispute.id, reason="needs the committee")
    system.casebook.disputes.accept(person("mediator"), dispute.id)
    with pytest.raises(AccessDenied, match="outside their jurisdiction"):  # the village, unnamed
        system.casebook.disputes.hold_mediation_session(
            person("grid_member"), dispute.id, outcome=SessionOutcome.ADJOURNED
        )
    held = system.casebook.disputes.hold_mediation_session(
        person("mediator"), dispute.id, outcome=SessionOutcome.ADJOURNED
    )
    assert held.sessions == 1


def test_an_unknown_dispute_is_not_found(system: System):
    with pytest.raises(CaseNotFound):
        system.casebook.disputes.get(None, uuid4())
    with pytest.raises(CaseNotFound):
        system.casebook.disputes.reach_agreement(
            person("mediator"), uuid4(), form=AgreementForm.ORAL, terms="x"
        )


def test_a_report_retried_with_the_same_command_id_is_recorded_once(system: System):
    first = report(system, command_id="report-1")
    again = report(system, command_id="report-1")
    assert again.id == first.id
    assert history(system, first.id) == ["Reported"]


def test_a_command_retried_with_the_same_id_takes_effect_once(system: System):
    dispute = report(system)
    for _ in range(2):
        system.casebook.disputes.hold_mediation_session(
            person("mediator"),
            dispute.id,
            outcome=SessionOutcome.ADJOURNED,
            meta=CommandMeta(command_id="session-1"),
        )
    assert history(system, dispute.id) == ["Reported", "MediationSessionHeld"]


def test_a_command_id_used_for_another_command_is_refused(system: System):
    first, second = report(system, command_id="shared-id"), report(system)
    session = {"outcome": SessionOutcome.ADJOURNED, "meta": CommandMeta(command_id="shared-id")}
    system.casebook.disputes.hold_mediation_session(
        person("mediator"), first.id, **session
    )  # not the reporter's
    with pytest.raises(CommandIdReused):
        system.casebook.disputes.hold_mediation_session(person("mediator"), second.id, **session)
    assert history(system, first.id) == ["Reported", "MediationSessionHeld"]
    assert history(system, second.id) == ["Reported"]


def test_a_refused_command_writes_nothing(system: System):
    dispute = report(system)
    system.casebook.disputes.reach_agreement(
        person("mediator"), dispute.id, form=AgreementForm.ORAL, terms="ok"
    )
    before = head(system)
    with pytest.raises(TransitionNotAllowed) as refusal:
        system.casebook.disputes.escalate(person("mediator"), dispute.id, reason="too late")
    assert refusal.value.state == "agreement_reached"
    assert head(system) == before


def test_two_concurrent_agreements_never_both_succeed(system: System, rival: Interleaved):
    dispute = report(system)
    rival.competitor = lambda: system.casebook.disputes.reach_agreement(
        person("mediator"), dispute.id, form=AgreementForm.ORAL, terms="first"
    )
    with pytest.raises(TransitionNotAllowed) as refusal:
        rival.disputes.reach_agreement(
            person("mediator"), dispute.id, form=AgreementForm.ORAL, terms="second"
        )
    assert refusal.value.state == "agreement_reached"
    assert history(system, dispute.id) == ["Reported", "AgreementReached"]


def test_a_command_on_a_stale_version_is_refused_when_the_caller_pinned_it(
    system: System, rival: Interleaved
):
    dispute = report(system)
    rival.competitor = lambda: system.casebook.disputes.hold_mediation_session(
        person("mediator"), dispute.id, outcome=SessionOutcome.ADJOURNED
    )
    with pytest.raises(StaleVersion) as refusal:
        rival.disputes.hold_mediation_session(
            person("mediator"),
            dispute.id,
            outcome=SessionOutcome.FAILED,
            meta=CommandMeta(expected_version=1),
        )
    assert (refusal.value.expected, refusal.value.actual) == (1, 2)
    assert history(system, dispute.id) == ["Reported", "MediationSessionHeld"]


def test_a_concurrent_change_that_still_allows_the_command_is_decided_again_and_kept(
    system: System, rival: Interleaved
):
    dispute = report(system)
    rival.competitor = lambda: system.casebook.disputes.hold_mediation_session(
        person("mediator"), dispute.id, outcome=SessionOutcome.ADJOURNED
    )
    rival.disputes.hold_mediation_session(person("mediator"), dispute.id, outcome=SessionOutcome.FAILED)
    assert history(system, dispute.id) == ["Reported", "MediationSessionHeld", "MediationSessionHeld"]
    assert system.casebook.disputes.get(None, dispute.id).sessions == 2


def test_the_deadline_escalation_appends_once_however_often_it_runs(system: System):
    dispute = report(system)
    keeper = system.casebook.keepers["dispute"]
    [clock] = keeper.sync(dispute.id, 0).clocks
    assert clock.due_at == dispute.reported_at + timedelta(hours=24)
    for _ in range(3):
        keeper.due(dispute.id, 0, clock.key, None)
    escalated = system.casebook.disputes.get(None, dispute.id)
    assert escalated.level == Level.VILLAGE and escalated.level_since == clock.due_at
    assert history(system, dispute.id) == ["Reported", "Escalated"]
    _, events = system.casebook.disputes.with_history(person("auditor"), dispute.id)
    assert events[-1].actor == "system:deadline"
    assert events[-1].reason == "not resolved at grid level within 24 hours"
    missed = system.casebook.deadlines.clocks("dispute", dispute.id).clock(clock.key)
    assert (missed.status, missed.outcome) == ("missed", "escalated to village level")


def test_the_deadline_leaves_a_resolved_dispute_alone(system: System):
    dispute = report(system)
    keeper = system.casebook.keepers["dispute"]
    [clock] = keeper.sync(dispute.id, 0).clocks
    system.casebook.disputes.reach_agreement(
        person("grid_member"), dispute.id, form=AgreementForm.ORAL, terms="ok"
    )
    keeper.due(dispute.id, 0, clock.key, None)
    assert history(system, dispute.id) == ["Reported", "AgreementReached"]
    stopped = system.casebook.deadlines.clocks("dispute", dispute.id).clock(clock.key)
    assert (stopped.status, stopped.outcome) == ("stopped", "met: agreement reached at grid level")


def test_a_time_in_the_future_is_refused(system: System):
    dispute = report(system)
    with pytest.raises(InvalidValue) as refusal:
        system.casebook.disputes.hold_mediation_session(
            person("mediator"),
            dispute.id,
            outcome=SessionOutcome.ADJOURNED,
            meta=CommandMeta(effective_at=system.casebook.clock() + timedelta(hours=1)),
        )
    assert refusal.value.field == "effective_at"

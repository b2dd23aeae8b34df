"""Given / when / then for aggregates: past events in, new events or a named error out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.disputes.dispute import (
    AgreementForm,
    Category,
    Dispute,
    EscalationTrigger,
    Remedy,
    SessionOutcome,
    Severity,
    Source,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
Step = Callable[[Dispute | None], Dispute]
_ids = iter(range(1, 1_000_000))


def stamp(actor: str = "wang-fang", at: datetime | None = None) -> dict[str, Any]:
    return {"actor": actor, "effective_at": at or T0 + timedelta(hours=1), "command_id": f"c{next(_ids)}"}


def reported(severity: Severity = Severity.MINOR, at: datetime = T0, **facts: Any) -> Step:
    def step(_: Dispute | None) -> Dispute:
        return Dispute.report(
            **{
                "village": "v",
                "grid": "g",
                "parties": [{"name": "Zhang San"}, {"name": "Li Si"}],
                "category": Category.NEIGHBOURHOOD,
                "severity": severity,
                "description": "fence moved",
                "occurred_at": at - timedelta(days=1),
                "source": Source.GRID_MEMBER,
                "source_ref": None,
                "actor": "wang-fang",
                "effective_at": at,
                "command_id": f"c{next(_ids)}",
                **facts,
            }
        )

    return step


def _on(call: Callable[[Dispute], None]) -> Step:
    def step(dispute: Dispute | None) -> Dispute:
        assert dispute is not None
        call(dispute)
        return dispute

    return step


def mediated(outcome: SessionOutcome = SessionOutcome.ADJOURNED) -> Step:
    return _on(
        lambda d: d.hold_mediation_session(mediator="li-ming", outcome=outcome, notes="", **stamp("li-ming"))
    )


def agreed(form: AgreementForm = AgreementForm.ORAL) -> Step:
    return _on(lambda d: d.reach_agreement(form=form, terms="fence back", **stamp("li-ming")))


def escalated() -> Step:
    return _on(
        lambda d: d.escalate(
            reason="needs the committee", trigger=EscalationTrigger.MANUAL, **stamp("li-ming")
        )
    )


def closed() -> Step:
    return _on(lambda d: d.close(reason="done", remedies_told=[Remedy.LITIGATION], **stamp("li-ming")))


def recorded(*steps: Step) -> list[Any]:
    """The events the steps record, in order."""
    dispute: Dispute | None = None
    for step in steps:
        dispute = step(dispute)
    assert dispute is not None
    return list(dispute.collect_events())


def given(*steps: Step) -> Dispute:
    """Records the steps' events, then rebuilds the dispute from those events alone."""
    replayed: Dispute | None = None
    for event in recorded(*steps):
        replayed = event.mutate(replayed)
    assert replayed is not None
    return replayed


def then(dispute: Dispute) -> list[Any]:
    """The events the command under test recorded."""
    return list(dispute.collect_events())


def accepted() -> Step:
    return _on(lambda d: d.accept(**stamp("li-ming")))


def signed(*parties: str) -> Step:
    def sign(d: Dispute) -> None:
        for party in parties:
            d.sign_agreement(party=party, **stamp("li-ming"))

    return _on(sign)


def sealed() -> Step:
    return _on(lambda d: d.seal_agreement(committee="v", **stamp("he-ping")))


def failed() -> Step:
    return mediated(SessionOutcome.FAILED)

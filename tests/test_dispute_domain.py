"""The dispute's rules: given past events, when a command, then new events or a named error."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.disputes.dispute import (
    AgreementForm,
    Dispute,
    EscalationTrigger,
    Level,
    Remedy,
    SessionOutcome,
    Status,
)
from domain.errors import InvalidValue, TransitionNotAllowed
from tests.dsl import (
    T0,
    agreed,
    closed,
    escalated,
    given,
    mediated,
    recorded,
    reported,
    stamp,
    then,
)


def test_a_reported_dispute_is_open_at_grid_level_from_its_report_time():
    dispute = given(reported())
    assert (dispute.status, dispute.level, dispute.level_since) == (Status.OPEN, Level.GRID, T0)
    assert dispute.reported_by == "wang-fang"


def test_a_report_with_one_party_is_refused_naming_the_field():
    with pytest.raises(InvalidValue) as refusal:
        given(reported(parties=[{"name": "Zhang San"}]))
    assert refusal.value.field == "parties"


def test_a_report_of_something_that_has_not_happened_yet_is_refused():
    with pytest.raises(InvalidValue) as refusal:
        given(reported(occurred_at=T0 + timedelta(hours=2)))
    assert refusal.value.field == "occurred_at"


def test_a_mediation_session_is_recorded_with_its_level_mediator_and_outcome():
    dispute = given(reported())
    dispute.hold_mediation_session(
        mediator="li-ming", outcome=SessionOutcome.ADJOURNED, notes="x", **stamp("li-ming")
    )
    [event] = then(dispute)
    assert isinstance(event, Dispute.MediationSessionHeld)
    assert (event.level, event.mediator, event.outcome, event.actor) == (
        "grid",
        "li-ming",
        "adjourned",
        "li-ming",
    )


def test_a_failed_session_leaves_the_dispute_unresolved_and_open_to_escalation():
    dispute = given(reported(), mediated(SessionOutcome.FAILED))
    assert dispute.status == Status.MEDIATION_FAILED
    assert not dispute.is_resolved
    assert "escalate" in dispute.allowed_actions()


def test_an_oral_agreement_resolves_the_dispute_at_once():
    dispute = given(reported(), mediated())
    dispute.reach_agreement(form=AgreementForm.ORAL, terms="fence back", **stamp("li-ming"))
    assert dispute.is_resolved and dispute.agreement_in_effect_since == T0 + timedelta(hours=1)


def test_a_written_agreement_resolves_the_dispute_only_once_every_party_signed_and_it_is_sealed():
    dispute = given(reported(), mediated())
    dispute.reach_agreement(form=AgreementForm.WRITTEN, terms="pay 200 yuan", **stamp("li-ming"))
    [event] = then(dispute)
    assert isinstance(event, Dispute.AgreementReached)
    assert not dispute.is_resolved and dispute.agreement_pending
    assert dispute.agreement == {
        "form": "written",
        "terms": "pay 200 yuan",
        "level": "grid",
        "reached_at": event.effective_at,
        "signed_by": [],
        "sealed": False,
        "in_effect_since": None,
    }
    dispute.sign_agreement(party="p1", **stamp("li-ming"))
    dispute.sign_agreement(party="p2", **stamp("li-ming"))
    assert not dispute.is_resolved
    dispute.seal_agreement(committee="qiaotou", **stamp("li-ming"))
    assert dispute.is_resolved and not dispute.agreement_pending


def test_an_agreement_on_a_closed_dispute_is_refused_with_the_current_state():
    dispute = given(reported(), agreed(), closed())
    with pytest.raises(TransitionNotAllowed) as refusal:
        dispute.reach_agreement(form=AgreementForm.ORAL, terms="again", **stamp())
    assert refusal.value.state == "closed"
    assert refusal.value.allowed == ["convert_to_criminal_case", "reopen"]
    assert then(dispute) == []


def test_an_agreement_without_terms_is_refused():
    dispute = given(reported())
    with pytest.raises(InvalidValue) as refusal:
        dispute.reach_agreement(form=AgreementForm.ORAL, terms="  ", **stamp())
    assert refusal.value.field == "terms"
    assert then(dispute) == []


def test_escalation_goes_one_level_up_and_says_whether_a_first_mediation_was_held():
    dispute = given(reported(), mediated())
    dispute.escalate(reason="beyond the grid", trigger=EscalationTrigger.MANUAL, **stamp("li-ming"))
    [event] = then(dispute)
    assert (event.from_level, event.to_level, event.mediated_at_level) == ("grid", "village", True)
    assert dispute.level == Level.VILLAGE and dispute.status == Status.OPEN


def test_a_first_mediation_is_counted_per_level():
    dispute = given(reported(), mediated(), escalated())
    dispute.escalate(reason="beyond the village", trigger=EscalationTrigger.MANUAL, **stamp("li-ming"))
    [event] = then(dispute)
    assert (event.from_level, event.to_level, event.mediated_at_level) == ("village", "township", False)


def test_the_township_is_the_top_of_the_ladder():
    dispute = given(reported(), escalated(), escalated())
    with pytest.raises(TransitionNotAllowed) as refusal:
        dispute.escalate(reason="further", trigger=EscalationTrigger.MANUAL, **stamp())
    assert "top of the ladder" in str(refusal.value)
    assert "escalate" not in dispute.allowed_actions()


def test_closing_after_an_agreement_records_that_it_closed_with_one():
    dispute = given(reported(), agreed())
    dispute.close(reason="follow-up done", **stamp("li-ming"))
    [event] = then(dispute)
    assert event.with_agreement is True and dispute.status == Status.CLOSED


def test_closing_after_failed_mediation_records_no_agreement():
    dispute = given(reported(), mediated(SessionOutcome.FAILED))
    dispute.close(reason="parties told of litigation", remedies_told=[Remedy.LITIGATION], **stamp("li-ming"))
    [event] = then(dispute)
    assert event.with_agreement is False and event.remedies_told == ["litigation"]


def test_an_open_dispute_cannot_be_closed_before_it_is_settled_or_mediation_failed():
    dispute = given(reported())
    with pytest.raises(TransitionNotAllowed) as refusal:
        dispute.close(reason="", **stamp())
    assert refusal.value.state == "open"
    assert "close" not in refusal.value.allowed


def test_nothing_takes_effect_before_the_dispute_was_reported():
    dispute = given(reported())
    with pytest.raises(InvalidValue) as refusal:
        dispute.hold_mediation_session(
            mediator="li-ming",
            outcome=SessionOutcome.ADJOURNED,
            notes="",
            **stamp(at=T0 - timedelta(minutes=1)),
        )
    assert refusal.value.field == "effective_at"
    assert then(dispute) == []


def test_every_event_carries_actor_business_time_and_command_id():
    events = recorded(reported(), mediated(), agreed(), closed())
    assert [type(e).__name__ for e in events] == [
        "Reported",
        "MediationSessionHeld",
        "AgreementReached",
        "Closed",
    ]
    for event in events:
        assert event.actor and event.effective_at and event.command_id


def test_an_agreement_is_never_dated_before_the_session_it_follows():
    dispute = given(reported(), mediated())  # the session at T0 + 1 h
    with pytest.raises(InvalidValue) as refusal:
        dispute.reach_agreement(
            form=AgreementForm.ORAL, terms="fence back", **stamp("li-ming", T0 + timedelta(minutes=30))
        )
    assert refusal.value.field == "effective_at"
    assert "before the mediation session it follows" in refusal.value.reason
    dispute.reach_agreement(
        form=AgreementForm.ORAL, terms="fence back", **stamp("li-ming", T0 + timedelta(hours=1))
    )


def test_a_signature_or_a_seal_is_never_dated_before_the_agreement():
    dispute = given(reported(), mediated(), agreed(AgreementForm.WRITTEN))  # reached at T0 + 1 h
    early = T0 + timedelta(minutes=59)
    with pytest.raises(InvalidValue) as refusal:
        dispute.sign_agreement(party="p1", **stamp("li-ming", early))
    assert (
        refusal.value.field == "effective_at" and "before the agreement was reached" in refusal.value.reason
    )
    for party in ("p1", "p2"):
        dispute.sign_agreement(party=party, **stamp("li-ming"))
    with pytest.raises(InvalidValue):
        dispute.seal_agreement(committee="v", **stamp("he-ping", early))
    dispute.seal_agreement(committee="v", **stamp("he-ping"))

"""The rest of the dispute's lifecycle: given past events, when a command, then new events or
the named refusal — and a refusal records nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.disputes.dispute import (
    AgreementForm,
    Dispute,
    Level,
    Performance,
    ReferralRoute,
    Remedy,
    Satisfaction,
    SessionOutcome,
    Severity,
    Source,
    Status,
)
from domain.errors import InvalidValue, TransitionNotAllowed
from tests.dsl import (
    T0,
    accepted,
    agreed,
    closed,
    escalated,
    failed,
    given,
    mediated,
    reported,
    sealed,
    signed,
    stamp,
    then,
)

WRITTEN = AgreementForm.WRITTEN
PARTIES = ("p1", "p2")  # Zhang San and Li Si, by their ids in the dispute


def refused(dispute: Dispute, error: type[Exception], call, **match: object) -> Exception:
    with pytest.raises(error) as refusal:
        call(dispute)
    for name, value in match.items():
        assert getattr(refusal.value, name) == value
    assert then(dispute) == [], "a refused command records nothing"
    return refusal.value


# -- reporting and acceptance ---------------------------------------------------------------


def test_a_dispute_reported_to_a_village_starts_at_village_level_and_must_be_accepted_first():
    dispute = given(reported(grid=None))
    assert (dispute.level, dispute.grid) == (Level.VILLAGE, None)
    refused(
        dispute,
        TransitionNotAllowed,
        lambda d: d.hold_mediation_session(
            mediator="li-ming", outcome=SessionOutcome.ADJOURNED, notes="", **stamp()
        ),
        state="open at village level",
    )
    dispute.accept(**stamp("li-ming"))
    [event] = then(dispute)
    assert isinstance(event, Dispute.Accepted) and event.level == "village"


def test_a_dispute_is_accepted_once_per_level():
    dispute = given(reported(), accepted())
    refused(dispute, TransitionNotAllowed, lambda d: d.accept(**stamp()), state="accepted")
    assert "accept" in given(reported(), accepted(), escalated()).allowed_actions()


def test_a_patrol_or_a_referral_must_name_what_it_came_from():
    with pytest.raises(InvalidValue) as refusal:
        given(reported(source=Source.POLICE_REFERRAL))
    assert refusal.value.field == "source_ref"
    dispute = given(reported(source=Source.PATROL, source_ref="shift-7"))
    assert (dispute.source, dispute.source_ref) == (Source.PATROL, "shift-7")


# -- mediation -------------------------------------------------------------------------------


def test_a_party_who_refuses_mediation_ends_it():
    dispute = given(reported(), accepted())
    dispute.refuse_mediation(party="p2", reason="will sue", **stamp("li-ming"))
    [event] = then(dispute)
    assert (event.party_id, event.party, dispute.status) == ("p2", "Li Si", Status.MEDIATION_FAILED)
    refused(
        dispute,
        TransitionNotAllowed,
        lambda d: d.hold_mediation_session(
            mediator="li-ming", outcome=SessionOutcome.ADJOURNED, notes="", **stamp()
        ),
        state="mediation_failed",
    )


def test_only_a_party_can_refuse():
    dispute = given(reported())
    refused(
        dispute,
        InvalidValue,
        lambda d: d.refuse_mediation(party="Li Si", reason="", **stamp()),
        field="party",
    )


# -- written agreements ----------------------------------------------------------------------


def test_a_written_agreement_takes_effect_when_every_party_signed_and_the_committee_sealed():
    dispute = given(reported(), agreed(WRITTEN), signed(*PARTIES))
    assert dispute.agreement_in_effect_since is None
    dispute.seal_agreement(committee="v", **stamp("he-ping"))
    [event] = then(dispute)
    assert isinstance(event, Dispute.AgreementSealed)
    assert dispute.agreement_in_effect_since == event.effective_at


def test_a_seal_before_every_party_signed_is_refused_naming_who_has_not():
    dispute = given(reported(), agreed(WRITTEN), signed("p1"))
    error = refused(dispute, TransitionNotAllowed, lambda d: d.seal_agreement(committee="v", **stamp()))
    assert "not yet signed by p2" in str(error)


def test_signatures_are_by_parties_once_each_and_before_the_seal():
    dispute = given(reported(), agreed(WRITTEN), signed("p1"))
    refused(dispute, InvalidValue, lambda d: d.sign_agreement(party="p3", **stamp()), field="party")
    assert "already signed" in str(
        refused(dispute, InvalidValue, lambda d: d.sign_agreement(party="p1", **stamp()), field="party")
    )
    sealed_one = given(reported(), agreed(WRITTEN), signed(*PARTIES), sealed())
    assert "already sealed" in str(
        refused(sealed_one, TransitionNotAllowed, lambda d: d.seal_agreement(committee="v", **stamp()))
    )


def test_two_parties_of_one_name_each_sign_before_the_agreement_can_be_sealed():
    namesakes = [{"name": "张三"}, {"name": "张三 "}]
    dispute = given(reported(parties=namesakes), agreed(WRITTEN), signed("p1"))
    assert [(p["id"], p["name"]) for p in dispute.parties] == [("p1", "张三"), ("p2", "张三")]
    assert dispute.unsigned_parties() == ["p2"]
    assert "not yet signed by p2" in str(
        refused(dispute, TransitionNotAllowed, lambda d: d.seal_agreement(committee="v", **stamp()))
    )
    dispute.sign_agreement(party="p2", **stamp("li-ming"))
    dispute.seal_agreement(committee="v", **stamp("he-ping"))
    assert dispute.agreement_in_effect_since is not None and dispute.agreement["signed_by"] == ["p1", "p2"]


def test_a_party_without_a_name_is_refused():
    with pytest.raises(InvalidValue) as refusal:
        given(reported(parties=[{"name": "Zhang San"}, {"name": "   "}]))
    assert refusal.value.field == "parties[1].name"


def test_a_party_identity_number_is_normalised_and_one_person_is_not_two_parties():
    number = "11010519491231002x"
    dispute = given(reported(parties=[{"name": "Zhang San", "id_number": number}, {"name": "Li Si"}]))
    assert dispute.parties[0] == {"id": "p1", "name": "Zhang San", "id_number": number.upper()}
    with pytest.raises(InvalidValue) as refusal:
        given(
            reported(parties=[{"name": "张三", "id_number": number}, {"name": "张三", "id_number": number}])
        )
    assert refusal.value.field == "parties[1].id_number" and number not in str(refusal.value)


def test_an_oral_agreement_is_in_effect_at_once_and_has_nothing_to_sign():
    dispute = given(reported(), agreed(AgreementForm.ORAL))
    assert dispute.agreement_in_effect_since is not None
    refused(dispute, TransitionNotAllowed, lambda d: d.sign_agreement(party="p2", **stamp()))


# -- after an agreement ----------------------------------------------------------------------


def test_a_follow_up_visit_needs_the_agreement_in_effect():
    pending = given(reported(), agreed(WRITTEN))
    refused(
        pending,
        TransitionNotAllowed,
        lambda d: d.make_follow_up_visit(
            performance=Performance.FULLY, satisfaction=Satisfaction.SATISFIED, notes="", **stamp()
        ),
    )
    dispute = given(reported(), agreed(WRITTEN), signed(*PARTIES), sealed())
    dispute.make_follow_up_visit(
        performance=Performance.PARTLY,
        satisfaction=Satisfaction.BASICALLY_SATISFIED,
        notes="half paid",
        **stamp("li-ming"),
    )
    assert [(v["performance"], v["satisfaction"]) for v in dispute.follow_ups] == [
        ("partly", "basically_satisfied")
    ]


def test_judicial_confirmation_is_for_a_written_agreement_within_30_days_once():
    oral = given(reported(), agreed(AgreementForm.ORAL))
    assert "only a written agreement" in str(
        refused(
            oral,
            TransitionNotAllowed,
            lambda d: d.request_judicial_confirmation(court="Anping court", **stamp()),
        )
    )
    dispute = given(reported(), agreed(WRITTEN), signed(*PARTIES), sealed())
    in_effect = dispute.agreement_in_effect_since
    late = stamp(at=in_effect + timedelta(days=31))
    assert "30-day window" in str(
        refused(
            dispute,
            TransitionNotAllowed,
            lambda d: d.request_judicial_confirmation(court="Anping court", **late),
        )
    )
    refused(
        dispute,
        InvalidValue,
        lambda d: d.request_judicial_confirmation(court=" ", **stamp(at=in_effect)),
        field="court",
    )
    dispute.request_judicial_confirmation(court="Anping court", **stamp(at=in_effect + timedelta(days=30)))
    assert then(dispute)[0].court == "Anping court"
    assert "already requested" in str(
        refused(
            dispute,
            TransitionNotAllowed,
            lambda d: d.request_judicial_confirmation(court="x", **stamp(at=in_effect)),
        )
    )


def test_closing_with_a_written_agreement_not_yet_in_effect_is_refused():
    dispute = given(reported(), agreed(WRITTEN))
    assert "not yet in effect" in str(
        refused(dispute, TransitionNotAllowed, lambda d: d.close(reason="", **stamp()))
    )


def test_closing_after_failed_mediation_requires_the_remedies_told():
    dispute = given(reported(), failed())
    refused(dispute, InvalidValue, lambda d: d.close(reason="", **stamp()), field="remedies_told")
    dispute.close(reason="", remedies_told=[Remedy.ARBITRATION, Remedy.LITIGATION], **stamp("li-ming"))
    assert then(dispute)[0].remedies_told == ["arbitration", "litigation"]


# -- leaving the ladder ----------------------------------------------------------------------


def test_a_referral_names_the_body_and_ends_mediation():
    dispute = given(reported(), accepted())
    refused(
        dispute,
        InvalidValue,
        lambda d: d.refer_out(route=ReferralRoute.ARBITRATION, body="", reason="", **stamp()),
        field="body",
    )
    dispute.refer_out(
        route=ReferralRoute.ARBITRATION, body="Anping labour arbitration", reason="wages", **stamp()
    )
    assert then(dispute)[0].route == "arbitration" and dispute.status == Status.REFERRED_OUT
    assert dispute.allowed_actions() == {"reopen", "convert_to_criminal_case"}


def test_only_a_major_dispute_is_filed_with_the_township_and_only_once():
    minor = given(reported(severity=Severity.MINOR))
    assert "only major disputes" in str(
        refused(minor, TransitionNotAllowed, lambda d: d.file_with_township(township="t", **stamp()))
    )
    major = given(reported(severity=Severity.MAJOR))
    assert "file_with_township" in major.allowed_actions()
    major.file_with_township(township="t", **stamp())
    assert then(major)[0].township == "t" and major.filed_with_township
    assert "file_with_township" not in major.allowed_actions()
    refused(major, TransitionNotAllowed, lambda d: d.file_with_township(township="t", **stamp()))


def test_a_risk_report_names_the_risk_and_the_police_unit():
    dispute = given(reported())
    refused(
        dispute,
        InvalidValue,
        lambda d: d.report_risk_to_police(risk="", police_unit="Dongxi station", **stamp()),
        field="risk",
    )
    refused(
        dispute,
        InvalidValue,
        lambda d: d.report_risk_to_police(risk="threats", police_unit=" ", **stamp()),
        field="police_unit",
    )
    dispute.report_risk_to_police(risk="threats with a knife", police_unit="Dongxi station", **stamp())
    dispute.report_risk_to_police(risk="again", police_unit="Dongxi station", **stamp())
    assert dispute.risk_reports == 2 and dispute.status == Status.OPEN


def test_a_dispute_that_turned_criminal_allows_nothing_more_even_after_closure():
    done = given(reported(), agreed(), closed())
    refused(
        done,
        InvalidValue,
        lambda d: d.convert_to_criminal_case(police_reference=" ", description="", **stamp()),
        field="police_reference",
    )
    done.convert_to_criminal_case(police_reference="AP-17", description="assault", **stamp())
    assert [type(e).__name__ for e in then(done)] == ["ConvertedToCriminalCase"]
    assert done.status == Status.CONVERTED_TO_CRIMINAL and done.allowed_actions() == frozenset()
    refused(
        done, TransitionNotAllowed, lambda d: d.reopen(reason="x", **stamp()), state="converted_to_criminal"
    )


# -- reopening and duplicates ----------------------------------------------------------------


def test_a_reopened_dispute_is_open_again_at_its_level_without_its_old_agreement():
    dispute = given(reported(), accepted(), agreed(), closed())
    refused(dispute, InvalidValue, lambda d: d.reopen(reason=" ", **stamp()), field="reason")
    dispute.reopen(reason="the fence moved again", **stamp())
    [event] = then(dispute)
    assert event.previous_status == "closed"
    assert (dispute.status, dispute.agreement, dispute.accepted_at_level) == (Status.OPEN, None, False)


def test_a_duplicate_is_linked_on_both_streams():
    original, repeat = given(reported()), given(reported())
    repeat.mark_duplicate_of(original, **stamp("li-ming"))
    [marked], [linked] = then(repeat), then(original)
    assert (marked.original, linked.duplicate) == (str(original.id), str(repeat.id))
    assert repeat.status == Status.DUPLICATE and original.duplicates == [str(repeat.id)]


def test_a_dispute_cannot_duplicate_itself_or_a_duplicate():
    dispute = given(reported())
    refused(dispute, InvalidValue, lambda d: d.mark_duplicate_of(d, **stamp()), field="original")
    original, repeat, third = given(reported()), given(reported()), given(reported())
    repeat.mark_duplicate_of(original, **stamp())
    assert "itself a duplicate" in str(
        refused(third, InvalidValue, lambda d: d.mark_duplicate_of(repeat, **stamp()))
    )


def test_a_mediation_session_at_village_level_waits_for_acceptance_after_escalation():
    dispute = given(reported(), mediated(), escalated())
    assert dispute.allowed_actions() >= {"accept", "escalate", "refer_out"}
    assert "hold_mediation_session" not in dispute.allowed_actions()
    assert given(reported(at=T0)).level_since == T0

"""The petition's rules: given past events, when a command, then new events or a named error."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.directory.jurisdiction import NodeKind
from domain.errors import InvalidValue, TransitionNotAllowed
from domain.petitions.petition import (
    WITHHELD,
    AcceptanceDecision,
    Channel,
    LegalProcedure,
    Level,
    Opinion,
    Petition,
    PetitionType,
    Status,
    identity_number,
    is_leapfrog,
    replay,
    withhold_secrets,
)
from domain.petitions.petitioner import Petitioner, Standing, petitioner_id
from tests.petition_dsl import (
    ACCEPTED_AT,
    LI,
    OBJECTION_CLOSES,
    OPINION_AT,
    RE_REVIEW_CLOSES,
    REVIEW_CLOSES,
    REVIEW_REQUESTED_AT,
    REVIEWED_AT,
    ROUTED_AT,
    T0,
    ZHANG,
    answered,
    decided,
    extended,
    given,
    hearing_ended,
    hearing_started,
    opinion_given,
    re_review_requested,
    recorded,
    registered,
    review_requested,
    reviewed,
    routed,
    stamp,
    then,
)

KEY = b"a test key for petitioner ids, 32+ bytes"

FIVE = [{"name": f"Rep {i}"} for i in range(1, 6)]


# -- registration -----------------------------------------------------------------------------


def test_a_registered_petition_records_its_channel_type_petitioner_and_registrar():
    petition = given(registered())
    assert (petition.status, petition.channel, petition.type) == (
        Status.REGISTERED,
        Channel.LETTER,
        PetitionType.COMPLAINT,
    )
    assert petition.petitioner == ZHANG
    assert (petition.registered_by, petition.registered_at, petition.status_since) == ("qian-dong", T0, T0)
    assert petition.allowed_actions() == {"route"}


def test_an_oral_petition_keeps_the_petitioners_words_exactly_as_said():
    words = "  They took my land.\n  Nobody   paid me, not one fen!  "
    petition = given(registered(channel=Channel.VISIT, content=words))
    assert petition.oral is True
    assert petition.content == words


def test_a_letter_is_written_unless_the_registrar_says_it_was_oral():
    assert given(registered()).oral is False
    assert given(registered(channel=Channel.FAX, oral=True)).oral is True
    assert given(registered(channel=Channel.PHONE)).oral is True


def test_a_petition_without_content_is_refused_naming_the_field():
    with pytest.raises(InvalidValue) as refusal:
        given(registered(content=" \n "))
    assert refusal.value.field == "content"


def test_a_petitioner_without_a_name_is_refused():
    with pytest.raises(InvalidValue) as refusal:
        given(registered(petitioner={**ZHANG, "name": " "}))
    assert refusal.value.field == "petitioner.name"


def test_an_identity_number_with_a_wrong_check_digit_is_refused_without_repeating_it():
    wrong = ZHANG["id_number"][:17] + ("0" if ZHANG["id_number"][17] != "0" else "1")
    with pytest.raises(InvalidValue) as refusal:
        given(registered(petitioner={**ZHANG, "id_number": wrong}))
    assert refusal.value.field == "petitioner.id_number"
    assert "check digit" in refusal.value.reason
    assert wrong not in str(refusal.value)


def test_an_identity_number_of_the_wrong_shape_is_refused():
    for bad in ("", "12345", "1101051980010100AB"):
        with pytest.raises(InvalidValue, match="17 digits and a check digit"):
            identity_number(bad)


def test_an_identity_number_is_normalised_and_the_standards_example_is_valid():
    assert identity_number("110105 19491231 002x") == "11010519491231002X"
    assert (
        given(registered(petitioner={**ZHANG, "id_number": ZHANG["id_number"].lower()})).petitioner == ZHANG
    )


def test_a_matter_is_normalised_so_that_the_same_words_name_the_same_matter():
    assert given(registered(matter="  ROAD\u3000 Compensation ")).matter == "road compensation"
    with pytest.raises(InvalidValue) as refusal:
        given(registered(matter="  "))
    assert refusal.value.field == "matter"


def test_a_petition_concerns_a_village_or_a_township():
    assert given(registered(node="t", node_kind=NodeKind.TOWNSHIP)).proper_level == Level.TOWNSHIP
    with pytest.raises(InvalidValue, match="concerns a village or township, not a county") as refusal:
        given(registered(node="c", node_kind=NodeKind.COUNTY))
    assert refusal.value.field == "node"


def test_at_least_one_person_petitions():
    with pytest.raises(InvalidValue) as refusal:
        given(registered(people_count=0))
    assert refusal.value.field == "people_count"


def test_a_group_petition_of_five_or_more_names_its_representatives():
    petition = given(registered(people_count=30, representatives=FIVE[:2]))
    assert petition.group is True
    assert petition.representatives == [{"name": "Rep 1"}, {"name": "Rep 2"}]
    assert "name_representative" in petition.allowed_actions()


def test_a_group_petition_without_representatives_is_refused():
    with pytest.raises(InvalidValue, match="chooses 1 to 5 representatives") as refusal:
        given(registered(people_count=5))
    assert refusal.value.field == "representatives"


def test_a_sixth_representative_at_registration_is_refused_citing_article_20():
    with pytest.raises(InvalidValue, match=r"1 to 5 representatives \(Art. 20\); 6 were named") as refusal:
        given(registered(people_count=40, representatives=[*FIVE, {"name": "Rep 6"}]))
    assert refusal.value.field == "representatives"


def test_fewer_than_five_people_choose_no_representatives():
    with pytest.raises(InvalidValue, match="only a group petition") as refusal:
        given(registered(people_count=4, representatives=FIVE[:1]))
    assert refusal.value.field == "representatives"
    assert given(registered(people_count=4)).group is False


def test_a_representatives_identity_number_is_checked_too():
    with pytest.raises(InvalidValue) as refusal:
        given(registered(people_count=6, representatives=[{"name": "Rep 1", "id_number": "123"}]))
    assert refusal.value.field == "representatives[0].id_number"


def test_a_petition_brought_by_an_agent_names_the_agent():
    with pytest.raises(InvalidValue) as refusal:
        given(registered(channel=Channel.VIA_AGENT))
    assert refusal.value.field == "agent"
    assert given(registered(channel=Channel.VIA_AGENT, agent="qian-dong")).agent == "qian-dong"


def test_only_an_accusation_names_an_accused_person():
    with pytest.raises(InvalidValue) as refusal:
        given(registered(accused_person_id="fang-jun"))
    assert refusal.value.field == "accused_person_id"
    accusation = given(registered(type=PetitionType.ACCUSATION, accused_person_id="fang-jun"))
    assert accusation.accused_person_id == "fang-jun"


@pytest.mark.parametrize(
    ("channel", "node_kind", "reached", "leapfrog"),
    [
        (Channel.VISIT, NodeKind.VILLAGE, Level.VILLAGE, False),
        (Channel.VISIT, NodeKind.VILLAGE, Level.TOWNSHIP, False),
        (Channel.VISIT, NodeKind.VILLAGE, Level.COUNTY, True),
        (Channel.VISIT, NodeKind.TOWNSHIP, Level.COUNTY, False),
        (Channel.VISIT, NodeKind.TOWNSHIP, Level.CITY, True),
        (Channel.VISIT, NodeKind.TOWNSHIP, Level.NATIONAL, True),
        (Channel.LETTER, NodeKind.VILLAGE, Level.PROVINCE, False),
        (Channel.VIA_AGENT, NodeKind.VILLAGE, Level.COUNTY, False),
    ],
)
def test_a_visit_more_than_one_level_above_the_proper_level_is_flagged_leapfrog(
    channel, node_kind, reached, leapfrog
):
    petition = given(
        registered(channel=channel, agent="qian-dong", node_kind=node_kind, reached_level=reached)
    )
    assert (petition.reached_level, petition.leapfrog) == (reached, leapfrog)


def test_the_leapfrog_rule_is_one_function_of_channel_and_levels():
    assert is_leapfrog(Channel.VISIT, Level.PROVINCE, Level.CITY) is False
    assert is_leapfrog(Channel.VISIT, Level.PROVINCE, Level.COUNTY) is True


def test_a_repeat_names_the_petition_it_repeats():
    assert given(registered(repeat_of="earlier-id")).repeat_of == "earlier-id"


# -- representatives --------------------------------------------------------------------------


def test_a_group_petition_names_another_representative():
    petition = given(registered(people_count=12, representatives=FIVE[:4]))
    petition.name_representative(
        representative={"name": " Rep 5 ", "phone": "+86 139 0000 0005"}, **stamp("qian-dong")
    )
    [event] = then(petition)
    assert isinstance(event, Petition.RepresentativeNamed)
    assert event.representative == {"name": "Rep 5", "phone": "+86 139 0000 0005"}
    assert len(petition.representatives) == 5
    assert "name_representative" not in petition.allowed_actions()


def test_a_sixth_representative_is_refused_with_the_reason():
    petition = given(registered(people_count=12, representatives=FIVE))
    with pytest.raises(
        TransitionNotAllowed, match="at most 5 representatives .Art. 20.: a sixth is refused"
    ) as refusal:
        petition.name_representative(representative={"name": "Rep 6"}, **stamp("qian-dong"))
    assert refusal.value.state == "registered, with 5 representatives"
    assert then(petition) == []


def test_a_petition_of_fewer_than_five_has_no_representatives_to_name():
    petition = given(registered(people_count=3))
    with pytest.raises(TransitionNotAllowed, match="only a group petition"):
        petition.name_representative(representative={"name": "Rep 1"}, **stamp("qian-dong"))


def test_a_representative_without_a_name_is_refused():
    petition = given(registered(people_count=12, representatives=FIVE[:1]))
    with pytest.raises(InvalidValue) as refusal:
        petition.name_representative(representative={"name": ""}, **stamp("qian-dong"))
    assert refusal.value.field == "representative.name"


# -- routing and acceptance -------------------------------------------------------------------


def test_routing_sends_the_petition_to_a_receiving_body():
    petition = given(registered())
    petition.route(to_node="t", to_level=Level.TOWNSHIP, **stamp("qian-dong", ROUTED_AT))
    [event] = then(petition)
    assert (event.to_node, event.to_level) == ("t", "township")
    assert (petition.status, petition.routed_to, petition.status_since) == (Status.ROUTED, "t", ROUTED_AT)
    assert petition.allowed_actions() == {"decide_acceptance", "divert"}


def test_an_accepted_petition_is_not_routed_again():
    petition = given(registered(), routed(), decided())
    with pytest.raises(TransitionNotAllowed) as refusal:
        petition.route(to_node="c", to_level=Level.COUNTY, **stamp("qian-dong"))
    assert refusal.value.state == "accepted"


def test_the_receiving_body_accepts_the_petition():
    petition = given(registered(), routed())
    petition.decide_acceptance(decision=AcceptanceDecision.ACCEPTED, reason="", **stamp(at=ACCEPTED_AT))
    [event] = then(petition)
    assert (event.decision, event.body) == ("accepted", "t")
    assert petition.status == Status.ACCEPTED and petition.in_progress
    assert petition.allowed_actions() == {"divert", "give_opinion", "extend_handling", "start_hearing"}


def test_a_petition_not_accepted_says_why_and_ends():
    petition = given(registered(), routed())
    petition.decide_acceptance(
        decision=AcceptanceDecision.NOT_ACCEPTED, reason="already decided by a court", **stamp()
    )
    assert petition.status == Status.NOT_ACCEPTED
    assert petition.acceptance["reason"] == "already decided by a court"
    assert petition.allowed_actions() == frozenset()


def test_not_accepting_or_objecting_without_a_reason_is_refused():
    for decision in (AcceptanceDecision.NOT_ACCEPTED, AcceptanceDecision.OBJECTED):
        petition = given(registered(), routed())
        with pytest.raises(InvalidValue) as refusal:
            petition.decide_acceptance(
                decision=decision,
                reason=" ",
                objection_window_closes=OBJECTION_CLOSES,
                **stamp(at=ACCEPTED_AT),
            )
        assert refusal.value.field == "reason"
        assert then(petition) == []


def test_an_objecting_body_sends_the_petition_back_for_routing_elsewhere():
    petition = given(registered(), routed(to="t"), decided(AcceptanceDecision.OBJECTED))
    assert (petition.status, petition.routed_to) == (Status.OBJECTED, None)
    assert petition.objections[0]["body"] == "t"
    with pytest.raises(InvalidValue, match="t objected to this petition on 2026-03-04") as refusal:
        petition.route(to_node="t", to_level=Level.TOWNSHIP, **stamp("qian-dong"))
    assert refusal.value.field == "to_node"
    petition.route(to_node="c", to_level=Level.COUNTY, **stamp("qian-dong"))
    assert (petition.status, petition.routed_to) == (Status.ROUTED, "c")


def test_the_receiving_body_objects_within_its_window_even_on_its_last_moment():
    petition = given(registered(), routed())
    petition.decide_acceptance(
        decision=AcceptanceDecision.OBJECTED,
        reason="not ours",
        objection_window_closes=OBJECTION_CLOSES,
        **stamp(at=OBJECTION_CLOSES),
    )
    assert then(petition)[0].decision == "objected"


def test_an_objection_after_the_window_closed_is_refused_saying_when_it_closed():
    petition = given(registered(), routed())
    late = OBJECTION_CLOSES + timedelta(seconds=1)
    with pytest.raises(
        TransitionNotAllowed, match="window to object closed on 2026-03-10T09:00:00.00:00 .Art. 23."
    ) as refusal:
        petition.decide_acceptance(
            decision=AcceptanceDecision.OBJECTED,
            reason="not ours",
            objection_window_closes=OBJECTION_CLOSES,
            **stamp(at=late),
        )
    assert refusal.value.state == "routed"
    assert then(petition) == []
    petition.decide_acceptance(decision=AcceptanceDecision.ACCEPTED, reason="", **stamp(at=late))
    assert petition.status == Status.ACCEPTED


def test_a_matter_accepted_and_in_progress_elsewhere_is_not_accepted_again():
    petition = given(registered(), routed())
    elsewhere = {"petition_id": "first-petition", "since": T0 - timedelta(days=5)}
    with pytest.raises(
        TransitionNotAllowed, match=r"accepted on 2026-02-25 \(petition first-petition\).*Art. 19"
    ):
        petition.decide_acceptance(
            decision=AcceptanceDecision.ACCEPTED, reason="", in_progress_elsewhere=elsewhere, **stamp()
        )
    assert then(petition) == []
    petition.decide_acceptance(
        decision=AcceptanceDecision.NOT_ACCEPTED,
        reason="in progress at the township",
        in_progress_elsewhere=elsewhere,
        **stamp(),
    )
    assert petition.status == Status.NOT_ACCEPTED


def test_acceptance_is_decided_only_once_the_petition_is_routed():
    petition = given(registered())
    with pytest.raises(TransitionNotAllowed) as refusal:
        petition.decide_acceptance(decision=AcceptanceDecision.ACCEPTED, reason="", **stamp())
    assert (refusal.value.state, refusal.value.allowed) == ("registered", ["route"])


# -- diversion --------------------------------------------------------------------------------


@pytest.mark.parametrize("steps", [(registered(), routed()), (registered(), routed(), decided())])
def test_a_complaint_is_diverted_to_a_legal_procedure_and_ends(steps):
    petition = given(*steps)
    petition.divert(
        procedure=LegalProcedure.ARBITRATION,
        body="County Labour Arbitration Commission",
        reason="a wage claim goes to labour arbitration",
        **stamp(),
    )
    [event] = then(petition)
    assert (event.procedure, event.body) == ("arbitration", "County Labour Arbitration Commission")
    assert petition.status == Status.DIVERTED and not petition.in_progress
    assert petition.allowed_actions() == frozenset()


def test_only_a_complaint_is_diverted():
    for kind in (PetitionType.SUGGESTION, PetitionType.ACCUSATION):
        petition = given(registered(type=kind), routed())
        assert "divert" not in petition.allowed_actions()
        with pytest.raises(TransitionNotAllowed, match=f"this is a {kind.value}"):
            petition.divert(procedure=LegalProcedure.LITIGATION, body="court", reason="r", **stamp())


def test_a_diversion_names_the_body_and_the_reason():
    petition = given(registered(), routed())
    with pytest.raises(InvalidValue) as refusal:
        petition.divert(procedure=LegalProcedure.LITIGATION, body=" ", reason="r", **stamp())
    assert refusal.value.field == "body"
    with pytest.raises(InvalidValue) as refusal:
        petition.divert(procedure=LegalProcedure.LITIGATION, body="court", reason="", **stamp())
    assert refusal.value.field == "reason"


# -- extension --------------------------------------------------------------------------------


def test_the_handling_time_is_extended_once_with_approval_and_reason():
    petition = given(registered(), routed(), decided())
    petition.extend_handling(
        days=30, reason="site survey needed", most_days=30, handling_due=None, **stamp("chen-jing")
    )
    [event] = then(petition)
    assert (event.days, event.reason, event.body, event.actor) == (30, "site survey needed", "t", "chen-jing")
    assert petition.extension["approved_by"] == "chen-jing"
    assert "extend_handling" not in petition.allowed_actions()


def test_a_second_extension_is_refused_naming_the_first():
    petition = given(registered(), routed(), decided(), extended(days=10))
    with pytest.raises(
        TransitionNotAllowed,
        match="extended at most once .Art. 34.; it was extended on 2026-03-04 by 10 days",
    ) as refusal:
        petition.extend_handling(days=5, reason="more", most_days=30, handling_due=None, **stamp())
    assert refusal.value.state == "accepted, extended once"
    assert then(petition) == []


@pytest.mark.parametrize(("days", "most"), [(0, 30), (31, 30), (-1, 30), (21, 20)])
def test_an_extension_is_one_day_to_the_most_the_policy_allows(days, most):
    petition = given(registered(), routed(), decided())
    with pytest.raises(InvalidValue, match=f"1 to {most} days") as refusal:
        petition.extend_handling(days=days, reason="survey", most_days=most, handling_due=None, **stamp())
    assert refusal.value.field == "days"


def test_an_extension_gives_its_reason():
    petition = given(registered(), routed(), decided())
    with pytest.raises(InvalidValue) as refusal:
        petition.extend_handling(days=10, reason="", most_days=30, handling_due=None, **stamp())
    assert refusal.value.field == "reason"


def test_an_extension_after_the_handling_time_ran_out_is_refused():
    petition = given(registered(), routed(), decided())
    due = ACCEPTED_AT + timedelta(days=60)
    with pytest.raises(TransitionNotAllowed, match="handling time ran out on 2026-05-03") as refusal:
        petition.extend_handling(
            days=10, reason="late", most_days=30, handling_due=due, **stamp(at=due + timedelta(seconds=1))
        )
    assert refusal.value.state == "accepted, overdue"
    petition.extend_handling(days=10, reason="in time", most_days=30, handling_due=due, **stamp(at=due))
    assert then(petition)[0].days == 10


def test_no_extension_after_the_opinion():
    petition = given(*answered())
    with pytest.raises(TransitionNotAllowed) as refusal:
        petition.extend_handling(days=10, reason="late", most_days=30, handling_due=None, **stamp())
    assert refusal.value.state == "opinion_given"


# -- the handling opinion ---------------------------------------------------------------------


@pytest.mark.parametrize("outcome", list(Opinion))
def test_the_handling_opinion_states_facts_and_legal_basis(outcome):
    petition = given(registered(), routed(), decided())
    petition.give_opinion(
        outcome=outcome, facts="paid in 2019", legal_basis="Art. 48", **stamp(at=OPINION_AT)
    )
    [event] = then(petition)
    assert (event.outcome, event.facts, event.legal_basis, event.body) == (
        outcome.value,
        "paid in 2019",
        "Art. 48",
        "t",
    )
    assert petition.status == Status.OPINION_GIVEN
    assert petition.allowed_actions() == {"request_review", "accept_opinion", "conclude", "deliver_answer"}


def test_an_opinion_without_facts_or_legal_basis_is_refused():
    petition = given(registered(), routed(), decided())
    with pytest.raises(InvalidValue) as refusal:
        petition.give_opinion(outcome=Opinion.SUPPORT, facts="", legal_basis="Art. 48", **stamp())
    assert refusal.value.field == "facts"
    with pytest.raises(InvalidValue) as refusal:
        petition.give_opinion(outcome=Opinion.SUPPORT, facts="paid", legal_basis="  ", **stamp())
    assert refusal.value.field == "legal_basis"


def test_no_opinion_before_acceptance():
    petition = given(registered(), routed())
    with pytest.raises(TransitionNotAllowed) as refusal:
        petition.give_opinion(outcome=Opinion.SUPPORT, facts="f", legal_basis="l", **stamp())
    assert refusal.value.state == "routed"


# -- review and re-review ---------------------------------------------------------------------


def test_a_review_requested_at_the_last_moment_of_the_window_is_recorded():
    petition = given(*answered())
    petition.request_review(
        grounds="the receipt is forged", window_closes=REVIEW_CLOSES, **stamp("qian-dong", REVIEW_CLOSES)
    )
    [event] = then(petition)
    assert event.grounds == "the receipt is forged"
    assert petition.status == Status.REVIEW_REQUESTED
    assert petition.allowed_actions() == {"decide_review", "start_hearing"}


def test_a_review_requested_after_the_window_is_refused_saying_when_it_closed():
    petition = given(*answered())
    with pytest.raises(
        TransitionNotAllowed, match="window to request a review closed on 2026-04-11T09:00:00.00:00, 30 days"
    ) as refusal:
        petition.request_review(
            grounds="late",
            window_closes=REVIEW_CLOSES,
            **stamp("qian-dong", REVIEW_CLOSES + timedelta(seconds=1)),
        )
    assert "request_review" not in refusal.value.allowed
    assert then(petition) == []


def test_the_window_is_the_one_the_desk_gives_not_a_fixed_thirty_days():
    petition = given(*answered())
    rolled_forward = OPINION_AT + timedelta(days=32)  # e.g. the 30th day fell on a weekend
    petition.request_review(
        grounds="g", window_closes=rolled_forward, **stamp("qian-dong", OPINION_AT + timedelta(days=31))
    )
    assert petition.status == Status.REVIEW_REQUESTED


def test_a_review_request_says_what_is_disputed():
    petition = given(*answered())
    with pytest.raises(InvalidValue) as refusal:
        petition.request_review(grounds="", window_closes=REVIEW_CLOSES, **stamp("qian-dong"))
    assert refusal.value.field == "grounds"


def test_no_review_before_the_opinion():
    petition = given(registered(), routed(), decided())
    with pytest.raises(TransitionNotAllowed) as refusal:
        petition.request_review(grounds="g", window_closes=None, **stamp("qian-dong"))
    assert refusal.value.state == "accepted"


def test_the_review_is_decided_by_the_body_above_with_facts_and_legal_basis():
    petition = given(*answered(), review_requested())
    petition.decide_review(
        outcome=Opinion.SUPPORT,
        facts="receipt forged",
        legal_basis="Art. 35",
        body="c",
        **stamp("xu-lin", REVIEWED_AT),
    )
    [event] = then(petition)
    assert (event.outcome, event.body, event.actor) == ("support", "c", "xu-lin")
    assert petition.status == Status.REVIEWED
    assert petition.allowed_actions() == {"request_re_review", "accept_opinion", "conclude", "deliver_answer"}


def test_a_review_decision_without_facts_is_refused():
    petition = given(*answered(), review_requested())
    with pytest.raises(InvalidValue) as refusal:
        petition.decide_review(outcome=Opinion.SUPPORT, facts=" ", legal_basis="Art. 35", body="c", **stamp())
    assert refusal.value.field == "facts"


def test_a_re_review_is_requested_within_thirty_days_of_the_review_decision():
    petition = given(*answered(), review_requested(), reviewed())
    petition.request_re_review(
        grounds="still disputed",
        window_closes=RE_REVIEW_CLOSES,
        **stamp("qian-dong", REVIEWED_AT + timedelta(days=29)),
    )
    assert petition.status == Status.RE_REVIEW_REQUESTED
    assert petition.allowed_actions() == {"decide_re_review", "start_hearing"}


def test_a_late_re_review_request_is_refused_saying_when_the_window_closed():
    petition = given(*answered(), review_requested(), reviewed())
    with pytest.raises(TransitionNotAllowed, match="window to request a re-review closed on 2026-04-21"):
        petition.request_re_review(
            grounds="late",
            window_closes=RE_REVIEW_CLOSES,
            **stamp("qian-dong", REVIEWED_AT + timedelta(days=31)),
        )
    assert then(petition) == []


def test_the_re_review_decision_is_final_and_concludes_the_petition():
    petition = given(*answered(), review_requested(), reviewed(), re_review_requested())
    petition.decide_re_review(
        outcome=Opinion.NOT_SUPPORT, facts="as reviewed", legal_basis="Art. 36", body="c", **stamp("xu-lin")
    )
    decided_event, concluded = then(petition)
    assert isinstance(decided_event, Petition.ReReviewDecided) and decided_event.body == "c"
    assert isinstance(concluded, Petition.Concluded)
    assert (concluded.how, concluded.final_outcome) == ("re_reviewed", "not_support")
    assert petition.status == Status.CONCLUDED
    assert petition.allowed_actions() == frozenset()


def test_a_re_review_cannot_be_requested_before_a_review_is_decided():
    petition = given(*answered())
    with pytest.raises(TransitionNotAllowed) as refusal:
        petition.request_re_review(grounds="g", window_closes=None, **stamp("qian-dong"))
    assert refusal.value.state == "opinion_given"


@pytest.mark.parametrize(
    ("steps", "command", "state"),
    [
        (
            answered(),
            lambda p: p.decide_review(
                outcome=Opinion.SUPPORT, facts="f", legal_basis="l", body="c", **stamp()
            ),
            "opinion_given",
        ),
        (
            (*answered(), review_requested(), reviewed()),
            lambda p: p.decide_re_review(
                outcome=Opinion.SUPPORT, facts="f", legal_basis="l", body="c", **stamp()
            ),
            "reviewed",
        ),
        ((registered(), routed(), decided()), lambda p: p.accept_opinion(**stamp()), "accepted"),
        (
            (registered(), routed(), decided()),
            lambda p: p.conclude(window_closes=None, **stamp()),
            "accepted",
        ),
        (
            (registered(), routed(), decided(AcceptanceDecision.NOT_ACCEPTED)),
            lambda p: p.route(to_node="c", to_level=Level.COUNTY, **stamp()),
            "not_accepted",
        ),
        ((*answered(), review_requested()), lambda p: p.accept_opinion(**stamp()), "review_requested"),
    ],
)
def test_each_answer_waits_for_its_request_and_each_request_for_its_answer(steps, command, state):
    petition = given(*steps)
    with pytest.raises(TransitionNotAllowed) as refusal:
        command(petition)
    assert refusal.value.state == state
    assert then(petition) == []


def test_a_re_review_request_and_decision_give_their_grounds_facts_and_legal_basis():
    petition = given(*answered(), review_requested(), reviewed())
    with pytest.raises(InvalidValue) as refusal:
        petition.request_re_review(grounds=" ", window_closes=RE_REVIEW_CLOSES, **stamp("qian-dong"))
    assert refusal.value.field == "grounds"
    petition = given(*answered(), review_requested(), reviewed(), re_review_requested())
    with pytest.raises(InvalidValue) as refusal:
        petition.decide_re_review(outcome=Opinion.SUPPORT, facts="f", legal_basis="", body="c", **stamp())
    assert refusal.value.field == "legal_basis"
    assert then(petition) == []


# -- hearings (听证) ----------------------------------------------------------------------------

HEARD_AT, HEARING_ENDS = ACCEPTED_AT + timedelta(days=3), ACCEPTED_AT + timedelta(days=5)
LATER_THAN_ALL = REVIEW_REQUESTED_AT + timedelta(days=20)


def test_the_handling_body_opens_a_hearing_and_only_its_end_is_then_allowed():
    petition = given(registered(), routed(), decided())
    petition.start_hearing(body="t", **stamp(at=HEARD_AT))
    [event] = then(petition)
    assert isinstance(event, Petition.HearingStarted)
    assert (event.body, event.stage, event.effective_at) == ("t", "handling", HEARD_AT)
    assert petition.hearing == {
        "stage": "handling",
        "body": "t",
        "started_at": HEARD_AT,
        "ended_at": None,
        "summary": None,
    }
    assert petition.status == Status.ACCEPTED and petition.allowed_actions() == {"end_hearing"}


@pytest.mark.parametrize(
    ("command", "action"),
    [
        (
            lambda p: p.give_opinion(outcome=Opinion.SUPPORT, facts="f", legal_basis="l", **stamp()),
            "give_opinion",
        ),
        (
            lambda p: p.extend_handling(days=5, reason="r", most_days=30, handling_due=None, **stamp()),
            "extend_handling",
        ),
        (
            lambda p: p.divert(procedure=LegalProcedure.LITIGATION, body="court", reason="r", **stamp()),
            "divert",
        ),
        (lambda p: p.start_hearing(body="t", **stamp()), "start_hearing"),
    ],
)
def test_while_a_hearing_is_in_progress_nothing_but_its_end_is_decided(command, action):
    petition = given(registered(), routed(), decided(), hearing_started(HEARD_AT))
    with pytest.raises(
        TransitionNotAllowed,
        match="a hearing has been in progress since 2026-03-07T09:00:00.00:00: end it first",
    ) as refusal:
        command(petition)
    assert (refusal.value.action, refusal.value.state, refusal.value.allowed) == (
        action,
        "accepted, hearing in progress",
        ["end_hearing"],
    )
    assert then(petition) == []


def test_a_group_petition_names_a_representative_during_a_hearing():
    petition = given(
        registered(people_count=9, representatives=[LI]), routed(), decided(), hearing_started(HEARD_AT)
    )
    assert petition.allowed_actions() == {"end_hearing", "name_representative"}
    petition.name_representative(representative={"name": "Rep 2"}, **stamp("qian-dong"))
    assert len(petition.representatives) == 2


def test_the_hearing_ends_with_a_summary_and_the_decision_is_allowed_again():
    petition = given(registered(), routed(), decided(), hearing_started(HEARD_AT))
    petition.end_hearing(summary=" both sides heard ", **stamp(at=HEARING_ENDS))
    [event] = then(petition)
    assert isinstance(event, Petition.HearingEnded)
    assert (event.body, event.stage, event.summary) == ("t", "handling", "both sides heard")
    assert petition.hearing is None
    assert petition.hearings == [
        {
            "stage": "handling",
            "body": "t",
            "started_at": HEARD_AT,
            "ended_at": HEARING_ENDS,
            "summary": "both sides heard",
        }
    ]
    assert petition.allowed_actions() == {"divert", "give_opinion", "extend_handling", "start_hearing"}


def test_a_hearing_ends_with_what_it_heard():
    petition = given(registered(), routed(), decided(), hearing_started(HEARD_AT))
    with pytest.raises(InvalidValue) as refusal:
        petition.end_hearing(summary="  ", **stamp(at=HEARING_ENDS))
    assert refusal.value.field == "summary"
    assert then(petition) == []


def test_a_hearing_that_was_not_started_cannot_end():
    petition = given(registered(), routed(), decided())
    with pytest.raises(TransitionNotAllowed, match="no hearing is in progress") as refusal:
        petition.end_hearing(summary="s", **stamp())
    assert "end_hearing" not in refusal.value.allowed


@pytest.mark.parametrize(
    ("steps", "state"),
    [
        ((registered(),), "registered"),
        ((registered(), routed()), "routed"),
        (answered(), "opinion_given"),
        ((*answered(), review_requested(), reviewed()), "reviewed"),
        ((registered(), routed(), decided(AcceptanceDecision.NOT_ACCEPTED)), "not_accepted"),
    ],
)
def test_a_hearing_is_held_only_while_a_decision_is_pending(steps, state):
    petition = given(*steps)
    with pytest.raises(TransitionNotAllowed) as refusal:
        petition.start_hearing(body="t", **stamp())
    assert refusal.value.state == state
    assert then(petition) == []


@pytest.mark.parametrize(
    ("steps", "stage"),
    [
        ((*answered(), review_requested()), "review"),
        ((*answered(), review_requested(), reviewed(), re_review_requested()), "re_review"),
    ],
)
def test_the_reviewing_and_re_reviewing_bodies_hold_hearings_too(steps, stage):
    petition = given(*steps)
    petition.start_hearing(body="c", **stamp("xu-lin", LATER_THAN_ALL))
    assert then(petition)[0].stage == stage
    assert petition.allowed_actions() == {"end_hearing"}


def test_nothing_takes_effect_before_the_hearing_it_follows():
    petition = given(registered(), routed(), decided(), hearing_started(HEARD_AT))
    with pytest.raises(InvalidValue, match="before the hearing started") as refusal:
        petition.end_hearing(summary="s", **stamp(at=HEARD_AT - timedelta(seconds=1)))
    assert refusal.value.field == "effective_at"
    petition = given(
        registered(), routed(), decided(), hearing_started(HEARD_AT), hearing_ended(HEARING_ENDS)
    )
    with pytest.raises(InvalidValue, match="before the hearing ended") as refusal:
        petition.give_opinion(
            outcome=Opinion.SUPPORT, facts="f", legal_basis="l", **stamp(at=HEARING_ENDS - timedelta(hours=1))
        )
    assert refusal.value.field == "effective_at"


def test_the_petition_remembers_when_it_left_each_status():
    petition = given(*answered(), review_requested())
    assert petition.left_status_at(Status.ACCEPTED, ACCEPTED_AT) == OPINION_AT
    assert petition.left_status_at(Status.OPINION_GIVEN, OPINION_AT) == REVIEW_REQUESTED_AT
    assert petition.left_status_at(Status.REVIEW_REQUESTED, REVIEW_REQUESTED_AT) is None
    assert petition.left_status_at(Status.ACCEPTED, ROUTED_AT) is None


# -- conclusion -------------------------------------------------------------------------------


def test_a_petitioner_who_accepts_the_opinion_concludes_the_petition():
    petition = given(registered(), routed(), decided(), opinion_given(Opinion.SUPPORT))
    petition.accept_opinion(**stamp("qian-dong"))
    [event] = then(petition)
    assert (event.how, event.final_outcome) == ("opinion_accepted", "support")
    assert petition.status == Status.CONCLUDED


def test_a_petitioner_who_accepts_the_review_decision_concludes_the_petition():
    petition = given(*answered(), review_requested(), reviewed(Opinion.EXPLAIN))
    petition.accept_opinion(**stamp("qian-dong"))
    [event] = then(petition)
    assert (event.how, event.final_outcome) == ("review_accepted", "explain")


def test_a_petition_is_concluded_when_the_review_window_closed_without_a_request():
    petition = given(*answered())
    petition.conclude(window_closes=REVIEW_CLOSES, **stamp(at=REVIEW_CLOSES))
    [event] = then(petition)
    assert (event.how, event.final_outcome) == ("no_review_requested", "not_support")


def test_a_petition_is_concluded_when_the_re_review_window_closed_without_a_request():
    petition = given(*answered(), review_requested(), reviewed())
    petition.conclude(window_closes=RE_REVIEW_CLOSES, **stamp(at=REVIEWED_AT + timedelta(days=31)))
    assert then(petition)[0].how == "no_re_review_requested"


def test_concluding_while_the_petitioner_may_still_ask_for_a_review_is_refused():
    petition = given(*answered())
    with pytest.raises(TransitionNotAllowed, match="may request a review until 2026-04-11"):
        petition.conclude(window_closes=REVIEW_CLOSES, **stamp(at=REVIEW_CLOSES - timedelta(seconds=1)))
    assert then(petition) == []


def test_nothing_more_happens_to_a_concluded_petition():
    petition = given(*answered())
    petition.accept_opinion(**stamp("qian-dong"))
    petition.collect_events()
    with pytest.raises(TransitionNotAllowed) as refusal:
        petition.request_review(grounds="changed my mind", window_closes=None, **stamp("qian-dong"))
    assert (refusal.value.state, refusal.value.allowed) == ("concluded", [])


# -- time and stamps --------------------------------------------------------------------------


def test_nothing_takes_effect_before_the_petition_was_registered():
    petition = given(registered(people_count=9, representatives=FIVE[:1]))
    with pytest.raises(InvalidValue, match="before the petition was registered") as refusal:
        petition.name_representative(representative={"name": "Rep 2"}, **stamp(at=T0 - timedelta(seconds=1)))
    assert refusal.value.field == "effective_at"


def test_a_step_cannot_take_effect_before_the_step_it_follows():
    petition = given(registered(), routed(), decided())
    with pytest.raises(InvalidValue, match="before the petition became accepted") as refusal:
        petition.give_opinion(outcome=Opinion.SUPPORT, facts="f", legal_basis="l", **stamp(at=ROUTED_AT))
    assert refusal.value.field == "effective_at"


def test_every_event_carries_actor_business_time_and_command_id():
    events = recorded(*answered(), review_requested(), reviewed(), re_review_requested())
    assert [type(e).__name__ for e in events] == [
        "Registered",
        "Routed",
        "AcceptanceDecided",
        "HandlingOpinionGiven",
        "ReviewRequested",
        "ReviewDecided",
        "ReReviewRequested",
    ]
    for event in events:
        assert event.actor and event.effective_at and event.command_id


# -- secrecy of an accusation -----------------------------------------------------------------


def _accusation_history() -> list:
    return recorded(
        registered(
            type=PetitionType.ACCUSATION,
            accused_person_id="fang-jun",
            people_count=6,
            representatives=[LI],
            content="The cadre took the relief money.",
        ),
        routed(),
        decided(),
        extended(),
        hearing_started(ACCEPTED_AT + timedelta(days=1)),
        hearing_ended(ACCEPTED_AT + timedelta(days=2), summary="the cadre admitted it"),
        opinion_given(),
        review_requested(),
        reviewed(),
    )


def test_an_accusations_content_and_accuser_are_withheld_in_every_event():
    events = _accusation_history()
    shown = withhold_secrets(events)
    registration = shown[0]
    assert registration.petitioner == {k: WITHHELD for k in ZHANG}
    assert registration.representatives == [{"name": WITHHELD, "id_number": WITHHELD}]
    assert (registration.content, registration.matter, registration.accused_person_id) == (WITHHELD,) * 3
    assert (registration.node, registration.type, registration.people_count) == ("v", "accusation", 6)
    by_type = {type(e).__name__: e for e in shown}
    assert by_type["HandlingExtended"].reason == WITHHELD and by_type["HandlingExtended"].days == 30
    assert (by_type["HandlingOpinionGiven"].facts, by_type["HandlingOpinionGiven"].legal_basis) == (
        WITHHELD,
        WITHHELD,
    )
    assert by_type["HandlingOpinionGiven"].outcome == "not_support"
    assert by_type["ReviewRequested"].grounds == WITHHELD
    assert (by_type["HearingEnded"].summary, by_type["HearingEnded"].stage) == (WITHHELD, "handling")
    for original, twin in zip(events, shown, strict=True):
        assert (twin.originator_version, twin.actor, twin.effective_at) == (
            original.originator_version,
            original.actor,
            original.effective_at,
        )
        for name in type(original).SECRET:
            assert ZHANG["name"] not in str(getattr(twin, name))


def test_withholding_leaves_the_recorded_events_untouched():
    events = _accusation_history()
    withhold_secrets(events)
    assert events[0].content == "The cadre took the relief money."
    assert events[0].petitioner == ZHANG


def test_the_state_built_from_withheld_events_keeps_the_procedure_and_hides_the_rest():
    events = _accusation_history()
    full, shown = replay(events), replay(withhold_secrets(events))
    assert (shown.status, shown.routed_to, shown.allowed_actions()) == (
        full.status,
        full.routed_to,
        full.allowed_actions(),
    )
    assert (shown.content, shown.accused_person_id, shown.opinion["facts"]) == (WITHHELD, WITHHELD, WITHHELD)
    assert shown.opinion["at"] == full.opinion["at"]


def test_a_petition_that_is_not_an_accusation_is_shown_as_recorded():
    events = recorded(*answered())
    assert withhold_secrets(events) == events


# -- the petitioner's matters -----------------------------------------------------------------


def test_a_petitioners_record_is_keyed_by_their_identity_number_without_holding_it():
    record = Petitioner.open(petitioner_id(ZHANG["id_number"], KEY), **stamp())
    assert record.id == petitioner_id(ZHANG["id_number"], KEY) != petitioner_id(LI["id_number"], KEY)
    [opened] = record.collect_events()
    assert ZHANG["id_number"] not in repr(vars(opened))
    assert ZHANG["name"] not in repr(vars(opened))


def test_a_petitioners_id_is_a_keyed_hash_that_another_key_does_not_give():
    number = ZHANG["id_number"]
    assert petitioner_id(number, KEY) == petitioner_id(number, KEY)
    assert petitioner_id(number, KEY) != petitioner_id(number, b"another key, as long as the first!")
    assert petitioner_id(number, KEY).version == 8  # RFC 9562: made by the application
    with pytest.raises(ValueError, match="need a key"):
        petitioner_id(number, b"")


def test_the_first_petition_on_a_matter_is_no_repeat_and_the_next_repeats_the_latest():
    record = Petitioner.open(petitioner_id(ZHANG["id_number"], KEY), **stamp())
    first, second = uuid4(), uuid4()
    assert record.check_may_file("road compensation") is None
    record.file(matter="road compensation", petition_id=first, **stamp())
    assert record.check_may_file("road compensation") == str(first)
    record.file(matter="road compensation", petition_id=second, **stamp())
    assert record.check_may_file("road compensation") == str(second)
    assert record.check_may_file("school fees") is None
    filed = [e for e in record.collect_events() if isinstance(e, Petitioner.PetitionFiled)]
    assert [e.repeat_of for e in filed] == [None, str(first)]


def test_a_concluded_matter_is_refused_saying_when_and_how_it_concluded():
    record = Petitioner.open(petitioner_id(ZHANG["id_number"], KEY), **stamp())
    petition = uuid4()
    record.file(matter="road compensation", petition_id=petition, **stamp(at=T0))
    record.note_concluded(
        matter="road compensation", petition_id=petition, how="re_reviewed", **stamp(at=REVIEWED_AT)
    )
    with pytest.raises(
        TransitionNotAllowed, match=f"concluded on 2026-03-22 .re reviewed, petition {petition}.*Art. 36"
    ) as refusal:
        record.file(matter="road compensation", petition_id=uuid4(), **stamp())
    assert refusal.value.state == "concluded on 2026-03-22"
    assert record.check_may_file("a new matter") is None


def test_a_matter_is_in_progress_only_while_a_petition_on_it_is_accepted():
    record = Petitioner.open(petitioner_id(ZHANG["id_number"], KEY), **stamp())
    first, second = uuid4(), uuid4()
    for petition in (first, second):
        record.file(matter="road", petition_id=petition, **stamp())
    assert record.in_progress("road", excluding=second) is None
    record.note_accepted(matter="road", petition_id=first, **stamp(at=ACCEPTED_AT))
    assert record.in_progress("road", excluding=second) == {
        "petition_id": str(first),
        "standing": "accepted",
        "since": ACCEPTED_AT,
        "how": None,
    }
    assert record.in_progress("road", excluding=first) is None
    record.note_ended(matter="road", petition_id=first, outcome="diverted", **stamp())
    assert record.in_progress("road", excluding=second) is None
    assert record.standing("road", first) == Standing.ENDED

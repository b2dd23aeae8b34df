"""Petition scenarios through the desk, each on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from domain.errors import (
    AccessDenied,
    CaseNotFound,
    CommandIdReused,
    InvalidValue,
    StaleVersion,
    TransitionNotAllowed,
)
from domain.petitions.petition import (
    WITHHELD,
    AcceptanceDecision,
    Channel,
    DeliveryMethod,
    LegalProcedure,
    Level,
    Opinion,
    Petition,
    PetitionType,
    Status,
)
from domain.petitions.petitioner import Petitioner, Standing
from domain.time.calendar import CHINA
from infra.bootstrap import System
from service.petitions.desk import PetitionDesk
from service.store import NO_META, CommandMeta
from tests.petition_dsl import LI, ZHANG
from tests.support import GRID, VILLAGE, Clock, Interleaved, person

TOWNSHIP, COUNTY, SHANGBA = "anping.dongxi", "anping", "anping.dongxi.shangba"


def desk(system: System) -> PetitionDesk:
    return system.casebook.petitions


def register(
    system: System, role: str = "petition_agent", meta: CommandMeta = NO_META, **facts: Any
) -> Petition:
    return desk(system).register(
        person(role),
        **{
            "node": VILLAGE,
            "channel": Channel.VIA_AGENT,
            "type": PetitionType.COMPLAINT,
            "petitioner": ZHANG,
            "content": "The road money was never paid to our group.",
            "matter": "Road compensation",
            **facts,
        },
        meta=meta,
    )


def head(system: System) -> int:
    return system.casebook.recorder.max_notification_id() or 0


def history(system: System, petition_id: UUID) -> list[str]:
    _, events, _ = desk(system).read(person("township"), petition_id)
    return [type(e).__name__ for e in events]


def record_of(system: System, petitioner: dict[str, str] = ZHANG) -> Petitioner:
    return system.casebook.load(Petitioner, desk(system).petitioner_id(petitioner["id_number"]), "petitioner")


def accepted_at_township(system: System, **facts: Any) -> Petition:
    petition = register(system, **facts)
    desk(system).route(person("petition_agent"), petition.id, to_node=TOWNSHIP)
    return desk(system).decide_acceptance(
        person("township"), petition.id, decision=AcceptanceDecision.ACCEPTED
    )


def answered(system: System, **facts: Any) -> Petition:
    """Answered with a written opinion, handed to the petitioner at once."""
    petition = accepted_at_township(system, **facts)
    given = desk(system).give_handling_opinion(
        person("township"),
        petition.id,
        outcome=Opinion.NOT_SUPPORT,
        facts="paid in 2019",
        legal_basis="Art. 48",
    )
    return desk(system).deliver_answer(
        person("township"),
        petition.id,
        method=DeliveryMethod.BY_HAND,
        recipient="Zhang San",
        received_at=given.status_since,
    )


# -- registration -----------------------------------------------------------------------------


def test_a_petition_is_stored_with_the_petitioners_record_in_one_transaction(system: System):
    before = head(system)
    petition = register(system)
    stored = desk(system).get(person("township"), petition.id)
    assert (stored.node, stored.registered_by, stored.agent, stored.petitioner) == (
        VILLAGE,
        "qian-dong",
        "qian-dong",
        ZHANG,
    )
    assert (stored.reached_level, stored.proper_level, stored.leapfrog) == (
        Level.VILLAGE,
        Level.VILLAGE,
        False,
    )
    record = record_of(system)
    assert record.matters == {
        "road compensation": [
            {"petition_id": str(petition.id), "standing": "pending", "since": system.casebook.clock()},
        ]
    }
    notes = system.casebook.recorder.select_notifications(before + 1, 10)
    assert sorted(n.topic.split(":")[1] for n in notes) == [
        "PetitionFiled",
        "PetitionerOpened",
        "Recorded",
        "Registered",
    ]
    assert history(system, petition.id) == ["Registered"]


def test_a_second_petition_on_the_same_matter_is_flagged_as_a_repeat(system: System):
    first = register(system)
    again = register(system, role="township", matter="  ROAD   compensation", channel=Channel.LETTER)
    other_matter = register(system, matter="school fees")
    other_person = register(system, petitioner=LI)
    assert again.repeat_of == str(first.id)
    assert (other_matter.repeat_of, other_person.repeat_of) == (None, None)
    assert [r["petition_id"] for r in record_of(system).matters["road compensation"]] == [
        str(first.id),
        str(again.id),
    ]


def test_an_agent_must_hold_the_petition_agent_post_for_the_node(system: System):
    before = head(system)
    for agent, reason in (
        ("chen-jing", "does not hold the post of petition agent"),
        ("jiang-hong", "is petition agent at anping.dongxi.shangba, not for anping.dongxi.qiaotou"),
        ("nobody", "does not hold the post of petition agent"),
    ):
        with pytest.raises(InvalidValue, match=reason) as refusal:
            register(system, role="township", agent=agent)
        assert refusal.value.field == "agent"
    assert head(system) == before


def test_a_petition_about_an_unknown_node_or_a_grid_is_refused_naming_the_node(system: System):
    before = head(system)
    with pytest.raises(InvalidValue) as refusal:
        register(system, node="anping.nowhere")
    assert refusal.value.field == "node"
    with pytest.raises(InvalidValue, match="concerns a village or township, not a grid"):
        register(system, node=GRID)
    assert head(system) == before


def test_an_accused_person_is_someone_in_the_directory(system: System):
    with pytest.raises(InvalidValue) as refusal:
        register(system, type=PetitionType.ACCUSATION, accused_person_id="nobody")
    assert refusal.value.field == "accused_person_id"


def test_a_group_petitions_sixth_representative_is_refused_and_writes_nothing(system: System):
    petition = register(system, people_count=40, representatives=[{"name": f"Rep {i}"} for i in range(1, 5)])
    desk(system).name_representative(person("petition_agent"), petition.id, representative={"name": "Rep 5"})
    before = head(system)
    with pytest.raises(TransitionNotAllowed, match="a sixth is refused"):
        desk(system).name_representative(
            person("petition_agent"), petition.id, representative={"name": "Rep 6"}
        )
    assert head(system) == before
    assert len(desk(system).get(None, petition.id).representatives) == 5


# -- leapfrog ---------------------------------------------------------------------------------


def test_a_visit_about_a_village_received_at_the_county_is_a_leapfrog_visit(system: System):
    county = register(system, role="petition_county_staff", channel=Channel.VISIT)
    township = register(system, role="township", channel=Channel.VISIT)
    assert (county.reached_level, county.leapfrog) == (Level.COUNTY, True)
    assert (township.reached_level, township.leapfrog) == (Level.TOWNSHIP, False)


def test_a_visit_to_the_province_recorded_at_the_county_is_a_leapfrog_visit(system: System):
    visit = register(
        system,
        role="petition_county_staff",
        node=TOWNSHIP,
        channel=Channel.VISIT,
        reached_level=Level.PROVINCE,
    )
    letter = register(
        system,
        role="petition_county_staff",
        node=TOWNSHIP,
        channel=Channel.LETTER,
        reached_level=Level.PROVINCE,
    )
    assert (visit.proper_level, visit.leapfrog, letter.leapfrog) == (Level.TOWNSHIP, True, False)


# -- authorisation ----------------------------------------------------------------------------


def test_a_petition_agent_registers_only_in_their_own_village(system: System):
    assert register(system).node == VILLAGE
    with pytest.raises(AccessDenied, match="outside Jiang Hong's jurisdiction"):
        register(system, role="foreign_petition_agent")
    with pytest.raises(AccessDenied, match="outside Qian Dong's jurisdiction"):
        register(system, node=SHANGBA)
    assert register(system, role="foreign_petition_agent", node=SHANGBA).agent == "jiang-hong"


def test_a_petition_agent_does_not_act_for_the_township_above_their_village(system: System):
    with pytest.raises(AccessDenied, match="outside Qian Dong's jurisdiction"):
        register(system, node=TOWNSHIP)


def test_village_workstation_staff_act_in_their_own_village_only(system: System):
    assert register(system, role="accused_village_staff", channel=Channel.LETTER).node == VILLAGE
    for node in (SHANGBA, TOWNSHIP):
        with pytest.raises(AccessDenied, match="outside Fang Jun's jurisdiction"):
            register(system, role="accused_village_staff", node=node, channel=Channel.LETTER)


def test_township_staff_act_at_their_township_and_the_villages_under_it_but_not_another_township(
    system: System,
):
    assert register(system, role="township", node=TOWNSHIP, channel=Channel.LETTER).node == TOWNSHIP
    village = register(system, role="township", channel=Channel.LETTER)
    assert desk(system).route(person("township"), village.id, to_node=TOWNSHIP).routed_to == TOWNSHIP
    foreign = register(system, role="petition_county_staff", node="anping.xishan", channel=Channel.LETTER)
    before = head(system)
    with pytest.raises(CaseNotFound):  # another township's petition is, to them, none at all
        desk(system).route(person("township"), foreign.id, to_node="anping.xishan")
    with pytest.raises(CaseNotFound):
        desk(system).get(person("township"), foreign.id)
    assert head(system) == before


def test_only_posts_with_the_right_register_a_petition(system: System):
    for role in ("auditor", "mediator", "grid_member"):
        with pytest.raises(AccessDenied, match="does not have the right to register petition"):
            register(system, role=role, channel=Channel.LETTER)


def test_an_agent_routes_and_records_requests_but_does_not_decide(system: System):
    petition = register(system)
    desk(system).route(person("petition_agent"), petition.id, to_node=TOWNSHIP)
    with pytest.raises(AccessDenied) as refusal:
        desk(system).decide_acceptance(
            person("petition_agent"), petition.id, decision=AcceptanceDecision.ACCEPTED
        )
    assert refusal.value.right == "decide_petition"


def test_acceptance_is_decided_by_the_receiving_body_not_by_a_body_below_it(system: System):
    petition = register(system)
    desk(system).route(person("petition_agent"), petition.id, to_node=TOWNSHIP)
    with pytest.raises(AccessDenied, match="outside their jurisdiction") as refusal:
        desk(system).decide_acceptance(
            person("accused_village_staff"), petition.id, decision=AcceptanceDecision.ACCEPTED
        )
    assert refusal.value.node is None  # the township, above them, is not named
    decided = desk(system).decide_acceptance(
        person("petition_county_staff"), petition.id, decision=AcceptanceDecision.ACCEPTED
    )
    assert decided.acceptance["body"] == TOWNSHIP


def test_an_extension_is_approved_at_the_receiving_body(system: System):
    petition = accepted_at_township(system)
    with pytest.raises(AccessDenied) as refusal:
        desk(system).extend_handling(person("petition_agent"), petition.id, days=30, reason="survey")
    assert (refusal.value.right, refusal.value.node) == ("approve_extension", None)  # above the agent
    extended = desk(system).extend_handling(person("township"), petition.id, days=30, reason="survey")
    assert extended.extension["approved_by"] == "chen-jing"


def test_the_review_is_decided_by_the_body_above_the_one_that_gave_the_opinion(system: System):
    petition = answered(system)
    desk(system).request_review(person("petition_agent"), petition.id, grounds="the receipt is forged")
    before = head(system)
    with pytest.raises(AccessDenied, match="outside their jurisdiction") as refusal:
        desk(system).decide_review(
            person("township"), petition.id, outcome=Opinion.SUPPORT, facts="f", legal_basis="l"
        )
    assert refusal.value.node is None  # the county, above the township
    assert head(system) == before
    reviewed = desk(system).decide_review(
        person("petition_county_staff"), petition.id, outcome=Opinion.SUPPORT, facts="f", legal_basis="l"
    )
    assert reviewed.review["body"] == COUNTY


# -- the whole procedure ----------------------------------------------------------------------


def test_a_petition_goes_from_registration_through_re_review_to_conclusion(system: System, clock: Clock):
    petition = register(system, channel=Channel.VISIT)
    agent, township, county = person("petition_agent"), person("township"), person("petition_county_staff")
    desk(system).route(agent, petition.id, to_node=TOWNSHIP)
    desk(system).decide_acceptance(township, petition.id, decision=AcceptanceDecision.ACCEPTED)
    clock.advance(timedelta(days=50))
    desk(system).extend_handling(township, petition.id, days=20, reason="site survey in the rain season")
    clock.advance(timedelta(days=20))
    desk(system).give_handling_opinion(
        township, petition.id, outcome=Opinion.NOT_SUPPORT, facts="paid in 2019", legal_basis="Art. 48"
    )
    clock.advance(timedelta(days=29))
    desk(system).request_review(agent, petition.id, grounds="the receipt is forged")
    clock.advance(timedelta(days=25))
    desk(system).decide_review(
        county, petition.id, outcome=Opinion.EXPLAIN, facts="receipt genuine", legal_basis="Art. 35"
    )
    clock.advance(timedelta(days=30))
    desk(system).request_re_review(agent, petition.id, grounds="still disputed")
    done = desk(system).decide_re_review(
        county, petition.id, outcome=Opinion.EXPLAIN, facts="as reviewed", legal_basis="Art. 36"
    )
    assert (done.status, done.conclusion["how"], done.re_review["body"]) == (
        Status.CONCLUDED,
        "re_reviewed",
        COUNTY,
    )
    assert history(system, petition.id) == [
        "Registered",
        "Routed",
        "AcceptanceDecided",
        "HandlingExtended",
        "HandlingOpinionGiven",
        "ReviewRequested",
        "ReviewDecided",
        "ReReviewRequested",
        "ReReviewDecided",
        "Concluded",
    ]
    assert record_of(system).standing("road compensation", petition.id) == Standing.CONCLUDED


def test_after_conclusion_a_refiling_is_registered_and_at_once_not_accepted_on_the_record(
    system: System, clock: Clock
):
    petition = answered(system)
    desk(system).accept_opinion(person("petition_agent"), petition.id)
    concluded_at = clock()
    clock.advance(timedelta(days=100))
    again = register(system, role="petition_county_staff", matter="road  COMPENSATION", channel=Channel.VISIT)
    assert again.status == Status.NOT_ACCEPTED
    assert again.repeat_of == str(petition.id) and again.refused_at_registration
    assert again.acceptance is not None
    assert (again.acceptance["reason"], again.acceptance["article"]) == (
        "concluded after re-review, Art. 36",
        "Art. 36",
    )
    assert again.acceptance["concluded_petition"] == str(petition.id)
    assert again.acceptance["concluded_on"] == concluded_at
    assert again.acceptance["concluded_how"] == "opinion_accepted"
    assert again.allowed_actions() == frozenset()
    assert history(system, again.id) == ["Registered", "NotAcceptedAsConcluded"]
    record = record_of(system)
    assert record.standing("road compensation", again.id) == Standing.ENDED
    assert record.standing("road compensation", petition.id) == Standing.CONCLUDED
    assert [r["how"] for r in record.matters["road compensation"]] == [
        "opinion_accepted",
        "not_accepted_concluded",
    ]
    third = register(system, role="petition_county_staff", matter="road compensation", channel=Channel.VISIT)
    assert third.status == Status.NOT_ACCEPTED and third.acceptance["concluded_petition"] == str(petition.id)
    assert third.repeat_of == str(again.id)
    assert register(system, matter="road compensation: the 2025 instalment").repeat_of is None


def test_a_matter_accepted_at_the_township_is_not_accepted_again_by_the_county(system: System):
    first = accepted_at_township(system)
    again = register(system, role="petition_county_staff", channel=Channel.VISIT)
    assert again.repeat_of == str(first.id)
    desk(system).route(person("petition_county_staff"), again.id, to_node=COUNTY)
    before = head(system)
    with pytest.raises(TransitionNotAllowed, match=f"petition {first.id}.*Art. 19"):
        desk(system).decide_acceptance(
            person("petition_county_staff"), again.id, decision=AcceptanceDecision.ACCEPTED
        )
    assert head(system) == before
    refused = desk(system).decide_acceptance(
        person("petition_county_staff"),
        again.id,
        decision=AcceptanceDecision.NOT_ACCEPTED,
        reason="in progress at the township",
    )
    assert refused.status == Status.NOT_ACCEPTED
    assert record_of(system).standing("road compensation", again.id) == Standing.ENDED


def test_an_objecting_body_sends_the_petition_back_and_it_is_routed_elsewhere(system: System):
    petition = register(system)
    desk(system).route(person("petition_agent"), petition.id, to_node=TOWNSHIP)
    objected = desk(system).decide_acceptance(
        person("township"),
        petition.id,
        decision=AcceptanceDecision.OBJECTED,
        reason="a county road: the county's matter",
    )
    assert (objected.status, objected.allowed_actions()) == (Status.OBJECTED, {"route", "assign"})
    assert record_of(system).standing("road compensation", petition.id) == Standing.PENDING
    desk(system).route(person("township"), petition.id, to_node=COUNTY)
    accepted = desk(system).decide_acceptance(
        person("petition_county_staff"), petition.id, decision=AcceptanceDecision.ACCEPTED
    )
    assert accepted.acceptance["body"] == COUNTY


def test_a_petition_is_routed_only_to_its_node_or_a_node_above_it(system: System):
    petition = register(system)
    before = head(system)
    for node in (SHANGBA, GRID, "anping.nowhere"):
        with pytest.raises(InvalidValue) as refusal:
            desk(system).route(person("township"), petition.id, to_node=node)
        assert refusal.value.field == "to_node"
    assert head(system) == before
    assert (
        desk(system).route(person("petition_agent"), petition.id, to_node=VILLAGE).routings[0]["to_level"]
        == "village"
    )


def test_a_diverted_complaint_ends_its_matter_and_a_new_petition_on_it_is_a_repeat(system: System):
    petition = accepted_at_township(system)
    diverted = desk(system).divert_to_legal_procedure(
        person("township"),
        petition.id,
        procedure=LegalProcedure.LITIGATION,
        body="Anping People's Court",
        reason="a contract claim",
    )
    assert diverted.status == Status.DIVERTED
    assert record_of(system).standing("road compensation", petition.id) == Standing.ENDED
    assert register(system).repeat_of == str(petition.id)


def test_a_review_requested_after_the_window_is_refused_and_the_petition_may_then_be_concluded(
    system: System, clock: Clock
):
    petition = answered(system)  # on Monday 2 March 2026, 17:00 in China
    closes = datetime(
        2026, 4, 1, 23, 59, 59, tzinfo=CHINA
    )  # the 30th day is Wednesday 1 April, a working day
    assert desk(system).windows(desk(system).get(None, petition.id)) == {
        "review_window_closes": closes,
        "re_review_window_closes": None,
    }
    clock.now = closes + timedelta(seconds=1)
    before = head(system)
    with pytest.raises(TransitionNotAllowed, match="window to request a review closed on"):
        desk(system).request_review(person("petition_agent"), petition.id, grounds="too late")
    assert head(system) == before
    concluded = desk(system).conclude(person("township"), petition.id)
    assert concluded.conclusion["how"] == "no_review_requested"
    assert record_of(system).standing("road compensation", petition.id) == Standing.CONCLUDED


# -- hearings ---------------------------------------------------------------------------------


def accepted_at_village(system: System) -> Petition:
    petition = register(system)
    desk(system).route(person("petition_agent"), petition.id, to_node=VILLAGE)
    return desk(system).decide_acceptance(
        person("accused_village_staff"), petition.id, decision=AcceptanceDecision.ACCEPTED
    )


@pytest.mark.parametrize("role", ["accused_village_staff", "township", "petition_county_staff"])
def test_a_hearing_is_held_by_deciders_at_the_handling_body_or_above_it(
    system: System, clock: Clock, role: str
):
    petition = accepted_at_village(system)
    clock.advance(timedelta(days=1))
    held = desk(system).start_hearing(person(role), petition.id)
    assert held.hearing == {
        "stage": "handling",
        "body": VILLAGE,
        "started_at": clock(),
        "ended_at": None,
        "summary": None,
    }
    clock.advance(timedelta(hours=3))
    ended = desk(system).end_hearing(person(role), petition.id, summary="the group leader heard")
    assert ended.hearings[0]["ended_at"] == clock()
    assert history(system, petition.id)[-2:] == ["HearingStarted", "HearingEnded"]


@pytest.mark.parametrize(
    ("role", "right"),
    [
        ("foreign_village_staff", None),
        ("foreign_township", None),
        ("petition_agent", "decide_petition"),
    ],
)
def test_a_hearing_is_not_held_from_another_village_or_township_nor_by_an_agent(
    system: System, role: str, right: str | None
):
    petition = accepted_at_village(system)
    before = head(system)
    if right is None:  # another village's or township's petition is, to them, none at all
        with pytest.raises(CaseNotFound):
            desk(system).start_hearing(person(role), petition.id)
    else:
        with pytest.raises(AccessDenied) as refusal:
            desk(system).start_hearing(person(role), petition.id)
        assert (refusal.value.right, refusal.value.node) == (right, VILLAGE)
    assert head(system) == before


def test_the_accused_holds_no_hearing_on_the_accusation(system: System):
    petition = register(
        system, type=PetitionType.ACCUSATION, accused_person_id="fang-jun", channel=Channel.LETTER
    )
    desk(system).route(person("petition_agent"), petition.id, to_node=VILLAGE)
    desk(system).decide_acceptance(person("village_staff"), petition.id, decision=AcceptanceDecision.ACCEPTED)
    with pytest.raises(AccessDenied, match="^Fang Jun may not start hearing on this petition$"):
        desk(system).start_hearing(person("accused_village_staff"), petition.id)
    assert desk(system).start_hearing(person("village_staff"), petition.id).hearing is not None


def test_a_hearing_during_a_review_is_held_by_the_reviewing_body_and_ended_there(system: System):
    petition = answered(system)
    desk(system).request_review(person("petition_agent"), petition.id, grounds="forged")
    with pytest.raises(AccessDenied) as refusal:
        desk(system).start_hearing(person("township"), petition.id)
    assert refusal.value.node is None  # the county, above the township
    held = desk(system).start_hearing(person("petition_county_staff"), petition.id)
    assert (held.hearing["stage"], held.hearing["body"]) == ("review", COUNTY)
    with pytest.raises(AccessDenied):
        desk(system).end_hearing(person("township"), petition.id, summary="s")
    with pytest.raises(TransitionNotAllowed, match="end it first"):
        desk(system).decide_review(
            person("petition_county_staff"), petition.id, outcome=Opinion.SUPPORT, facts="f", legal_basis="l"
        )
    desk(system).end_hearing(person("petition_county_staff"), petition.id, summary="s")
    decided = desk(system).decide_review(
        person("petition_county_staff"), petition.id, outcome=Opinion.SUPPORT, facts="f", legal_basis="l"
    )
    assert decided.status == Status.REVIEWED


# -- secrecy of an accusation -----------------------------------------------------------------


def _accusation(system: System) -> Petition:
    petition = register(
        system,
        type=PetitionType.ACCUSATION,
        accused_person_id="fang-jun",
        matter="relief money",
        content="Fang Jun kept the flood relief money.",
        channel=Channel.VISIT,
    )
    desk(system).route(person("petition_agent"), petition.id, to_node=TOWNSHIP)
    desk(system).decide_acceptance(person("township"), petition.id, decision=AcceptanceDecision.ACCEPTED)
    return petition


@pytest.mark.parametrize("role", ["accused_village_staff", "auditor", "mediator"])
def test_an_accusation_is_withheld_from_the_accused_and_from_readers_without_the_right(
    system: System, role: str
):
    petition = _accusation(system)
    shown, events, withheld = desk(system).read(person(role), petition.id)
    assert withheld is True
    assert (shown.content, shown.accused_person_id, shown.matter) == (WITHHELD,) * 3
    assert shown.petitioner == {key: WITHHELD for key in ZHANG}
    assert (shown.status, shown.routed_to) == (Status.ACCEPTED, TOWNSHIP)
    text = repr([vars(e) for e in events]) + repr(vars(shown))
    for secret in (
        ZHANG["name"],
        ZHANG["id_number"],
        ZHANG["phone"],
        ZHANG["address"],
        "flood relief",
        "fang-jun",
    ):
        assert secret not in text


@pytest.mark.parametrize("role", ["township", "petition_agent", "petition_county_staff"])
def test_an_accusation_is_shown_whole_to_those_with_the_right_where_it_belongs(system: System, role: str):
    petition = _accusation(system)
    shown, events, withheld = desk(system).read(person(role), petition.id)
    assert withheld is False
    assert (shown.content, shown.accused_person_id) == ("Fang Jun kept the flood relief money.", "fang-jun")
    assert events[0].petitioner == ZHANG


def test_the_accused_takes_no_part_in_handling_the_accusation_even_with_the_rights(system: System):
    petition = register(
        system, type=PetitionType.ACCUSATION, accused_person_id="fang-jun", channel=Channel.LETTER
    )
    before = head(system)
    with pytest.raises(AccessDenied, match="^Fang Jun may not route on this petition$"):
        desk(system).route(person("accused_village_staff"), petition.id, to_node=VILLAGE)
    with pytest.raises(AccessDenied, match="recusal"):
        register(
            system,
            role="accused_village_staff",
            type=PetitionType.ACCUSATION,
            accused_person_id="fang-jun",
            channel=Channel.LETTER,
        )
    assert head(system) == before
    assert desk(system).route(person("petition_agent"), petition.id, to_node=VILLAGE).status == Status.ROUTED


def test_what_a_command_returns_is_what_its_giver_may_see(system: System):
    petition = _accusation(system)
    full, withheld = desk(system).as_seen_by(person("township"), petition)
    assert (full.content, withheld) == (petition.content, False)
    shown, withheld = desk(system).as_seen_by(person("auditor"), desk(system).get(None, petition.id))
    assert (shown.content, withheld) == (WITHHELD, True)


def test_a_complaint_is_not_withheld_from_an_auditor(system: System):
    petition = register(system)
    shown, _, withheld = desk(system).read(person("auditor"), petition.id)
    assert (shown.content, withheld) == (petition.content, False)


# -- the machinery ----------------------------------------------------------------------------


def test_a_registration_retried_with_the_same_command_id_is_recorded_once(system: System):
    first = register(system, meta=CommandMeta(command_id="visit-7"))
    again = register(system, meta=CommandMeta(command_id="visit-7"))
    assert again.id == first.id
    assert len(record_of(system).matters["road compensation"]) == 1
    assert history(system, first.id) == ["Registered"]


def test_a_command_retried_with_the_same_id_takes_effect_once(system: System):
    petition = register(system)
    for _ in range(2):
        desk(system).route(
            person("petition_agent"), petition.id, to_node=TOWNSHIP, meta=CommandMeta(command_id="route-1")
        )
    assert history(system, petition.id) == ["Registered", "Routed"]


def test_a_command_id_used_for_another_command_is_refused(system: System):
    petition = register(system, meta=CommandMeta(command_id="shared"))
    with pytest.raises(CommandIdReused):
        desk(system).route(
            person("petition_agent"), petition.id, to_node=TOWNSHIP, meta=CommandMeta(command_id="shared")
        )


def test_an_unknown_petition_is_not_found(system: System):
    with pytest.raises(CaseNotFound):
        desk(system).get(None, uuid4())
    with pytest.raises(CaseNotFound):
        desk(system).route(person("petition_agent"), uuid4(), to_node=TOWNSHIP)


def test_a_time_in_the_future_is_refused(system: System, clock: Clock):
    with pytest.raises(InvalidValue) as refusal:
        register(system, meta=CommandMeta(effective_at=clock() + timedelta(hours=1)))
    assert refusal.value.field == "effective_at"


@pytest.fixture
def rival(rival: Interleaved) -> Interleaved:
    """The competing writer commits right after the petitioner's record was read."""
    rival.on = Petitioner
    return rival


def test_two_bodies_accepting_the_same_matter_at_once_never_both_succeed(system: System, rival: Interleaved):
    first, second = register(system), register(system, role="petition_county_staff", channel=Channel.LETTER)
    desk(system).route(person("petition_agent"), first.id, to_node=TOWNSHIP)
    desk(system).route(person("petition_county_staff"), second.id, to_node=COUNTY)
    rival.competitor = lambda: desk(system).decide_acceptance(
        person("township"), first.id, decision=AcceptanceDecision.ACCEPTED
    )
    with pytest.raises(TransitionNotAllowed, match="Art. 19"):
        rival.petitions.decide_acceptance(
            person("petition_county_staff"), second.id, decision=AcceptanceDecision.ACCEPTED
        )
    assert history(system, second.id) == ["Registered", "Routed"]
    assert record_of(system).standing("road compensation", first.id) == Standing.ACCEPTED


@pytest.mark.parametrize("known_before", [False, True])
def test_two_registrations_of_one_matter_at_once_are_both_kept_the_second_as_a_repeat(
    system: System, rival: Interleaved, known_before: bool
):
    if known_before:
        register(system, matter="school fees")
    competing: list[Petition] = []
    rival.competitor = lambda: competing.append(register(system))
    second = rival.petitions.register(
        person("township"),
        node=VILLAGE,
        channel=Channel.LETTER,
        type=PetitionType.COMPLAINT,
        petitioner=ZHANG,
        content="The road money, again.",
        matter="road compensation",
    )
    [first] = competing
    assert second.repeat_of == str(first.id)
    assert [r["petition_id"] for r in record_of(system).matters["road compensation"]] == [
        str(first.id),
        str(second.id),
    ]


def test_a_command_on_a_stale_version_is_refused_when_the_caller_pinned_it(system: System):
    petition = register(system)
    desk(system).route(person("petition_agent"), petition.id, to_node=TOWNSHIP)
    with pytest.raises(StaleVersion) as refusal:
        desk(system).decide_acceptance(
            person("township"),
            petition.id,
            decision=AcceptanceDecision.ACCEPTED,
            meta=CommandMeta(expected_version=1),
        )
    assert (refusal.value.expected, refusal.value.actual) == (1, 2)


def test_an_anonymous_accusation_keeps_no_petitioners_record_and_a_complaint_needs_an_identity(
    system: System,
):
    before = head(system)
    letter = register(system, type=PetitionType.ACCUSATION, petitioner={}, channel=Channel.LETTER)
    assert letter.anonymous and letter.petitioner == {"anonymous": True}
    assert head(system) == before + 2  # its event and the command receipt: no petitioner's record
    shown, _, withheld = desk(system).read(person("petition_agent"), letter.id)
    assert withheld or shown.is_accusation
    with pytest.raises(InvalidValue) as refused:
        register(system, petitioner={"name": "Zhang San"})
    assert refused.value.field == "petitioner.id_number"

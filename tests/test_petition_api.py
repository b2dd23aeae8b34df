"""The petition API: every command over HTTP, a precise status for every refusal, and an
accusation's secrets withheld from those who may not see them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
import structlog
from fastapi.testclient import TestClient

from api.app import create_api
from domain.petitions.petition import WITHHELD
from domain.time.calendar import CHINA
from infra.bootstrap import System
from tests.petition_dsl import ZHANG, id_number
from tests.support import TOKENS, VILLAGE, Clock

TOWNSHIP, COUNTY = "anping.dongxi", "anping"
REGISTRATION: dict[str, Any] = {
    "node": VILLAGE,
    "channel": "via_agent",
    "type": "complaint",
    "petitioner": ZHANG,
    "content": "The road money was never paid to our group.",
    "matter": "Road compensation",
}
ANSWER = {"outcome": "not_support", "facts": "paid in 2019", "legal_basis": "Land Administration Law Art. 48"}
COMMANDS: dict[str, dict[str, Any]] = {  # every command route, with a body it accepts
    "representatives": {"name": "Rep 6"},
    "routing": {"to_node": TOWNSHIP},
    "acceptance": {"decision": "accepted"},
    "diversion": {"procedure": "litigation", "body": "Anping People's Court", "reason": "a contract claim"},
    "extension": {"days": 10, "reason": "site survey"},
    "opinion": ANSWER,
    "answer-delivery": {
        "method": "by_hand",
        "recipient": "Zhang San",
        "received_at": "2026-03-02T17:00:00+08:00",
    },
    "review-request": {"grounds": "the receipt is forged"},
    "review-decision": ANSWER,
    "re-review-request": {"grounds": "still disputed"},
    "re-review-decision": ANSWER,
    "opinion-acceptance": {},
    "conclusion": {},
    "hearing-start": {},
    "hearing-end": {"summary": "both sides heard"},
}


def delivered(api: TestClient, answered: dict[str, Any], role: str, **body: Any) -> dict[str, Any]:
    """The written answer just given, recorded as received by the petitioner (at once, by hand)."""
    sent = {"method": "by_hand", "recipient": "Zhang San", "received_at": answered["status_since"], **body}
    return ok(command(api, answered, "answer-delivery", role, sent))


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with TestClient(create_api(system)) as client:
        yield client


def head(system: System) -> int:
    return system.casebook.recorder.max_notification_id() or 0


def registered(api: TestClient, role: str = "petition_agent", **facts: Any) -> dict[str, Any]:
    response = api.post("/petitions", json={**REGISTRATION, **facts}, headers=auth(role))
    assert response.status_code == 201, response.text
    return response.json()


def command(
    api: TestClient,
    petition: dict[str, Any],
    path: str,
    role: str,
    body: dict[str, Any] | None = None,
    if_match: str | None = None,
) -> Any:
    headers = {**auth(role), **({"If-Match": if_match} if if_match else {})}
    return api.post(
        f"/petitions/{petition['id']}/{path}", json=COMMANDS[path] if body is None else body, headers=headers
    )


def ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()


def concluded(api: TestClient) -> dict[str, Any]:
    petition = registered(api)
    ok(command(api, petition, "routing", "petition_agent"))
    ok(command(api, petition, "acceptance", "township"))
    ok(command(api, petition, "opinion", "township"))
    return ok(command(api, petition, "opinion-acceptance", "petition_agent"))


# -- the happy paths --------------------------------------------------------------------------


def test_a_petition_goes_from_registration_through_re_review_to_conclusion(api: TestClient):
    created = api.post(
        "/petitions", json={**REGISTRATION, "channel": "visit"}, headers=auth("petition_agent")
    )
    assert created.status_code == 201
    petition = created.json()
    assert created.headers["Location"] == f"/petitions/{petition['id']}"
    assert created.headers["ETag"] == '"1"'
    assert (petition["status"], petition["oral"], petition["leapfrog"], petition["secrets_withheld"]) == (
        "registered",
        True,
        False,
        False,
    )
    assert petition["allowed_actions"] == ["assign", "route"]

    assert ok(command(api, petition, "routing", "petition_agent"))["routed_to"] == TOWNSHIP
    assert ok(command(api, petition, "acceptance", "township", if_match='"2"'))["status"] == "accepted"
    assert ok(command(api, petition, "extension", "township"))["extension"]["days"] == 10
    opinion = ok(command(api, petition, "opinion", "township"))
    assert opinion["review_window_closes"] is None and opinion["allowed_actions"] == [
        "accept_opinion",
        "conclude",
        "deliver_answer",
        "request_review",
    ]
    received = delivered(api, opinion, "township", method="electronic", reference="msg-17")
    assert received["review_window_closes"] and received["deliveries"]["opinion"]["method"] == "electronic"
    assert "deliver_answer" not in received["allowed_actions"]
    ok(command(api, petition, "review-request", "petition_agent"))
    review = ok(command(api, petition, "review-decision", "petition_county_staff"))
    assert review["review"]["body"] == COUNTY
    delivered(api, review, "petition_county_staff")
    ok(command(api, petition, "re-review-request", "petition_agent"))
    done = ok(command(api, petition, "re-review-decision", "petition_county_staff"))
    assert (done["status"], done["conclusion"]["how"], done["allowed_actions"]) == (
        "concluded",
        "re_reviewed",
        [],
    )

    read = api.get(f"/petitions/{petition['id']}", headers=auth("auditor"))
    assert read.status_code == 200 and read.headers["ETag"] == '"12"'
    history = read.json()["history"]
    assert [e["type"] for e in history] == [
        "Registered",
        "Routed",
        "AcceptanceDecided",
        "HandlingExtended",
        "HandlingOpinionGiven",
        "AnswerDelivered",
        "ReviewRequested",
        "ReviewDecided",
        "AnswerDelivered",
        "ReReviewRequested",
        "ReReviewDecided",
        "Concluded",
    ]
    assert [e["actor"] for e in history] == [
        "qian-dong",
        "qian-dong",
        "chen-jing",
        "chen-jing",
        "chen-jing",
        "chen-jing",
        "qian-dong",
        "xu-lin",
        "xu-lin",
        "qian-dong",
        "xu-lin",
        "xu-lin",
    ]
    assert history[0]["data"]["content"] == REGISTRATION["content"]
    assert history[2]["data"] == {"decision": "accepted", "reason": "", "body": TOWNSHIP}


def test_a_group_petition_names_another_representative(api: TestClient):
    petition = registered(api, people_count=30, representatives=[{"name": f"Rep {i}"} for i in range(1, 5)])
    named = ok(
        command(
            api,
            petition,
            "representatives",
            "petition_agent",
            {"name": "Rep 5", "phone": "+86 139 0000 0005"},
        )
    )
    assert [r["name"] for r in named["representatives"]] == ["Rep 1", "Rep 2", "Rep 3", "Rep 4", "Rep 5"]
    assert named["group"] is True and "name_representative" not in named["allowed_actions"]


def test_a_complaint_is_diverted_to_a_legal_procedure(api: TestClient):
    petition = registered(api)
    ok(command(api, petition, "routing", "petition_agent"))
    diverted = ok(command(api, petition, "diversion", "township"))
    assert (diverted["status"], diverted["diversion"]["procedure"]) == ("diverted", "litigation")


def test_a_petitioner_who_accepts_the_opinion_concludes_the_petition(api: TestClient):
    assert concluded(api)["conclusion"]["how"] == "opinion_accepted"


def test_a_petition_whose_review_window_closed_is_concluded(api: TestClient, clock: Clock):
    petition = registered(api)
    ok(command(api, petition, "routing", "petition_agent"))
    ok(command(api, petition, "acceptance", "township"))
    delivered(api, ok(command(api, petition, "opinion", "township")), "township")
    early = command(api, petition, "conclusion", "township")
    assert early.status_code == 409 and "may request a review until" in early.json()["detail"]
    clock.advance(timedelta(days=31))
    assert ok(command(api, petition, "conclusion", "township"))["conclusion"]["how"] == "no_review_requested"


def test_a_petition_not_accepted_gives_its_reason(api: TestClient):
    petition = registered(api)
    ok(command(api, petition, "routing", "petition_agent"))
    refused = ok(
        command(
            api,
            petition,
            "acceptance",
            "township",
            {"decision": "not_accepted", "reason": "decided by a court"},
        )
    )
    assert (refused["status"], refused["acceptance"]["reason"]) == ("not_accepted", "decided by a court")


def test_a_repeat_and_a_leapfrog_visit_are_flagged(api: TestClient):
    first = registered(api)
    again = registered(api, "petition_county_staff", channel="visit", matter=" road COMPENSATION ")
    assert (again["repeat_of"], again["reached_level"], again["leapfrog"]) == (first["id"], "county", True)


def accepted(api: TestClient) -> dict[str, Any]:
    petition = registered(api)
    ok(command(api, petition, "routing", "petition_agent"))
    return ok(command(api, petition, "acceptance", "township"))


def test_a_hearing_is_held_and_ended_and_the_petition_shows_its_time_limits(
    api: TestClient, system: System, clock: Clock
):
    petition = accepted(api)
    keeper, petition_id = system.casebook.keepers["petition"], UUID(petition["id"])
    keeper.sync(petition_id, 0)
    clock.advance(timedelta(days=3))
    started = ok(command(api, petition, "hearing-start", "township"))
    assert started["hearing"]["body"] == TOWNSHIP and started["hearing"]["stage"] == "handling"
    assert (started["status"], started["allowed_actions"]) == ("accepted", ["end_hearing"])
    keeper.sync(petition_id, 0)
    during = api.get(f"/petitions/{petition['id']}", headers=auth("township")).json()
    # The clocks were first kept once it was accepted: those of the stages it passed through
    # are recorded too, ended when it left them.
    assert sorted((c["clock"], c["status"]) for c in during["clocks"]) == [
        ("petition.acceptance_notice", "stopped"),
        ("petition.handling", "running"),  # a hearing's time counts in the handling limit (Art. 34)
        ("petition.objection", "stopped"),
        ("petition.route", "stopped"),
    ]
    [handling] = [c for c in during["clocks"] if c["clock"] == "petition.handling"]
    assert (handling["clock"], handling["status"], handling["node"]) == (
        "petition.handling",
        "running",
        TOWNSHIP,
    )
    # Accepted Monday 2 March: 60 days end on Friday 1 May, in the Labour Day holiday (1-5 May):
    # the opinion is due at the end of Wednesday 6 May.
    assert (handling["due_at"], handling["policy_version"]) == ("2026-05-06T23:59:59+08:00", "2026.4")
    clock.advance(timedelta(days=1))
    ended = ok(command(api, petition, "hearing-end", "township", {"summary": "both sides heard"}))
    assert ended["hearing"] is None and ended["hearings"][0]["summary"] == "both sides heard"
    assert "give_opinion" in ended["allowed_actions"]
    keeper.sync(petition_id, 0)
    after = api.get(f"/petitions/{petition['id']}", headers=auth("auditor")).json()
    # The hearing on Thursday 5 and Friday 6 March counts (the shipped policy pauses only the
    # re-review limit, Art. 36): the opinion is still due at the end of Wednesday 6 May.
    [handling] = [c for c in after["clocks"] if c["clock"] == "petition.handling"]
    assert handling["due_at"] == "2026-05-06T23:59:59+08:00"
    assert handling["pauses"] == []
    assert [e["type"] for e in after["history"]][-2:] == ["HearingStarted", "HearingEnded"]


def test_the_review_window_shown_is_the_policys_on_the_calendar(api: TestClient):
    petition = accepted(api)
    answered = delivered(api, ok(command(api, petition, "opinion", "township")), "township")
    # Opinion received on Monday 2 March (17:00 in China): the 30th day, Wednesday 1 April, is a working day.
    assert (answered["review_window_closes"], answered["re_review_window_closes"]) == (
        "2026-04-01T23:59:59+08:00",
        None,
    )


def test_a_hearing_is_held_by_the_body_whose_decision_is_pending(api: TestClient, system: System):
    petition = accepted(api)
    before = head(system)
    for role, why in (
        ("accused_village_staff", "outside their jurisdiction"),  # the village below
        ("petition_agent", "does not have the right to decide petition"),
    ):
        refused = command(api, petition, "hearing-start", role)
        assert refused.status_code == 403, role
        # The township is above them: a node they may not read, which the refusal does not name.
        assert (refused.json()["right"], refused.json()["node"]) == ("decide_petition", None)
        assert why in refused.json()["detail"] and f"{TOWNSHIP}'" not in refused.json()["detail"]
    assert command(api, petition, "hearing-start", "foreign_township").status_code == 404  # another township
    assert head(system) == before
    assert ok(command(api, petition, "hearing-start", "petition_county_staff"))["hearing"]["body"] == TOWNSHIP
    ok(command(api, petition, "hearing-end", "township"))
    ok(command(api, petition, "opinion", "township"))
    ok(command(api, petition, "review-request", "petition_agent"))
    refused = command(api, petition, "hearing-start", "township")
    assert (refused.status_code, refused.json()["node"]) == (403, None)  # the county, unnamed
    assert (
        ok(command(api, petition, "hearing-start", "petition_county_staff"))["hearing"]["stage"] == "review"
    )


def test_during_a_hearing_a_decision_is_409_and_a_hearing_is_409_when_no_decision_is_pending(
    api: TestClient, system: System
):
    petition = registered(api)
    refused = command(api, petition, "hearing-start", "township")
    assert (refused.status_code, refused.json()["state"]) == (409, "registered")
    no_hearing = command(api, petition, "hearing-end", "township")
    assert (no_hearing.status_code, no_hearing.json()["state"]) == (409, "registered")
    ok(command(api, petition, "routing", "petition_agent"))
    ok(command(api, petition, "acceptance", "township"))
    ok(command(api, petition, "hearing-start", "township"))
    before = head(system)
    blocked = command(api, petition, "opinion", "township")
    assert blocked.status_code == 409
    assert (blocked.json()["state"], blocked.json()["allowed"]) == (
        "accepted, hearing in progress",
        ["end_hearing"],
    )
    assert "end it first" in blocked.json()["detail"]
    again = command(api, petition, "hearing-start", "township")
    assert again.status_code == 409
    assert head(system) == before


def test_a_hearing_ends_with_a_summary_or_is_422_naming_it(api: TestClient, system: System):
    petition = accepted(api)
    ok(command(api, petition, "hearing-start", "township"))
    before = head(system)
    for body in ({"summary": "  "}, {}):
        refused = command(api, petition, "hearing-end", "township", body)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "summary"
    assert head(system) == before


# -- every refusal, with its status -----------------------------------------------------------


def test_no_token_or_an_unknown_token_is_401_on_every_route(api: TestClient, system: System):
    petition = registered(api)
    before = head(system)
    assert api.post("/petitions", json=REGISTRATION).status_code == 401
    assert (
        api.get(f"/petitions/{petition['id']}", headers={"Authorization": "Bearer nope"}).status_code == 401
    )
    for path, body in COMMANDS.items():
        refused = api.post(f"/petitions/{petition['id']}/{path}", json=body)
        assert refused.status_code == 401, path
        assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert head(system) == before


def test_a_person_without_the_right_is_403_naming_it_on_every_command(api: TestClient, system: System):
    petition = concluded(api)
    before = head(system)
    refused = api.post("/petitions", json=REGISTRATION, headers=auth("auditor"))
    assert refused.status_code == 403 and refused.json()["right"] == "register_petition"
    expected = {
        "representatives": "handle_petition",
        "routing": "handle_petition",
        "acceptance": "decide_petition",
        "diversion": "handle_petition",
        "extension": "approve_extension",
        "opinion": "decide_petition",
        "answer-delivery": "handle_petition",
        "review-request": "handle_petition",
        "review-decision": "decide_petition",
        "re-review-request": "handle_petition",
        "re-review-decision": "decide_petition",
        "opinion-acceptance": "handle_petition",
        "conclusion": "decide_petition",
        "hearing-start": "decide_petition",
        "hearing-end": "decide_petition",
    }
    for path, right in expected.items():
        refused = command(api, petition, path, "auditor")
        assert refused.status_code == 403, path
        assert refused.json()["right"] == right, path
    assert head(system) == before


def test_a_person_outside_the_node_finds_no_petition_and_a_body_below_is_403(api: TestClient, system: System):
    petition = registered(api)
    before = head(system)
    read = api.get(f"/petitions/{petition['id']}", headers=auth("foreign_petition_agent"))
    assert read.status_code == 404 and read.json()["detail"] == f"no petition with id {petition['id']}"
    foreign = api.post("/petitions", json=REGISTRATION, headers=auth("foreign_petition_agent"))
    assert foreign.status_code == 403 and foreign.json()["node"] == VILLAGE
    ok(command(api, petition, "routing", "petition_agent"))
    lower = command(api, petition, "acceptance", "accused_village_staff")
    assert lower.status_code == 403 and lower.json()["node"] is None  # the township: above them
    assert head(system) == before + 2  # only the routing


def test_the_accused_is_403_on_an_accusation_against_them_without_being_told_why(
    api: TestClient, system: System
):
    petition = registered(api, type="accusation", accused_person_id="fang-jun", channel="letter")
    before = head(system)
    refused = command(api, petition, "routing", "accused_village_staff", {"to_node": VILLAGE})
    assert (
        refused.status_code == 403 and refused.json()["detail"] == "Fang Jun may not route on this petition"
    )
    assert head(system) == before


def test_an_unknown_petition_is_404_on_every_route_and_a_malformed_id_422(api: TestClient):
    missing = {"id": str(uuid4())}
    assert api.get(f"/petitions/{missing['id']}", headers=auth("auditor")).status_code == 404
    for path in COMMANDS:
        refused = command(api, missing, path, "petition_county_staff")
        assert refused.status_code == 404, path
        assert refused.json()["title"] == "Unknown petition"
    malformed = api.get("/petitions/not-a-uuid", headers=auth("auditor"))
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == "petition_id"


def test_a_command_the_state_does_not_allow_is_409_with_the_state_on_every_command(
    api: TestClient, system: System
):
    petition = concluded(api)
    before = head(system)
    for path in COMMANDS:
        refused = command(api, petition, path, "petition_county_staff")
        assert refused.status_code == 409, path
        assert (refused.json()["state"], refused.json()["allowed"]) == ("concluded", []), path
    assert head(system) == before


def test_a_refiling_of_a_concluded_matter_is_201_not_accepted_saying_why(api: TestClient, system: System):
    petition = concluded(api)
    again = api.post(
        "/petitions", json={**REGISTRATION, "channel": "visit"}, headers=auth("petition_county_staff")
    )
    assert again.status_code == 201, again.text
    refused = again.json()
    assert (refused["status"], refused["allowed_actions"], refused["repeat_of"]) == (
        "not_accepted",
        [],
        petition["id"],
    )
    assert refused["acceptance"]["reason"] == "concluded after re-review, Art. 36"
    assert refused["acceptance"]["article"] == "Art. 36"
    assert refused["acceptance"]["concluded_petition"] == petition["id"]
    assert refused["acceptance"]["concluded_on"].startswith("2026-03-02")
    read = api.get(f"/petitions/{refused['id']}", headers=auth("petition_county_staff")).json()
    assert [e["type"] for e in read["history"]][-1].endswith("NotAcceptedAsConcluded")
    assert read["clocks"] == []


def test_a_sixth_representative_is_409_saying_why(api: TestClient, system: System):
    petition = registered(api, people_count=30, representatives=[{"name": f"Rep {i}"} for i in range(1, 6)])
    before = head(system)
    refused = command(api, petition, "representatives", "petition_agent")
    assert refused.status_code == 409
    assert refused.json()["state"] == "registered, with 5 representatives"
    assert "a sixth is refused" in refused.json()["detail"]
    assert head(system) == before


def test_a_stale_if_match_is_412_on_every_command_and_writes_nothing(api: TestClient, system: System):
    petition = concluded(api)
    before = head(system)
    for path in COMMANDS:
        stale = command(api, petition, path, "petition_county_staff", if_match='"1"')
        assert stale.status_code == 412, path
        assert (stale.json()["expected_version"], stale.json()["current_version"]) == (1, 5)
    garbled = command(api, petition, "routing", "petition_county_staff", if_match="soon")
    assert garbled.status_code == 422 and garbled.json()["errors"][0]["field"] == "If-Match"
    assert head(system) == before


def test_an_unknown_field_is_422_naming_it_on_every_route(api: TestClient, system: System):
    petition = registered(api)
    before = head(system)
    assert (
        api.post("/petitions", json={**REGISTRATION, "bogus": 1}, headers=auth("petition_agent")).json()[
            "errors"
        ][0]["field"]
        == "bogus"
    )
    for path, body in COMMANDS.items():
        refused = command(api, petition, path, "petition_county_staff", {**body, "bogus": 1})
        assert refused.status_code == 422, path
        assert [e["field"] for e in refused.json()["errors"]] == ["bogus"], path
    assert head(system) == before


def test_malformed_registrations_are_422_naming_each_field(api: TestClient, system: System):
    before = head(system)
    bad = {**REGISTRATION, "channel": "pigeon", "petitioner": {**ZHANG, "id_number": "12345"}}
    del bad["content"]
    refused = api.post("/petitions", json=bad, headers=auth("petition_agent"))
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json()["errors"]} == {"channel", "petitioner.id_number", "content"}
    assert "12345" not in refused.text
    assert head(system) == before


@pytest.mark.parametrize(
    ("facts", "field"),
    [
        (
            {
                "petitioner": {
                    **ZHANG,
                    "id_number": id_number(1)[:17] + ("1" if id_number(1)[17] != "1" else "2"),
                }
            },
            "petitioner.id_number",
        ),
        (
            {"people_count": 40, "representatives": [{"name": f"Rep {i}"} for i in range(1, 7)]},
            "representatives",
        ),
        ({"people_count": 40}, "representatives"),
        ({"content": "   "}, "content"),
        ({"matter": " "}, "matter"),
        ({"node": "anping.nowhere"}, "node"),
        ({"agent": "chen-jing"}, "agent"),
        ({"type": "suggestion", "accused_person_id": "fang-jun"}, "accused_person_id"),
        ({"type": "accusation", "accused_person_id": "nobody"}, "accused_person_id"),
    ],
)
def test_a_registration_breaking_a_rule_is_422_naming_the_field(
    api: TestClient, system: System, facts, field
):
    before = head(system)
    refused = api.post("/petitions", json={**REGISTRATION, **facts}, headers=auth("petition_agent"))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == field
    assert head(system) == before


def test_a_command_breaking_a_rule_is_422_naming_the_field(api: TestClient, system: System):
    petition = registered(api)
    cases = [
        ("routing", "petition_agent", {"to_node": "anping.dongxi.shangba"}, "to_node"),
        ("acceptance", "township", {"decision": "objected", "reason": ""}, "reason"),
        ("extension", "township", {"days": 31, "reason": "survey"}, "days"),
        ("opinion", "township", {**ANSWER, "legal_basis": " "}, "legal_basis"),
        ("review-request", "petition_agent", {"grounds": ""}, "grounds"),
    ]
    for path, role, body, field in cases:
        before = head(system)
        refused = command(api, petition, path, role, body)
        assert refused.status_code == 422, (path, refused.text)
        assert refused.json()["errors"][0]["field"] == field
        assert head(system) == before
        ok(command(api, petition, path, role))  # the same command with a valid body goes through


def test_a_request_retried_with_its_idempotency_key_has_its_effect_once(api: TestClient):
    key = {"Idempotency-Key": "hotline/2026-03-02/17"}
    first = api.post("/petitions", json=REGISTRATION, headers={**auth("petition_agent"), **key})
    again = api.post("/petitions", json=REGISTRATION, headers={**auth("petition_agent"), **key})
    assert first.json()["id"] == again.json()["id"] and again.json()["repeat_of"] is None
    history = api.get(f"/petitions/{first.json()['id']}", headers=auth("auditor")).json()["history"]
    assert len(history) == 1 and history[0]["command_id"] == "hotline/2026-03-02/17"


# -- secrecy ----------------------------------------------------------------------------------

ACCUSATION = {
    **REGISTRATION,
    "type": "accusation",
    "accused_person_id": "fang-jun",
    "matter": "relief money",
    "content": "Fang Jun kept the flood relief money.",
}
SECRETS = (
    ZHANG["name"],
    ZHANG["id_number"],
    ZHANG["phone"],
    ZHANG["address"],
    "flood relief",
    "relief money",
    "fang-jun",
)


def _accusation(api: TestClient) -> dict[str, Any]:
    petition = registered(api, **ACCUSATION)
    ok(command(api, petition, "routing", "petition_agent"))
    ok(command(api, petition, "acceptance", "township"))
    ok(command(api, petition, "opinion", "township", {**ANSWER, "facts": "the relief money was paid out"}))
    return petition


@pytest.mark.parametrize("role", ["accused_village_staff", "auditor", "mediator"])
def test_an_accusation_read_by_the_accused_or_without_the_right_is_withheld_in_state_and_history(
    api: TestClient, role: str
):
    petition = _accusation(api)
    read = api.get(f"/petitions/{petition['id']}", headers=auth(role))
    assert read.status_code == 200
    body = read.json()
    assert body["secrets_withheld"] is True
    assert (body["content"], body["matter"], body["accused_person_id"]) == (WITHHELD,) * 3
    assert body["opinion"]["facts"] == WITHHELD and body["opinion"]["outcome"] == "not_support"
    assert body["history"][0]["data"]["petitioner"]["name"] == WITHHELD
    assert (body["status"], len(body["history"])) == ("opinion_given", 4)
    for secret in SECRETS:
        assert secret not in read.text, secret


@pytest.mark.parametrize("role", ["township", "petition_agent", "petition_county_staff"])
def test_an_accusation_read_with_the_right_is_whole(api: TestClient, role: str):
    petition = _accusation(api)
    body = api.get(f"/petitions/{petition['id']}", headers=auth(role)).json()
    assert body["secrets_withheld"] is False
    assert (body["content"], body["accused_person_id"]) == (ACCUSATION["content"], "fang-jun")
    assert body["history"][0]["data"]["petitioner"] == ZHANG


def test_personal_data_and_an_accusations_content_never_reach_the_logs(api: TestClient):
    with structlog.testing.capture_logs() as logs:
        petition = _accusation(api)
        api.get(f"/petitions/{petition['id']}", headers=auth("auditor"))
        command(api, petition, "review-request", "petition_agent")
        bad_id = {
            **ZHANG,
            "id_number": ZHANG["id_number"][:17] + ("1" if ZHANG["id_number"][17] != "1" else "2"),
        }
        assert (
            api.post(
                "/petitions", json={**ACCUSATION, "petitioner": bad_id}, headers=auth("petition_agent")
            ).status_code
            == 422
        )
        assert command(api, petition, "representatives", "petition_agent").status_code == 409
    assert any(entry["event"] == "petition.registered" for entry in logs)
    assert any(entry["event"] == "command.refused" for entry in logs)
    text = repr(logs)
    for secret in (*SECRETS[:-1], bad_id["id_number"], "receipt is forged"):
        assert secret not in text, secret


def test_the_openapi_document_describes_the_petition_routes(api: TestClient):
    paths = api.get("/openapi.json").json()["paths"]
    assert {"/petitions", "/petitions/{petition_id}"} | {
        f"/petitions/{{petition_id}}/{p}" for p in COMMANDS
    } <= set(paths)


def test_the_review_window_runs_from_the_receipt_recorded_by_post(api: TestClient, clock: Clock):
    petition = accepted(api)
    answered = ok(command(api, petition, "opinion", "township"))  # Monday 2 March, 17:00 in China
    post = {"method": "by_post", "recipient": "Zhang San", "reference": "XA 1234 5678 CN"}
    naive = command(
        api, answered, "answer-delivery", "township", {**post, "received_at": "2026-03-09T10:00:00"}
    )
    assert naive.status_code == 422
    early = command(
        api, answered, "answer-delivery", "township", {**post, "received_at": "2026-03-09T10:00:00+08:00"}
    )
    assert (
        early.status_code == 422 and early.json()["errors"][0]["field"] == "received_at"
    )  # not yet: it is still 2 March
    clock.advance(timedelta(days=10))
    received = ok(
        command(
            api, answered, "answer-delivery", "township", {**post, "received_at": "2026-03-09T10:00:00+08:00"}
        )
    )
    # 30 days from Monday 9 March end on Wednesday 8 April (not on 1 April, 30 days from the opinion).
    assert received["review_window_closes"] == "2026-04-08T23:59:59+08:00"
    assert received["deliveries"]["opinion"]["received_at"] == "2026-03-09T10:00:00+08:00"
    again = command(
        api, answered, "answer-delivery", "township", {**post, "received_at": "2026-03-09T10:00:00+08:00"}
    )
    assert again.status_code == 409
    clock.now = datetime(2026, 4, 6, 9, 0, tzinfo=CHINA)  # 35 days after the opinion
    assert ok(command(api, answered, "review-request", "petition_agent"))["status"] == "review_requested"


# -- anonymous letters (Art. 29–30: accusations and suggestions may come without a name) ---------


@pytest.mark.parametrize("kind", ["accusation", "suggestion"])
def test_an_anonymous_accusation_or_suggestion_is_registered_and_handled_without_the_rights_of_identity(
    api: TestClient, system: System, kind: str
):
    letter = {**REGISTRATION, "channel": "letter", "type": kind, "petitioner": {}}
    created = api.post("/petitions", json=letter, headers=auth("petition_agent"))
    assert created.status_code == 201, created.text
    petition = created.json()
    assert (petition["anonymous"], petition["repeat_of"], petition["allowed_actions"]) == (
        True,
        None,
        ["assign", "route"],
    )
    ok(command(api, petition, "routing", "petition_agent"))
    ok(command(api, petition, "acceptance", "township"))
    handled = ok(command(api, petition, "opinion", "township"))
    assert (handled["status"], handled["conclusion"]["how"], handled["allowed_actions"]) == (
        "concluded",
        "anonymous_handled",
        [],
    )
    assert handled["opinion"]["outcome"] == "not_support"
    again = api.post("/petitions", json=letter, headers=auth("petition_agent")).json()
    assert (again["status"], again["repeat_of"]) == ("registered", None)  # nobody to recognise it by


def test_an_anonymous_petition_refuses_what_needs_an_identity_with_409_saying_why(api: TestClient):
    letter = {**REGISTRATION, "channel": "letter", "type": "suggestion", "petitioner": {"name": "a villager"}}
    petition = registered(api, **letter)
    assert petition["petitioner"] == {"anonymous": True, "name": "a villager"}
    ok(command(api, petition, "routing", "petition_agent"))
    accepted = ok(command(api, petition, "acceptance", "township"))
    assert "deliver_answer" not in accepted["allowed_actions"]
    for path, role in (
        ("review-request", "petition_agent"),
        ("re-review-request", "petition_agent"),
        ("opinion-acceptance", "petition_agent"),
        ("answer-delivery", "township"),
    ):
        refused = command(api, petition, path, role)
        assert refused.status_code == 409, path
        assert refused.json()["state"] == "accepted, anonymous", path
        assert "registered anonymously (no identity number)" in refused.json()["detail"], path
    ok(command(api, petition, "opinion", "township"))
    after = command(api, petition, "review-request", "petition_agent")
    assert after.status_code == 409 and after.json()["state"] == "concluded, anonymous"


def test_a_complaint_without_an_identity_number_is_422_naming_why(api: TestClient, system: System):
    before = head(system)
    refused = api.post(
        "/petitions",
        json={**REGISTRATION, "petitioner": {"name": "Zhang San"}},
        headers=auth("petition_agent"),
    )
    assert refused.status_code == 422
    assert "petitioner.id_number" in refused.text
    assert head(system) == before


# -- assignment (交办) with a result report, Art. 22 -----------------------------------------------


def test_an_office_assigns_a_petition_and_sees_what_it_assigned_and_what_came_back(
    api: TestClient, system: System
):
    petition = registered(api, role="petition_county_staff", channel="visit")
    assert "assign" in petition["allowed_actions"]
    body = {"office": COUNTY, "to_node": TOWNSHIP, "reporter": "chen-jing", "report_within_days": 10}
    assigned = ok(command(api, petition, "assignment", "petition_county_staff", body))
    assert (assigned["status"], assigned["routed_to"]) == ("routed", TOWNSHIP)
    assert assigned["assignment"]["office"] == COUNTY and assigned["assignment"]["reporter"] == "chen-jing"
    assert assigned["assignment"]["report_within_days"] == 10
    assert "report_assignment_result" in assigned["allowed_actions"]
    system.casebook.keepers["petition"].sync(UUID(petition["id"]), 0)

    view = api.get("/petitions/assigned", params={"node": COUNTY}, headers=auth("petition_county_staff"))
    assert view.status_code == 200, view.text
    [row] = view.json()["assigned"]
    assert (row["petition_id"], row["to_node"], row["reported_at"], row["report_clock_status"]) == (
        petition["id"],
        TOWNSHIP,
        None,
        "running",
    )
    assert datetime.fromisoformat(row["report_due_at"]) > datetime.fromisoformat(row["assigned_at"])
    assert view.json()["awaiting_report"] == 1

    ok(command(api, petition, "acceptance", "township"))
    not_yours = command(api, petition, "assignment-result", "petition_agent", {"result": "done"})
    assert not_yours.status_code == 403
    reported = ok(
        command(api, petition, "assignment-result", "township", {"result": "paid in full on 5 March"})
    )
    assert reported["assignment"]["result"] == "paid in full on 5 March"
    assert "report_assignment_result" not in reported["allowed_actions"]
    again = command(api, petition, "assignment-result", "township", {"result": "again"})
    assert again.status_code == 409 and "the result was reported on" in again.json()["detail"]
    system.casebook.keepers["petition"].sync(UUID(petition["id"]), 0)
    [row] = api.get(
        "/petitions/assigned", params={"node": COUNTY}, headers=auth("petition_county_staff")
    ).json()["assigned"]
    assert (row["result"], row["report_clock_status"], row["overdue"]) == (
        "paid in full on 5 March",
        "stopped",
        False,
    )


def test_an_assignment_outside_policy_bounds_or_the_offices_reach_is_422(api: TestClient):
    petition = registered(api, role="petition_county_staff", channel="visit")
    too_long = {"office": COUNTY, "to_node": TOWNSHIP, "report_within_days": 31}
    refused = command(api, petition, "assignment", "petition_county_staff", too_long)
    assert refused.status_code == 422 and "1 to 30 days" in refused.text
    upward = {"office": TOWNSHIP, "to_node": COUNTY}
    refused = command(api, petition, "assignment", "township", upward)
    assert refused.status_code == 422 and "within its jurisdiction" in refused.text
    unassigned = command(api, petition, "assignment-result", "township", {"result": "x"})
    assert unassigned.status_code == 409 and "was not assigned" in unassigned.json()["detail"]

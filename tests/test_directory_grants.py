"""Nobody grants themselves power, and those assessed or audited never choose or dismiss who
assesses or audits them: assessor and auditor posts are granted and ended only from above."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System
from tests.support import TOKENS, VILLAGE

TOWNSHIP, COUNTY = "anping.dongxi", "anping"


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with TestClient(create_api(system)) as client:
        yield client


def head(system: System) -> int:
    return system.casebook.recorder.max_notification_id() or 0


def grant(api: TestClient, role: str, person_id: str, post: str, node: str):
    return api.post(
        "/directory/posts", json={"person_id": person_id, "post": post, "node": node}, headers=auth(role)
    )


def refused(response, rule: str) -> None:
    assert response.status_code == 403, response.text
    assert response.json()["rule"] == rule, response.text


def test_workstation_staff_cannot_grant_themselves_a_post(api: TestClient, system: System):
    before = head(system)
    refused(grant(api, "township", "chen-jing", "mediator", VILLAGE), "no_self_grant")
    refused(grant(api, "township", "chen-jing", "assessor", TOWNSHIP), "no_self_grant")
    assert "themselves" in grant(api, "county_staff", "deng-hao", "auditor", TOWNSHIP).json()["detail"]
    assert head(system) == before
    assert grant(api, "township", "li-ming", "mediator", TOWNSHIP).status_code == 200  # someone else: fine


def test_a_townships_assessor_and_auditor_are_granted_by_the_county_not_the_township(
    api: TestClient, system: System
):
    before = head(system)
    for post in ("assessor", "auditor"):
        same_level = grant(api, "township", "li-ming", post, TOWNSHIP)
        refused(same_level, "granted_from_above")
        assert "level above" in same_level.json()["detail"] and COUNTY in same_level.json()["detail"]
    assert head(system) == before
    assert grant(api, "county_staff", "li-ming", "assessor", TOWNSHIP).status_code == 200


def test_the_countys_auditor_is_neither_granted_nor_ended_by_county_staff(api: TestClient, system: System):
    before = head(system)
    refused(grant(api, "county_staff", "chen-jing", "auditor", COUNTY), "granted_from_above")
    ending = {"person_id": "sun-hua", "post": "auditor", "node": COUNTY, "reason": "inconvenient"}
    refused(
        api.post("/directory/posts/ending", json=ending, headers=auth("county_staff")), "granted_from_above"
    )
    assert head(system) == before

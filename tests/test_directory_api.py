"""The directory over HTTP: managed by workstation staff inside their node, read by anyone
with a post above the node, as it stood on any day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System
from tests.support import TOKENS, VILLAGE, Clock

TOWNSHIP = "anping.dongxi"


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with TestClient(create_api(system)) as client:
        yield client


def head(system: System) -> int:
    return system.casebook.recorder.max_notification_id() or 0


def new_village(api: TestClient, code: str = "anping.dongxi.xincun") -> None:
    created = api.post(
        "/directory/nodes",
        json={
            "code": code,
            "name": "Xincun",
            "kind": "village",
            "parent": TOWNSHIP,
        },
        headers=auth("township"),
    )
    assert created.status_code == 201, created.text


def committee(api: TestClient, code: str = "anping.dongxi.xincun") -> dict | None:
    return api.get(f"/directory/nodes/{code}", headers=auth("auditor")).json()["committee"]


def test_township_staff_build_a_village_and_staff_its_committee(api: TestClient):
    new_village(api)
    assert committee(api) is None  # nobody has served on it yet
    for i in range(3):
        if i == 2:
            assert committee(api) == {
                "members": ["x0", "x1"],
                "chair": "x0",
                "constituted": False,
                "problems": ["under strength: 2 member(s), a committee has at least 3"],
            }
        person = {"person_id": f"x{i}", "name": f"Xin {i}", "node": "anping.dongxi.xincun"}
        assert api.post("/directory/people", json=person, headers=auth("township")).status_code == 201
        post = "mediation_chair" if i == 0 else "mediator"
        taken = api.post(
            "/directory/posts",
            json={"person_id": f"x{i}", "post": post, "node": "anping.dongxi.xincun"},
            headers=auth("township"),
        )
        assert taken.status_code == 200, taken.text
    node = api.get("/directory/nodes/anping.dongxi.xincun", headers=auth("auditor")).json()
    assert (node["name"], node["parent"], node["active"]) == ("Xincun", TOWNSHIP, True)
    assert sorted((h["person_id"], h["post"]) for h in node["holders"]) == [
        ("x0", "mediation_chair"),
        ("x1", "mediator"),
        ("x2", "mediator"),
    ]
    assert node["committee"] == {
        "members": ["x0", "x1", "x2"],
        "chair": "x0",
        "constituted": True,
        "problems": [],
    }
    chair_leaves = {
        "person_id": "x0",
        "post": "mediation_chair",
        "node": "anping.dongxi.xincun",
        "reason": "moved away",
    }
    assert api.post("/directory/posts/ending", json=chair_leaves, headers=auth("township")).status_code == 200
    assert committee(api)["problems"] == [
        "under strength: 2 member(s), a committee has at least 3",
        "no chair",
    ]


def test_the_tenth_committee_member_is_refused_with_the_reason(api: TestClient, system: System):
    for i in range(6):  # the village committee already has 3 (he-ping, li-ming, zhou-yun)
        api.post(
            "/directory/people",
            json={"person_id": f"m{i}", "name": f"M{i}", "node": VILLAGE},
            headers=auth("township"),
        )
        assert (
            api.post(
                "/directory/posts",
                json={"person_id": f"m{i}", "post": "mediator", "node": VILLAGE},
                headers=auth("township"),
            ).status_code
            == 200
        )
    api.post(
        "/directory/people",
        json={"person_id": "tenth", "name": "Tenth", "node": VILLAGE},
        headers=auth("township"),
    )
    before = head(system)
    refused = api.post(
        "/directory/posts",
        json={"person_id": "tenth", "post": "mediator", "node": VILLAGE},
        headers=auth("township"),
    )
    assert refused.status_code == 409
    assert "at most 9 members" in refused.json()["detail"]
    assert refused.json()["state"] == "a full committee of 9"
    assert head(system) == before


def test_who_was_responsible_on_a_past_day_is_answered(api: TestClient):
    hand_over = {  # the clock is 2026-03-02 17:00 in the village: a post ended 17 hours back
        "person_id": "luo-bin",
        "post": "branch_secretary",
        "node": VILLAGE,
        "reason": "term ended",
        "effective_at": "2026-03-02T00:00:00+08:00",
        "late_reason": "the township's decision arrived this afternoon",
    }
    assert api.post("/directory/posts/ending", json=hand_over, headers=auth("township")).status_code == 200
    successor = {
        "person_id": "tang-hui",
        "post": "branch_secretary",
        "node": VILLAGE,
        "effective_at": "2026-03-02T00:00:00+08:00",
        "late_reason": "the township's decision arrived this afternoon",
    }
    assert api.post("/directory/posts", json=successor, headers=auth("township")).status_code == 200

    def secretaries(day: str) -> list[str]:
        node = api.get(f"/directory/nodes/{VILLAGE}", params={"at": day}, headers=auth("auditor")).json()
        return [
            h["person_id"] for h in node["holders"] if h["post"] == "branch_secretary" and h["responsible"]
        ]

    assert secretaries("2026-02-03T12:00:00+08:00") == ["luo-bin"]
    assert secretaries("2026-03-03T12:00:00+08:00") == ["tang-hui"]


def test_a_renamed_and_a_merged_village_read_as_they_stood(api: TestClient, clock: Clock):
    # the history is built as it happens (a person may date a change at most days back): the
    # village on 2026-03-02, renamed as from 2026-03-30, merged as from 2026-04-29
    new_village(api)
    clock.advance(timedelta(days=30))
    renamed = api.post(
        "/directory/nodes/anping.dongxi.xincun/renaming",
        json={"name": "Xinqiao", "effective_at": "2026-03-30T00:00:00+08:00", "late_reason": "minuted late"},
        headers=auth("township"),
    )
    assert renamed.status_code == 200, renamed.text
    clock.advance(timedelta(days=30))
    merged = api.post(
        "/directory/merges",
        json={
            "sources": ["anping.dongxi.xincun"],
            "into": VILLAGE,
            "effective_at": "2026-04-29T00:00:00+08:00",
            "late_reason": "minuted late",
        },
        headers=auth("township"),
    )
    assert merged.status_code == 200, merged.text

    def read(day: str) -> dict:
        return api.get(
            "/directory/nodes/anping.dongxi.xincun", params={"at": day}, headers=auth("auditor")
        ).json()

    assert read("2026-03-20T00:00:00+08:00")["name"] == "Xincun"
    assert read("2026-04-20T00:00:00+08:00")["name"] == "Xinqiao"
    assert (read("2026-04-30T00:00:00+08:00")["active"], read("2026-04-30T00:00:00+08:00")["successors"]) == (
        False,
        [VILLAGE],
    )


def test_a_split_gives_each_grid_to_a_new_part(api: TestClient):
    split = {
        "source": "anping.dongxi.shangba",
        "parts": [{"code": "sb.n", "name": "Shangba North"}, {"code": "sb.s", "name": "Shangba South"}],
        "children": {"anping.dongxi.shangba.g1": "sb.s"},
    }
    assert api.post("/directory/splits", json=split, headers=auth("township")).status_code == 200
    assert api.get("/directory/nodes/sb.s", headers=auth("auditor")).json()["children"] == [
        "anping.dongxi.shangba.g1"
    ]


def test_directory_refusals_are_precise(api: TestClient, system: System):
    before = head(system)
    assert (
        api.post(
            "/directory/nodes", json={"code": "x", "name": "X", "kind": "village", "parent": TOWNSHIP}
        ).status_code
        == 401
    )
    grid_member = api.post(
        "/directory/nodes",
        json={"code": "x", "name": "X", "kind": "village", "parent": TOWNSHIP},
        headers=auth("grid_member"),
    )
    assert grid_member.status_code == 403 and grid_member.json()["right"] == "manage_directory"
    outside = api.post(
        "/directory/nodes",
        json={"code": "x", "name": "X", "kind": "township", "parent": "anping"},
        headers=auth("township"),
    )
    assert outside.status_code == 403 and "outside Chen Jing's jurisdiction" in outside.json()["detail"]
    wrong_kind = api.post(
        "/directory/nodes",
        json={"code": "x", "name": "X", "kind": "grid", "parent": TOWNSHIP},
        headers=auth("township"),
    )
    assert wrong_kind.status_code == 422 and wrong_kind.json()["errors"][0]["field"] == "parent"
    bad_post = api.post(
        "/directory/posts",
        json={"person_id": "wang-fang", "post": "mayor", "node": VILLAGE},
        headers=auth("township"),
    )
    assert bad_post.status_code == 422 and bad_post.json()["errors"][0]["field"] == "post"
    assert api.get("/directory/nodes/nowhere", headers=auth("auditor")).status_code == 404
    assert api.get(f"/directory/nodes/{VILLAGE}", headers=auth("foreign_grid_member")).status_code == 403
    assert head(system) == before

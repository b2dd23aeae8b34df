"""Who may touch a case of any kind — a dispute, a petition, an incident, a patrol shift — for every
person of config/dev.toml against every operation the OpenAPI document lists on that case (its
reads, and its commands sent with an empty body), with no token and with a wrong one, and with
another person's Idempotency-Key on the creation.

What is expected is worked out from the directory file itself (the posts, the nodes and their
parents), not by asking the code under test:
- a person with no post at the case's node or above it gets, on every operation, exactly the answer
  an id nobody used gets (status and body, the id aside), and never a word of the case;
- a person with a post there or above never gets "not found" on a read;
- no token, or a wrong one, is 401 on every operation, and carries nothing of the case;
- a creation replayed by another person with the first person's key is decided afresh: it never
  answers with the first person's case.

The rights each post carries are not modelled (the post may lack the right, or the state refuse
the command): this matrix checks jurisdiction, secrecy of existence and that no answer leaks."""

from __future__ import annotations

import re
import tomllib
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System
from tests.petition_dsl import ZHANG
from tests.support import GRID, VILLAGE, Clock, person

pytestmark = pytest.mark.http
DIRECTORY = tomllib.loads((Path(__file__).resolve().parent.parent / "config" / "dev.toml").read_text())
PARENT = {n["id"]: n.get("parent") for n in DIRECTORY["node"]}
TOKEN = {p["id"]: p["token"] for p in DIRECTORY["person"]}
MARK = "Qx7-secret"  # written into every case's content: no refusal may carry it
KINDS = {
    "/disputes": "dispute",
    "/petitions": "petition",
    "/incidents": "incident",
    "/patrols/shifts": "shift",
}


def above(node: str) -> set[str]:
    found: set[str] = set()
    current: str | None = node
    while current is not None:
        found.add(current)
        current = PARENT.get(current)
    return found


def within(someone: dict[str, Any], node: str) -> bool:
    return any(post["node"] in above(node) for post in someone["posts"])


def auth(person_id: str, **more: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKEN[person_id]}", **more}


@pytest.fixture
def api(sqlite_system: System, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_api(sqlite_system)) as client:
        yield client


def creations(clock: Clock) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """Each kind's creation: its path, who makes it, and the body (with the mark in its content)."""
    return {
        "dispute": (
            "/disputes",
            person("grid_member"),
            {
                "grid": GRID,
                "parties": [{"name": f"Zhang {MARK}"}, {"name": "Li Si"}],
                "category": "neighbourhood",
                "severity": "minor",
                "description": f"A fence moved {MARK}",
                "occurred_at": (clock.now - timedelta(hours=3)).isoformat(),
            },
        ),
        "petition": (
            "/petitions",
            person("petition_agent"),
            {
                "node": VILLAGE,
                "channel": "via_agent",
                "type": "complaint",
                "petitioner": ZHANG,
                "content": f"The road money was never paid {MARK}",
                "matter": f"Road compensation {MARK}",
            },
        ),
        "incident": (
            "/incidents",
            person("grid_member"),
            {
                "kind": "fire",
                "grid": GRID,
                "description": f"Barn on fire {MARK}",
                "location": f"Li's barn {MARK}",
                "occurred_at": (clock.now - timedelta(hours=1)).isoformat(),
            },
        ),
    }


def make_cases(api: TestClient, clock: Clock) -> dict[str, tuple[str, str]]:
    """One case of each kind: its id and the node it is read at."""
    made: dict[str, tuple[str, str]] = {}
    for kind, (path, maker, body) in creations(clock).items():
        answer = api.post(path, json=body, headers=auth(maker, **{"Idempotency-Key": f"matrix-{kind}"}))
        assert answer.status_code == 201, answer.text
        made[kind] = (answer.json()["id"], answer.json().get("node") or answer.json()["grid"])
    leader = person("patrol_leader")
    route = api.post(
        "/patrols/routes",
        json={
            "node": VILLAGE,
            "name": f"River loop {MARK}",
            "checkpoints": [{"code": "C1", "name": "Bridge"}],
        },
        headers=auth(leader),
    )
    assert route.status_code == 201, route.text
    shift = api.post(
        "/patrols/shifts",
        json={
            "route_id": route.json()["id"],
            "leader": leader,
            "members": [person("patrol_member")],
            "planned_start": (clock.now + timedelta(days=1)).isoformat(),
            "planned_end": (clock.now + timedelta(days=1, hours=3)).isoformat(),
        },
        headers=auth(leader),
    )
    assert shift.status_code == 201, shift.text
    made["shift"] = (shift.json()["id"], shift.json().get("node") or VILLAGE)
    return made


def operations(api: TestClient) -> dict[str, list[tuple[str, str]]]:
    """From the OpenAPI document: per kind, every (method, path template) on one case of it."""
    found: dict[str, list[tuple[str, str]]] = {kind: [] for kind in KINDS.values()}
    for path, methods in api.app.openapi()["paths"].items():
        for base, kind in KINDS.items():
            rest = path.removeprefix(base)
            if path.startswith(base + "/{") and re.fullmatch(r"/\{[a-z_]+\}(/[a-z-]+)*", rest):
                found[kind] += [(m.upper(), path) for m in methods if m in ("get", "post")]
    return found


def on(template: str, case_id: str) -> str:
    return re.sub(r"\{[a-z_]+\}", case_id, template, count=1)


def call(api: TestClient, method: str, path: str, headers: dict[str, str]) -> Any:
    return api.request(method, path, headers=headers, json={} if method == "POST" else None)


def test_every_person_against_every_operation_on_every_kind_of_case(api: TestClient, clock: Clock) -> None:
    made = make_cases(api, clock)
    ops = operations(api)
    assert {kind: len(found) >= 5 for kind, found in ops.items()} == dict.fromkeys(ops, True), ops
    checked, leaks, wrong = 0, [], []
    for kind, (case_id, node) in made.items():
        nobodys = str(uuid.uuid4())
        insiders = [p for p in DIRECTORY["person"] if within(p, node)]
        outsiders = [p for p in DIRECTORY["person"] if not within(p, node)]
        assert insiders and len(outsiders) >= 3, (kind, node)
        for method, template in ops[kind]:
            for someone in DIRECTORY["person"]:
                headers = auth(someone["id"])
                answer = call(api, method, on(template, case_id), headers)
                checked += 1
                if someone in outsiders:
                    unknown = call(api, method, on(template, nobodys), headers)
                    same = answer.status_code == unknown.status_code and answer.text.replace(
                        case_id, "ID"
                    ) == unknown.text.replace(nobodys, "ID")
                    if not same:
                        wrong.append(
                            f"{someone['id']} {method} {template} ({kind}): {answer.status_code} "
                            f"{answer.text[:160]} — unused id: {unknown.status_code} {unknown.text[:150]}"
                        )
                    if MARK in answer.text:
                        leaks.append(f"{someone['id']} {method} {template}: {answer.text[:300]}")
                elif method == "GET" and answer.status_code == 404:
                    wrong.append(
                        f"{someone['id']} GET {template} ({kind}): 404 to a person who may read there"
                    )
    assert not leaks, leaks
    assert not wrong, "\n".join(wrong[:40]) + f"\n({len(wrong)} in all)"
    assert checked == sum(len(ops[k]) for k in made) * len(DIRECTORY["person"])
    print(f"matrix: {checked} requests over {sum(len(v) for v in ops.values())} operations, 0 leaks")


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_no_token_or_a_wrong_one_is_refused_on_every_operation_without_a_leak(
    api: TestClient, clock: Clock, token: str | None
) -> None:
    made = make_cases(api, clock)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for kind, found in operations(api).items():
        for method, template in found:
            answer = call(api, method, on(template, made[kind][0]), headers)
            assert answer.status_code == 401, (method, template, answer.status_code)
            assert MARK not in answer.text


def test_a_creation_replayed_by_another_person_with_the_first_ones_key_is_decided_afresh(
    api: TestClient, clock: Clock
) -> None:
    made = make_cases(api, clock)
    for kind, (path, maker, body) in creations(clock).items():
        for someone in DIRECTORY["person"]:
            if someone["id"] == maker:
                continue
            answer = api.post(
                path, json=body, headers=auth(someone["id"], **{"Idempotency-Key": f"matrix-{kind}"})
            )
            if answer.status_code in (200, 201):
                assert answer.json()["id"] != made[kind][0], (kind, someone["id"])  # their own case
            else:
                assert MARK not in answer.text, (kind, someone["id"], answer.text[:300])

"""Who may touch a dispute, for every person of config/dev.toml and every route that names a
dispute (its reads, and the commands of api/commands.py's table whose body may be empty): a
person with no post at the dispute's grid or above it is refused every one of them — and the
refusal carries none of the dispute's parties, phones or description; a person with a post there
or above reads it.

What is expected is worked out here from the directory file itself (the posts, the nodes and their
parents), not by asking the code under test. The rights each post carries are not modelled here
(the post may lack the right, or the state refuse the command): this matrix checks the
jurisdiction, and that no refusal leaks."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

import api.app  # noqa: F401 - importing the app adds every command route to COMMANDS
from api.commands import COMMANDS
from tests.support import GRID

DIRECTORY = tomllib.loads((Path(__file__).resolve().parent.parent / "config" / "dev.toml").read_text())
PARENT = {n["id"]: n.get("parent") for n in DIRECTORY["node"]}
SECRETS = ("Zhang San", "Li Si", "138 0000 0000", "A fence moved")
REPORT = {
    "grid": GRID,
    "parties": [{"name": "Zhang San", "phone": "+86 138 0000 0000"}, {"name": "Li Si"}],
    "category": "neighbourhood",
    "severity": "minor",
    "description": "A fence moved onto the neighbour's field",
    "occurred_at": "2026-03-01T18:00:00+08:00",
}


def _takes_an_empty_body(body: type[Any]) -> bool:
    try:
        body.model_validate({})
    except ValidationError:
        return False
    return True


# The commands whose body may be empty ({}), so that the request reaches the decision rather than
# stopping at validation; the others need values this matrix does not make.
DISPUTE_COMMANDS = sorted(
    command.path
    for kind, command in COMMANDS
    if kind.name == "dispute" and _takes_an_empty_body(command.body)
)


def above(node: str) -> set[str]:
    """The node and every node above it, by the file's parents."""
    found: set[str] = set()
    current: str | None = node
    while current is not None:
        found.add(current)
        current = PARENT[current]
    return found


def within(person: dict[str, Any], node: str) -> bool:
    return any(post["node"] in above(node) for post in person["posts"])


def routes(dispute_id: str) -> list[tuple[str, str]]:
    reads = [f"/disputes/{dispute_id}", f"/disputes/{dispute_id}/evidence", f"/disputes/{dispute_id}/clocks"]
    return [("GET", path) for path in reads] + [
        ("POST", f"/disputes/{dispute_id}/{command}") for command in DISPUTE_COMMANDS
    ]


def test_every_person_against_every_dispute_route(api: TestClient) -> None:
    created = api.post("/disputes", json=REPORT, headers={"Authorization": "Bearer dev-grid-wang"})
    assert created.status_code == 201, created.text
    dispute_id = created.json()["id"]
    outsiders = [p for p in DIRECTORY["person"] if not within(p, GRID)]
    insiders = [p for p in DIRECTORY["person"] if within(p, GRID)]
    assert len(outsiders) >= 5 and len(insiders) >= 5  # both sides of the matrix are populated
    assert len(DISPUTE_COMMANDS) >= 4
    checked, leaks, wrong = 0, [], []
    for person in DIRECTORY["person"]:
        auth = {"Authorization": f"Bearer {person['token']}"}
        for method, path in routes(dispute_id):
            answer = api.request(method, path, headers=auth, json={} if method == "POST" else None)
            checked += 1
            if person in outsiders:
                if answer.status_code not in (403, 404):
                    wrong.append(f"{person['id']} {method} {path}: {answer.status_code}, expected a refusal")
                if any(secret in answer.text for secret in SECRETS):
                    leaks.append(f"{person['id']} {method} {path}: {answer.text[:300]}")
            elif method == "GET" and answer.status_code != 200:
                wrong.append(f"{person['id']} {method} {path}: {answer.status_code}, expected 200")
    assert not leaks, leaks
    assert not wrong, wrong
    assert checked == len(DIRECTORY["person"]) * len(routes(dispute_id))


@pytest.mark.parametrize("token", [None, "not-a-token"])
def test_no_token_or_a_wrong_one_is_refused_on_every_dispute_route_without_a_leak(api: TestClient, token):
    created = api.post("/disputes", json=REPORT, headers={"Authorization": "Bearer dev-grid-wang"})
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for method, path in routes(created.json()["id"]):
        answer = api.request(method, path, headers=headers, json={} if method == "POST" else None)
        assert answer.status_code == 401, (method, path, answer.status_code)
        assert not any(secret in answer.text for secret in SECRETS)

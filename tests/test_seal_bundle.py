"""A dispute's evidence bundle checks offline with the bundle and the published key alone; any
altered event fails it, and so does a bundle from another system."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.cli import main
from infra.settings import Settings
from service.seal.bundle import verify_bundle
from service.seal.checkpoint import new_key, unb64
from tests.conftest import seeded
from tests.support import GRID, TOKENS, Clock, settings_for

REPORT = {
    "grid": GRID,
    "parties": [{"name": "Zhang San", "phone": "+86 138 0000 0000"}, {"name": "Li Si"}],
    "category": "neighbourhood",
    "severity": "minor",
    "description": "A fence moved onto the neighbour's field",
    "occurred_at": "2026-03-01T18:00:00+08:00",
}


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def bundle_of(api: TestClient) -> tuple[dict[str, Any], bytes]:
    made = api.post("/disputes", json=REPORT, headers=auth("grid_member"))
    assert made.status_code == 201, made.text
    dispute_id = made.json()["id"]
    accepted = api.post(f"/disputes/{dispute_id}/acceptance", json={}, headers=auth("mediator"))
    assert accepted.status_code == 200, accepted.text
    api.post("/seal/checkpoints", headers=auth("auditor"))  # one that does not cover the last event
    api.post(
        f"/disputes/{dispute_id}/mediation-sessions", json={"outcome": "adjourned"}, headers=auth("mediator")
    )
    response = api.get(f"/disputes/{dispute_id}/evidence", headers=auth("mediator"))
    assert response.status_code == 200, response.text
    return response.json(), unb64(api.get("/seal/key").json()["public_key"])


def test_a_bundle_verifies_offline_with_the_published_key(api: TestClient) -> None:
    bundle, key = bundle_of(api)
    assert verify_bundle(bundle, key) == []
    assert len(bundle["events"]) >= 2 and bundle["events"][0]["reading"]["type"] == "Reported"
    assert bundle["checkpoint"]["tree_size"] > bundle["events"][-1]["leaf_index"]
    assert any("登记纠纷" in line for line in bundle["timeline"]["zh"])
    assert any("Reported by" in line for line in bundle["timeline"]["en"])


def altered(bundle: dict[str, Any], n: int, field: str) -> dict[str, Any]:
    changed = copy.deepcopy(bundle)
    record = changed["events"][n]["record"]
    if field == "state":
        state = bytearray(base64.b64decode(record["state"]))
        state[len(state) // 2] ^= 0x01
        record["state"] = base64.b64encode(bytes(state)).decode()
    elif field == "topic":
        record["topic"] += "x"
    else:
        record[field] += 1
    return changed


@pytest.mark.parametrize("field", ["state", "topic", "version", "notification_id"])
def test_any_altered_event_fails_the_bundle(api: TestClient, field: str) -> None:
    bundle, key = bundle_of(api)
    for n in range(len(bundle["events"])):
        assert verify_bundle(altered(bundle, n, field), key), f"event {n} with its {field} altered passed"


def test_a_dropped_event_or_a_changed_checkpoint_fails_the_bundle(api: TestClient) -> None:
    bundle, key = bundle_of(api)
    dropped = copy.deepcopy(bundle)
    del dropped["events"][0]
    assert verify_bundle(dropped, key)
    resized = copy.deepcopy(bundle)
    resized["checkpoint"]["tree_size"] += 1
    assert any("not signed by this key" in p for p in verify_bundle(resized, key))


@pytest.fixture
def other_system(tmp_path: Path) -> Iterator[TestClient]:
    settings = settings_for(tmp_path / "other", seal_key=new_key(), seal_origin="fengqiao/another-county")
    built = seeded(settings, Clock())
    with TestClient(create_api(built)) as client:
        yield client
    built.close()


def test_a_bundle_from_another_system_fails_with_this_systems_key(
    api: TestClient, other_system: TestClient
) -> None:
    ours = unb64(api.get("/seal/key").json()["public_key"])
    theirs, their_key = bundle_of(other_system)
    assert verify_bundle(theirs, their_key) == []
    assert any("not signed by this key" in p for p in verify_bundle(theirs, ours))


def test_only_a_reader_of_the_dispute_gets_its_bundle(api: TestClient) -> None:
    made = api.post("/disputes", json=REPORT, headers=auth("grid_member")).json()
    assert api.get(f"/disputes/{made['id']}/evidence", headers=auth("foreign_grid_member")).status_code == 404


@pytest.mark.http
def test_the_command_line_writes_and_checks_a_bundle(
    sqlite_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tests.test_seal_api import use_settings

    use_settings(sqlite_settings, monkeypatch)
    system = seeded(sqlite_settings, Clock())
    with TestClient(create_api(system)) as client:
        dispute_id = client.post("/disputes", json=REPORT, headers=auth("grid_member")).json()["id"]
    system.close()
    out = tmp_path / "bundle.json"
    assert main(["seal", "evidence", dispute_id, "--out", str(out)]) == 0
    assert main(["seal", "verify-bundle", str(out)]) == 0
    assert "verified: 1 events of dispute" in capsys.readouterr().out
    bundle = json.loads(out.read_text())
    out.write_text(json.dumps(altered(bundle, 0, "state")))
    assert main(["seal", "verify-bundle", str(out)]) == 1
    assert "does not hash to its leaf hash" in capsys.readouterr().out

"""The seal over HTTP: the public key is published, an auditor asks for a checkpoint, anyone lists
them, and each one checks with the published key alone."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from infra.cli import main
from infra.settings import Settings
from service.seal.checkpoint import Checkpoint, is_signed_by, unb64
from tests.support import TOKENS


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def test_an_auditors_checkpoint_is_listed_and_checks_with_the_published_key(api: TestClient) -> None:
    key = api.get("/seal/key").json()
    made = api.post("/seal/checkpoints", headers=auth("auditor"))
    assert made.status_code == 201, made.text
    [listed] = api.get("/seal/checkpoints").json()["checkpoints"]
    assert listed == made.json()
    checkpoint = Checkpoint.from_json(listed)
    assert checkpoint.tree_size > 100
    assert listed["body"].encode() == checkpoint.body()
    assert is_signed_by(checkpoint, unb64(key["public_key"]))
    forged = Checkpoint.from_json({**listed, "tree_size": checkpoint.tree_size - 1})
    assert not is_signed_by(forged, unb64(key["public_key"]))
    printable = api.get("/seal/checkpoints/latest.txt")
    assert printable.text.startswith(listed["body"]) and key["key_id"] in printable.text


def test_only_an_auditor_asks_for_a_checkpoint(api: TestClient) -> None:
    refused = api.post("/seal/checkpoints", headers=auth("grid_member"))
    assert refused.status_code == 403
    assert api.get("/seal/checkpoints").json() == {"checkpoints": []}
    assert api.get("/seal/checkpoints/latest.txt").status_code == 404


def use_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line reads its settings from the environment: these ones."""
    for name, value in settings.model_dump(mode="json").items():
        if value is not None and not isinstance(value, dict):
            monkeypatch.setenv(f"FENGQIAO_{name.upper()}", str(value))


def test_the_command_line_checkpoint_kept_elsewhere_verifies_the_store(
    sqlite_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    use_settings(sqlite_settings, monkeypatch)
    assert main(["directory", "load"]) == 0
    kept = tmp_path / "county.json"
    assert main(["seal", "checkpoint", "--out", str(kept)]) == 0
    copy = json.loads(kept.read_text())
    assert datetime.fromisoformat(copy["signed_at"])
    assert main(["seal", "verify", "--checkpoint", str(kept)]) == 0
    assert "verified: the store is what was sealed" in capsys.readouterr().out
    kept.write_text(json.dumps({**copy, "root_hash": "00" * 32}))
    assert main(["seal", "verify", "--checkpoint", str(kept)]) == 1
    assert "NOT VERIFIED" in capsys.readouterr().out

"""Attachments over HTTP: uploaded past the 1 MB limit of other routes, downloaded only as downloads, a
disguised file refused with the reason, an accusation's attachment a 404 to the accused, a tampered file
refused; every kind of case has an evidence bundle that carries its files and checks offline."""

from __future__ import annotations

import copy
import io
import os

from fastapi.testclient import TestClient
from PIL import Image

from service.evidence.blobs import sha256_of
from service.seal.bundle import verify_bundle
from service.seal.checkpoint import b64, unb64
from tests.evidence_support import WINDOWS_PROGRAM, pdf, photo
from tests.support import GRID, TOKENS, VILLAGE

REPORT = {
    "grid": GRID,
    "parties": [{"name": "Zhang San"}, {"name": "Li Si"}],
    "category": "neighbourhood",
    "severity": "minor",
    "description": "A fence moved onto the neighbour's field",
    "occurred_at": "2026-03-01T18:00:00+08:00",
}
ACCUSATION = {
    "node": VILLAGE,
    "channel": "letter",
    "type": "accusation",
    "petitioner": {"name": "Zhang San", "id_number": "11010519491231002X"},
    "content": "He took the road money.",
    "matter": "Road compensation",
    "accused_person_id": "fang-jun",
}


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def reported(api: TestClient) -> str:
    made = api.post("/disputes", json=REPORT, headers=auth("grid_member"))
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def upload(
    api: TestClient, path: str, data: bytes, name: str = "fence.jpg", role: str = "grid_member", **form
):
    return api.post(
        f"{path}/attachments",
        files={"file": (name, data, "image/jpeg")},
        data={"kind": "photo", **form},
        headers=auth(role),
    )


def large_photo() -> bytes:
    """A JPEG of noise, well over 1 MB."""
    out = io.BytesIO()
    Image.frombytes("RGB", (1200, 1200), os.urandom(1200 * 1200 * 3)).save(out, "JPEG", quality=95)
    assert len(out.getvalue()) > 1_000_000
    return out.getvalue()


def test_a_photo_over_a_megabyte_is_attached_and_downloaded_as_an_attachment_never_inline(api: TestClient):
    dispute = reported(api)
    added = upload(api, f"/disputes/{dispute}", large_photo(), name="../fence north.jpg", of_event="1")
    assert added.status_code == 201, added.text
    body = added.json()
    got = api.get(f"/disputes/{dispute}/attachments/{body['id']}", headers=auth("mediator"))
    assert got.status_code == 200 and sha256_of(got.content) == body["sha256"]
    assert got.headers["content-disposition"].startswith('attachment; filename="fence north.jpg"')
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-type"] == "image/jpeg"
    listed = api.get(f"/disputes/{dispute}/attachments", headers=auth("mediator")).json()
    assert [a["id"] for a in listed] == [body["id"]]
    thumb = api.get(f"/disputes/{dispute}/attachments/{body['id']}/thumbnail", headers=auth("mediator"))
    assert Image.open(io.BytesIO(thumb.content)).size[0] <= 240


def test_other_routes_keep_the_one_megabyte_limit(api: TestClient):
    refused = api.post(
        "/disputes",
        content=b"x" * 1_000_001,
        headers={**auth("grid_member"), "content-type": "application/json"},
    )
    assert refused.status_code == 413


def test_a_program_named_as_a_photo_is_refused_naming_what_its_bytes_are(api: TestClient):
    dispute = reported(api)
    refused = upload(api, f"/disputes/{dispute}", WINDOWS_PROGRAM, name="fence.jpg")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "file"
    assert "application/x-msdownload" in refused.json()["detail"]
    assert api.get(f"/disputes/{dispute}/attachments", headers=auth("mediator")).json() == []


def test_the_accused_gets_the_same_404_for_an_accusations_attachment_as_for_none(api: TestClient):
    made = api.post("/petitions", json=ACCUSATION, headers=auth("petition_agent"))
    assert made.status_code == 201, made.text
    petition = made.json()["id"]
    letter = api.post(
        f"/petitions/{petition}/attachments",
        files={"file": ("letter.pdf", pdf(), "application/pdf")},
        data={"kind": "letter", "of_event": "1"},
        headers=auth("petition_agent"),
    )
    assert letter.status_code == 201, letter.text
    attachment = letter.json()["id"]
    accused = auth("accused_village_staff")
    hidden = api.get(f"/petitions/{petition}/attachments/{attachment}", headers=accused)
    missing = api.get(f"/petitions/{petition}/attachments/{'0' * 32}", headers=accused)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["title"] == missing.json()["title"]
    assert api.get(f"/petitions/{petition}/attachments", headers=accused).json() == []
    history = api.get(f"/petitions/{petition}", headers=accused).json()["history"]
    [shown] = [e["data"] for e in history if e["type"] == "AttachmentAdded"]
    assert shown["filename"] != "letter.pdf" and shown["sha256"] != letter.json()["sha256"]
    shown = api.get(f"/petitions/{petition}/attachments/{attachment}", headers=auth("petition_agent"))
    assert shown.content == pdf()


def test_a_file_altered_in_the_store_is_refused_and_reported(api: TestClient):
    system = api.app.state.system  # type: ignore[attr-defined]
    dispute = reported(api)
    body = upload(api, f"/disputes/{dispute}", photo()).json()
    system.evidence.files.blobs.put(body["sha256"], photo("black"))
    refused = api.get(f"/disputes/{dispute}/attachments/{body['id']}", headers=auth("mediator"))
    assert refused.status_code == 500
    assert refused.json()["type"].endswith("evidence-tampered")
    assert system.evidence.verify() != []


def test_a_petitions_evidence_bundle_carries_its_files_and_an_altered_file_fails_it_offline(api: TestClient):
    made = api.post(
        "/petitions", json={**ACCUSATION, "accused_person_id": None}, headers=auth("petition_agent")
    )
    petition = made.json()["id"]
    for name in ("letter.pdf", "receipt.pdf"):
        api.post(
            f"/petitions/{petition}/attachments",
            files={"file": (name, pdf() + name.encode(), "application/pdf")},
            data={"kind": "letter"},
            headers=auth("petition_agent"),
        )
    key = unb64(api.get("/seal/key").json()["public_key"])
    bundle = api.get(f"/petitions/{petition}/evidence", headers=auth("petition_agent")).json()
    assert [a["filename"] for a in bundle["attachments"]] == ["letter.pdf", "receipt.pdf"]
    assert verify_bundle(bundle, key) == []
    altered = copy.deepcopy(bundle)
    altered["attachments"][1]["content"] = b64(pdf() + b"forged")
    assert any("receipt.pdf" in p and "altered" in p for p in verify_bundle(altered, key))
    swapped = copy.deepcopy(bundle)
    swapped["attachments"][1]["sha256"] = sha256_of(pdf() + b"forged")
    swapped["attachments"][1]["content"] = b64(pdf() + b"forged")
    assert any("not the one event" in p for p in verify_bundle(swapped, key))
    light = api.get(f"/petitions/{petition}/evidence?light=true", headers=auth("petition_agent")).json()
    assert all("content" not in a for a in light["attachments"]) and verify_bundle(light, key) == []


def test_incidents_and_patrol_shifts_have_evidence_bundles_too(api: TestClient):
    made = api.post(
        "/incidents",
        json={
            "kind": "public_security_case",
            "village": VILLAGE,
            "occurred_at": "2026-03-01T18:00:00+08:00",
            "description": "a fight at the market",
            "location": "the market",
            "offence": "administrative",
        },
        headers=auth("village_staff"),
    )
    assert made.status_code == 201, made.text
    incident = made.json()["id"]
    assert upload(api, f"/incidents/{incident}", photo(), role="village_staff").status_code == 201
    bundle = api.get(f"/incidents/{incident}/evidence", headers=auth("village_staff")).json()
    key = unb64(api.get("/seal/key").json()["public_key"])
    assert len(bundle["attachments"]) == 1 and verify_bundle(bundle, key) == []
    assert bundle["stream"]["kind"] == "incident"

"""Uploads that resume when the connection drops (tus 1.0, /uploads): a file sent in chunks — one at a
wrong offset refused, the offset asked for, the rest sent — then attached to a dispute by the upload's id
and downloaded as the very bytes sent; an upload is its person's alone, its announced length is bounded,
an unfinished one cannot be attached, one upload is one attachment, and it expires."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from eventsourcing.cryptography import AESCipher
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System, bootstrap
from infra.settings import Settings
from service.evidence.blobs import sha256_of
from tests.evidence_support import pdf
from tests.identity_support import client, csrf, enrol, identity_system, sign_in
from tests.support import TOKENS, Clock, settings_for
from tests.support import person as person_of
from tests.test_evidence_api import REPORT

pytestmark = pytest.mark.http
TUS = {"Tus-Resumable": "1.0.0"}


def auth(role: str = "grid_member") -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}", **TUS}


def scan(size: int = 300_000) -> bytes:
    """A PDF (kept as sent, unlike a picture, which is re-encoded) of about `size` bytes."""
    head = pdf()
    return head + b"%" + bytes(i % 251 for i in range(size - len(head) - 1))


def begun(api: TestClient, length: int, role: str = "grid_member", name: str = "agreement.pdf") -> str:
    metadata = (
        f"filename {base64.b64encode(name.encode()).decode()},filetype {base64.b64encode(b'x').decode()}"
    )
    made = api.post(
        "/uploads", headers={**auth(role), "Upload-Length": str(length), "Upload-Metadata": metadata}
    )
    assert made.status_code == 201, made.text
    assert made.headers["tus-resumable"] == "1.0.0" and made.headers["upload-expires"].endswith("GMT")
    assert made.headers["location"].startswith("/uploads/")
    return made.headers["location"]


def patch(api: TestClient, location: str, offset: int, chunk: bytes, role: str = "grid_member"):
    headers = {**auth(role), "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"}
    return api.patch(location, content=chunk, headers=headers)


def sent(api: TestClient, data: bytes, role: str = "grid_member") -> str:
    location = begun(api, len(data), role)
    assert patch(api, location, 0, data, role).status_code == 204
    return location


def reported(api: TestClient) -> str:
    made = api.post("/disputes", json=REPORT, headers=auth())
    assert made.status_code == 201, made.text
    return str(made.json()["id"])


def attach(api: TestClient, dispute: str, location: str, key: str | None = None):
    headers = auth() | ({"Idempotency-Key": key} if key else {})
    form = {"kind": "signed_scan", "upload": location.rsplit("/", 1)[1]}
    return api.post(f"/disputes/{dispute}/attachments", data=form, headers=headers)


def test_the_server_says_what_it_offers(api: TestClient, system: System):
    offered = api.options("/uploads")
    assert offered.status_code == 204
    assert offered.headers["tus-version"] == "1.0.0"
    assert offered.headers["tus-extension"] == "creation,expiration"
    assert int(offered.headers["tus-max-size"]) == system.evidence.limits.largest


def test_a_file_sent_in_three_chunks_with_a_wrong_offset_resumes_and_is_attached_as_sent(api: TestClient):
    data = scan()
    chunks = [data[:100_000], data[100_000:200_000], data[200_000:]]
    location = begun(api, len(data))

    first = patch(api, location, 0, chunks[0])
    assert first.status_code == 204 and first.headers["upload-offset"] == "100000"
    wrong = patch(api, location, 0, chunks[1])  # the answer to the first was lost: sent again from 0
    assert wrong.status_code == 409, wrong.text
    assert wrong.headers["upload-offset"] == "100000"
    head = api.head(location, headers=auth())
    assert head.status_code == 200
    assert (head.headers["upload-offset"], head.headers["upload-length"]) == ("100000", str(len(data)))
    assert head.headers["cache-control"] == "no-store"
    offset = int(head.headers["upload-offset"])
    for chunk in chunks[1:]:
        went = patch(api, location, offset, chunk)
        assert went.status_code == 204, went.text
        offset = int(went.headers["upload-offset"])
    assert offset == len(data)

    dispute = reported(api)
    added = attach(api, dispute, location)
    assert added.status_code == 201, added.text
    body = added.json()
    assert (body["filename"], body["content_type"], body["size"]) == (
        "agreement.pdf",
        "application/pdf",
        len(data),
    )
    got = api.get(f"/disputes/{dispute}/attachments/{body['id']}", headers=auth("mediator"))
    assert got.status_code == 200 and sha256_of(got.content) == sha256_of(data) == body["sha256"]
    assert api.head(location, headers=auth()).status_code == 404  # attached: no longer an upload
    assert api.app.state.system.uploads.chunks(location.rsplit("/", 1)[1]) == []  # its bytes are gone


def test_another_persons_upload_is_not_there_for_them(api: TestClient):
    location = begun(api, 1000)
    assert api.head(location, headers=auth("mediator")).status_code == 404
    assert patch(api, location, 0, b"x" * 10, role="mediator").status_code == 404
    assert api.head(location, headers=auth()).headers["upload-offset"] == "0"
    assert api.head("/uploads/0123456789abcdef0123456789abcdef", headers=auth()).status_code == 404
    assert api.head("/uploads/../../etc", headers=auth()).status_code == 404


def test_a_length_over_the_largest_file_is_refused_at_creation(api: TestClient, system: System):
    largest = system.evidence.limits.largest
    refused = api.post("/uploads", headers={**auth(), "Upload-Length": str(largest + 1)})
    assert refused.status_code == 413, refused.text
    assert refused.headers["content-type"] == "application/problem+json"


def test_a_chunk_past_the_announced_length_or_over_a_megabyte_is_refused(api: TestClient):
    location = begun(api, 10)
    assert patch(api, location, 0, b"x" * 11).status_code == 413
    big = begun(api, 2_000_000)
    assert patch(api, big, 0, b"x" * 1_100_000).status_code == 413  # api/limits.py, before it is read
    assert api.head(big, headers=auth()).headers["upload-offset"] == "0"


def test_the_protocol_is_spoken_as_tus_says(api: TestClient):
    location = begun(api, 10)
    no_version = api.post(
        "/uploads", headers={"Authorization": auth()["Authorization"], "Upload-Length": "10"}
    )
    assert no_version.status_code == 412 and no_version.headers["tus-version"] == "1.0.0"
    headers = {**auth(), "Upload-Offset": "0", "Content-Type": "application/octet-stream"}
    assert api.patch(location, content=b"x", headers=headers).status_code == 415


def test_an_unfinished_upload_cannot_be_attached(api: TestClient):
    data = scan(20_000)
    location = begun(api, len(data))
    patch(api, location, 0, data[:5000])
    refused = attach(api, reported(api), location)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "upload"
    assert "5,000 of 20,000" in refused.json()["detail"]


def test_one_upload_is_one_attachment_even_when_the_attach_is_sent_again(api: TestClient):
    dispute = reported(api)
    location = sent(api, scan(20_000))
    first = attach(api, dispute, location, key="attach-1")
    again = attach(api, dispute, location, key="attach-1")  # the answer was lost: the same command again
    assert first.status_code == again.status_code == 201, again.text
    assert first.json()["id"] == again.json()["id"]
    other = attach(api, dispute, location, key="attach-2")
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "upload"
    listed = api.get(f"/disputes/{dispute}/attachments", headers=auth()).json()
    assert [a["id"] for a in listed] == [first.json()["id"]]


def test_a_file_or_an_upload_is_sent_not_both_nor_neither(api: TestClient):
    dispute = reported(api)
    neither = api.post(f"/disputes/{dispute}/attachments", data={"kind": "photo"}, headers=auth())
    assert neither.status_code == 422 and neither.json()["errors"][0]["field"] == "file"
    location = sent(api, scan(2000))
    both = api.post(
        f"/disputes/{dispute}/attachments",
        data={"kind": "signed_scan", "upload": location.rsplit("/", 1)[1]},
        files={"file": ("a.pdf", scan(2000), "application/pdf")},
        headers=auth(),
    )
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "upload"


def test_an_upload_expires_and_is_swept_away(api: TestClient, system: System, clock: Clock):
    location = begun(api, 10)
    patch(api, location, 0, b"x" * 4)
    clock.advance(timedelta(hours=23))
    assert api.head(location, headers=auth()).status_code == 200
    clock.advance(timedelta(hours=1))
    assert api.head(location, headers=auth()).status_code == 410
    assert patch(api, location, 4, b"x" * 6).status_code == 410
    upload_id = location.rsplit("/", 1)[1]
    assert len(system.uploads.chunks(upload_id)) == 1
    begun(api, 10)  # beginning another sweeps the expired ones away
    assert system.uploads.chunks(upload_id) == []
    assert api.head(location, headers=auth()).status_code == 404


def test_chunks_are_kept_encrypted_when_the_store_has_a_cipher(tmp_path: Path, clock: Clock):
    system = bootstrap(settings_for(tmp_path, cipher_key=AESCipher.create_key(32)), clock)
    system.seed()
    try:
        with TestClient(create_api(system)) as api:
            data = scan(20_000)
            location = sent(api, data)
            upload_id = location.rsplit("/", 1)[1]
            [stored] = system.uploads.chunks(upload_id)
            assert data[-5000:] not in stored
            added = attach(api, reported(api), location)
            assert added.status_code == 201 and added.json()["sha256"] == sha256_of(data)
            assert system.uploads.chunks(upload_id) == []
    finally:
        system.close()


# -- a cookie session: the same CSRF token as every other change ---------------------------------------


@pytest.fixture
def browser_like(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    for system in identity_system(settings, clock):
        with client(system) as api:
            enrol(api, "grid_member")
            yield api


def test_a_cookie_session_must_send_its_csrf_token_to_begin_or_append(browser_like: TestClient):
    signed_in = sign_in(browser_like, "grid_member")
    assert signed_in.status_code == 200, signed_in.text
    refused = browser_like.post("/uploads", headers={**TUS, "Upload-Length": "10"})
    assert refused.status_code == 403
    made = browser_like.post("/uploads", headers={**TUS, "Upload-Length": "10", **csrf(signed_in)})
    assert made.status_code == 201, made.text
    location = made.headers["location"]
    chunk = {**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    assert browser_like.patch(location, content=b"x" * 10, headers=chunk).status_code == 403
    assert browser_like.head(location, headers=TUS).headers["upload-offset"] == "0"
    kept = browser_like.patch(location, content=b"x" * 10, headers={**chunk, **csrf(signed_in)})
    assert kept.status_code == 204 and kept.headers["upload-offset"] == "10"


# -- the workbench ------------------------------------------------------------------------------------


def test_the_workbench_form_attaches_a_finished_upload_by_its_id_and_refuses_an_unfinished_one(
    api: TestClient,
):
    dispute = reported(api)
    page = api.get(f"/app/disputes/{dispute}/attachments", headers=auth("mediator"))
    assert 'data-resumable="/uploads"' in page.text and 'name="upload"' in page.text
    assert "/static/vendor/tus-js-client-4.3.1.min.js" in page.text and "/static/resumable.js" in page.text
    assert 'name="file"' in page.text  # without JavaScript the file goes in the form itself

    data = scan(30_000)
    half = begun(api, len(data), role="mediator")
    patch(api, half, 0, data[:10_000], role="mediator")
    form = {"kind": "signed_scan", "upload": half.rsplit("/", 1)[1], "command_id": "web-attach-1"}
    refused = api.post(
        f"/app/disputes/{dispute}/attachments",
        data=form,
        headers=auth("mediator") | {"Accept-Language": "zh-CN"},
    )
    assert refused.status_code == 422
    assert 'id="upload-problem"' in refused.text and "文件未完整上传" in refused.text

    patch(api, half, 10_000, data[10_000:], role="mediator")
    done = api.post(
        f"/app/disputes/{dispute}/attachments", data=form, headers=auth("mediator"), follow_redirects=False
    )
    assert done.status_code == 303, done.text
    [attached] = api.get(f"/disputes/{dispute}/attachments", headers=auth("mediator")).json()
    assert (attached["filename"], attached["sha256"]) == ("agreement.pdf", sha256_of(data))


def test_the_vendored_tus_client_is_the_file_its_readme_names(api: TestClient):
    vendor = Path(__file__).resolve().parent.parent / "web" / "static" / "vendor"
    digest = sha256_of((vendor / "tus-js-client-4.3.1.min.js").read_bytes())
    assert digest in (vendor / "README.md").read_text()
    assert (vendor / "tus-js-client-LICENSE.txt").read_text().startswith("The MIT License")
    assert api.get("/static/vendor/tus-js-client-4.3.1.min.js").status_code == 200
    assert api.get("/static/resumable.js").status_code == 200


def test_two_attaches_of_one_upload_at_once_make_one_attachment_the_second_refused(
    api: TestClient, system: System
):
    dispute = reported(api)
    location = sent(api, scan(20_000))
    first_inside, release = threading.Event(), threading.Event()
    attach_as_desk = system.evidence.attach

    def held(*args, **kwargs):
        first_inside.set()
        assert release.wait(30)
        return attach_as_desk(*args, **kwargs)

    answers: dict[str, int] = {}
    system.evidence.attach = held  # type: ignore[method-assign]
    first = threading.Thread(target=lambda: answers.update(a=attach(api, dispute, location, "a").status_code))
    first.start()
    try:
        assert first_inside.wait(30)
        second = attach(api, dispute, location, "b")  # while the first is attaching it
    finally:
        release.set()
        first.join(30)
    assert second.status_code == 422 and "being attached" in second.json()["detail"], second.text
    assert answers == {"a": 201}
    system.evidence.attach = attach_as_desk  # type: ignore[method-assign]
    again = attach(api, dispute, location, "b")  # attached by now: refused, it is one attachment
    assert again.status_code == 422 and "already attached" in again.json()["detail"]
    assert len(api.get(f"/disputes/{dispute}/attachments", headers=auth()).json()) == 1


def test_the_reports_photo_sent_beforehand_in_chunks_is_attached_to_the_report(api: TestClient, clock: Clock):
    from tests.evidence_support import photo
    from tests.test_web_evidence import form as report_form

    page = api.get("/app/disputes/new", headers=auth())
    assert 'data-file-field="photo"' in page.text and 'name="photo_upload"' in page.text
    taken = photo(size=(320, 240))
    location = begun(api, len(taken), name="IMG_0002.jpg")
    half = len(taken) // 2
    assert patch(api, location, 0, taken[:half]).status_code == 204
    assert patch(api, location, half, taken[half:]).status_code == 204
    answer = api.post(
        "/app/disputes",
        data={**report_form(clock), "photo_upload": location.rsplit("/", 1)[1]},
        headers=auth(),
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    dispute_id = answer.headers["location"].rsplit("/", 1)[1]
    system = api.app.state.system
    [attached] = system.evidence.listed(person_of("grid_member"), "dispute", UUID(dispute_id))
    assert (attached["kind"], attached["of_event"], attached["filename"]) == ("photo", 1, "IMG_0002.jpg")
    assert system.uploads.chunks(location.rsplit("/", 1)[1]) == []  # became the attachment: its chunks went


def test_a_report_naming_an_unfinished_photo_upload_records_nothing(api: TestClient, clock: Clock):
    from tests.test_web_evidence import form as report_form

    location = begun(api, 5_000, name="IMG_0003.jpg")
    system = api.app.state.system
    before = system.casebook.recorder.max_notification_id()
    answer = api.post(
        "/app/disputes",
        data={**report_form(clock), "photo_upload": location.rsplit("/", 1)[1]},
        headers=auth(),
        follow_redirects=False,
    )
    assert answer.status_code == 422 and 'id="photo-problem"' in answer.text
    assert system.casebook.recorder.max_notification_id() == before


def test_a_report_sent_again_with_its_photo_upload_is_the_same_report_with_one_photo(
    api: TestClient, clock: Clock
):
    from tests.evidence_support import photo
    from tests.test_web_evidence import form as report_form

    taken = photo(size=(320, 240))
    location = sent(api, taken)
    form = {**report_form(clock), "photo_upload": location.rsplit("/", 1)[1], "command_id": "report-once"}
    first = api.post("/app/disputes", data=form, headers=auth(), follow_redirects=False)
    again = api.post(
        "/app/disputes", data=form, headers=auth(), follow_redirects=False
    )  # the answer was lost
    assert first.status_code == again.status_code == 303, again.text
    assert first.headers["location"] == again.headers["location"]
    dispute_id = UUID(first.headers["location"].rsplit("/", 1)[1])
    system = api.app.state.system
    assert len(system.evidence.listed(person_of("grid_member"), "dispute", dispute_id)) == 1

"""The workbench's evidence: a photo taken with the report, a file attached on the dispute's own page,
thumbnails and download links; a disguised photo comes back with the reason and nothing recorded."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from tests.evidence_support import WINDOWS_PROGRAM, exif_of, pdf, photo
from tests.test_web import GRID, as_, text, web  # noqa: F401  (the fixture)

pytestmark = pytest.mark.http


def form(clock) -> dict[str, object]:
    return {
        "grid": GRID,
        "category": "neighbourhood",
        "severity": "minor",
        "party": ["张三", "李四"],
        "description": "篱笆挪到了邻居的地里",
        "occurred_at": (clock.now - timedelta(hours=3)).astimezone().strftime("%Y-%m-%dT%H:%M"),
    }


def test_a_photo_taken_with_the_report_is_attached_to_the_report_without_its_location(web, clock):  # noqa: F811
    answer = web.post(
        "/app/disputes",
        data=form(clock),
        files={"photo": ("IMG_0001.jpg", photo(), "image/jpeg")},
        headers=as_("grid_member"),
    )
    assert answer.status_code == 303, text(answer.text)
    dispute_id = UUID(answer.headers["location"].rsplit("/", 1)[1])
    [attached] = web.system.evidence.listed("li-ming", "dispute", dispute_id)
    assert (attached["kind"], attached["of_event"], attached["filename"]) == ("photo", 1, "IMG_0001.jpg")
    _, data = web.system.evidence.open("li-ming", "dispute", dispute_id, attached["id"])
    assert exif_of(data) == ({}, {})
    listed = web.get(f"/app/disputes/{dispute_id}/attachments/list", headers=as_("mediator"))
    assert f"/attachments/{attached['id']}/thumbnail" in listed.text and "IMG_0001.jpg" in listed.text
    assert (
        web.get(
            f"/app/disputes/{dispute_id}/attachments/{attached['id']}/thumbnail", headers=as_("mediator")
        ).headers["content-type"]
        == "image/jpeg"
    )


def test_a_program_sent_as_the_reports_photo_is_refused_beside_the_field_and_nothing_recorded(web, clock):  # noqa: F811
    before = web.system.casebook.recorder.max_notification_id()
    answer = web.post(
        "/app/disputes",
        data=form(clock),
        files={"photo": ("fence.jpg", WINDOWS_PROGRAM, "image/jpeg")},
        headers=as_("grid_member"),
    )
    assert answer.status_code == 422
    assert 'id="photo-problem"' in answer.text and "application/x-msdownload" in answer.text
    assert "照片" in text(answer.text)
    assert web.system.casebook.recorder.max_notification_id() == before


def test_a_scan_is_attached_on_the_disputes_page_and_downloaded_as_a_file(web, clock):  # noqa: F811
    answer = web.post("/app/disputes", data=form(clock), headers=as_("grid_member"))
    case = answer.headers["location"]
    page = web.get(case, headers=as_("mediator"))
    assert f'hx-get="{case}/attachments/list"' in page.text
    attached = web.post(
        f"{case}/attachments",
        data={"kind": "signed_scan", "note": "签字的协议"},
        files={"file": ("协议.pdf", pdf(), "application/pdf")},
        headers=as_("mediator"),
    )
    assert attached.status_code == 303 and attached.headers["location"] == f"{case}#attachments"
    listing = web.get(f"{case}/attachments", headers=as_("mediator"))
    assert "协议.pdf" in listing.text and 'capture="environment"' in listing.text
    link = listing.text.split('href="')[1:]
    download = next(h.split('"')[0] for h in link if "/attachments/" in h and "thumbnail" not in h)
    got = web.get(download, headers=as_("mediator"))
    assert got.content == pdf() and got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"

"""The evidence of an assessor's entry: a scan attached to the entry in the unit's assessment year,
through the API and the score page; read by those who may read at the unit, attached only by the
township's assessors, and no year at all to anyone else."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from infra.bootstrap import System
from tests.evidence_support import pdf
from tests.support import VILLAGE, person
from tests.test_assessment import on, year  # noqa: F401 - the fixture
from tests.test_web_scores import PAGE, auth, web  # noqa: F401 - the fixture

pytestmark = pytest.mark.http
FILES = f"/units/{VILLAGE}/assessments/2026/attachments"


def entry_version(system: System) -> int:
    unit_year = system.casebook.assessments.unit_year(VILLAGE, 2026)
    assert unit_year is not None and unit_year.entries
    return unit_year.entries[0].originator_version


def attach(web: TestClient, role: str, of_event: int | None, name: str = "会议记录.pdf") -> object:  # noqa: F811
    data = {"kind": "signed_scan", "note": "三月支部会议记录缺失的情况说明"}
    if of_event is not None:
        data["of_event"] = str(of_event)
    return web.post(FILES, data=data, files={"file": (name, pdf(), "application/pdf")}, headers=auth(role))


def test_the_assessor_attaches_the_scan_an_entry_cites_and_the_villages_cadre_reads_it(web, system, clock):  # noqa: F811
    on(clock, 5, 2)
    version = entry_version(system)
    added = attach(web, "assessor", version)
    assert added.status_code == 201, added.text
    body = added.json()
    assert (body["of_event"], body["added_by"], body["kind"]) == (version, person("assessor"), "signed_scan")
    for reader in ("assessor", "branch_secretary", "auditor"):
        [listed] = web.get(FILES, headers=auth(reader)).json()
        assert listed["sha256"] == body["sha256"]
    got = web.get(f"{FILES}/{body['id']}", headers=auth("branch_secretary"))
    assert got.status_code == 200 and got.content == pdf()
    assert got.headers["content-disposition"].startswith("attachment;")


def test_only_the_townships_assessors_attach_and_no_one_else_finds_the_year(web, system, clock):  # noqa: F811
    on(clock, 5, 2)
    version = entry_version(system)
    before = system.casebook.recorder.max_notification_id()
    refused = attach(web, "branch_secretary", version)
    assert refused.status_code == 403, refused.text
    for outsider in ("foreign_township", "grid_member"):
        assert attach(web, outsider, version).status_code == 404
        assert web.get(FILES, headers=auth(outsider)).status_code == 404
    assert system.casebook.recorder.max_notification_id() == before


def test_a_file_names_an_entry_review_absence_or_evaluation_not_the_years_opening(web, system, clock):  # noqa: F811
    on(clock, 5, 2)
    answer = attach(web, "assessor", 1)
    assert answer.status_code == 422
    assert "AssessmentEntered" in answer.text and "of_event" in answer.text


def test_the_score_page_lists_the_evidence_and_attaches_it_to_the_entry_chosen_in_words(web, system, clock):  # noqa: F811
    on(clock, 5, 2)
    version = entry_version(system)
    page = web.get(PAGE, headers=auth("assessor")).text
    assert f'hx-get="{PAGE}/attachments/list"' in page and "证据材料" in page
    form = web.get(f"{PAGE}/attachments", headers=auth("assessor")).text
    options = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', form))
    assert "作了考核记分" in options[str(version)]
    done = web.post(
        f"{PAGE}/attachments",
        data={"kind": "signed_scan", "of_event": str(version)},
        files={"file": ("会议记录.pdf", pdf(), "application/pdf")},
        headers=auth("assessor"),
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}#attachments"
    listing = web.get(f"{PAGE}/attachments/list", headers=auth("branch_secretary")).text
    assert "会议记录.pdf" in listing and "作了考核记分" in listing
    [link] = re.findall(r'href="([^"]+/attachments/[0-9a-f]+)"', listing)
    assert web.get(link, headers=auth("branch_secretary")).content == pdf()


def test_the_assessor_attaches_a_resumable_upload_to_the_entry(web, system, clock):  # noqa: F811
    on(clock, 5, 2)
    version = entry_version(system)
    tus = {"Tus-Resumable": "1.0.0", **auth("assessor")}
    made = web.post("/uploads", headers={**tus, "Upload-Length": str(len(pdf()))})
    assert made.status_code == 201, made.text
    chunk = {**tus, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    assert web.patch(made.headers["location"], content=pdf(), headers=chunk).status_code == 204
    data = {
        "kind": "signed_scan",
        "of_event": str(version),
        "upload": made.headers["location"].rsplit("/", 1)[1],
    }
    added = web.post(FILES, data=data, headers=auth("assessor"))
    assert added.status_code == 201, added.text
    got = web.get(f"{FILES}/{added.json()['id']}", headers=auth("branch_secretary"))
    assert got.status_code == 200 and got.content == pdf()

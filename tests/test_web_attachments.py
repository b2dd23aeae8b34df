"""The workbench's attachments on every kind of case: a petition's letter attached to its registration,
an incident's photo, a patrol sign-in's photo, each listed under the event it belongs to and downloaded
as the bytes sent; a file corrected by a new one that supersedes it, with the reason, both kept."""

from __future__ import annotations

import re
from uuid import UUID

import pytest

from tests.evidence_support import pdf, photo
from tests.support import person
from tests.test_petition_pages import register
from tests.test_web import as_, text
from tests.test_web_evidence import form as dispute_form
from tests.test_web_field import report_incident, shift, web  # noqa: F401  (the fixtures)

pytestmark = pytest.mark.http


def recorded(web) -> int:  # noqa: F811
    return web.system.casebook.recorder.max_notification_id() or 0


def downloads(html: str) -> list[str]:
    return [h for h in re.findall(r'href="([^"]+/attachments/[0-9a-f]+)"', html)]


def test_the_petition_agent_attaches_the_letter_to_the_registration_and_it_downloads_as_sent(web):  # noqa: F811
    case = register(web)
    page = web.get(case, headers=as_("petition_agent"))
    assert f'hx-get="{case}/attachments/list"' in page.text
    form_page = text(web.get(f"{case}/attachments", headers=as_("petition_agent")).text)
    assert "返回信访事项" in form_page and "整个事项" in form_page  # back link; "the case as a whole"
    attached = web.post(
        f"{case}/attachments",
        data={"kind": "letter", "of_event": "1", "note": "来信原件"},
        files={"file": ("来信.pdf", pdf(), "application/pdf")},
        headers=as_("petition_agent"),
    )
    assert attached.status_code == 303, text(attached.text)
    assert attached.headers["location"] == f"{case}#attachments"
    listing = web.get(f"{case}/attachments/list", headers=as_("petition_agent"))
    assert "来信.pdf" in listing.text and "来信原件" in listing.text
    assert "所属：" in text(listing.text) and "登记了信访事项" in text(listing.text)
    [link] = downloads(listing.text)
    got = web.get(link, headers=as_("petition_agent"))
    assert got.content == pdf() and got.headers["content-disposition"].startswith("attachment;")


def test_a_photo_of_the_incident_is_attached_on_its_page_with_a_thumbnail(web, clock):  # noqa: F811
    case = report_incident(web, clock)
    attached = web.post(
        f"{case}/attachments",
        data={"kind": "photo"},
        files={"file": ("火场.jpg", photo(), "image/jpeg")},
        headers=as_("village_staff"),
    )
    assert attached.status_code == 303, text(attached.text)
    listing = web.get(f"{case}/attachments/list", headers=as_("village_staff")).text
    [thumb] = re.findall(r'src="([^"]+/thumbnail)"', listing)
    assert thumb.startswith(case) and web.get(thumb, headers=as_("village_staff")).headers[
        "content-type"
    ] == ("image/jpeg")
    assert f'hx-get="{case}/attachments/list"' in web.get(case, headers=as_("village_staff")).text


def test_the_patrol_leader_attaches_a_photo_to_a_checkpoint_sign_in(web, shift):  # noqa: F811
    walker, leader = as_("grid_patroller"), as_("patrol_leader")
    assert web.post(f"{shift}/sign_in_at_start", data={}, headers=walker).status_code == 303
    assert (
        web.post(f"{shift}/sign_in_at_checkpoint", data={"checkpoint": "C1"}, headers=walker).status_code
        == 303
    )
    choices = web.get(f"{shift}/attachments", headers=leader).text
    [(version, label)] = re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', choices)
    assert "签到" in label
    attached = web.post(
        f"{shift}/attachments",
        data={"kind": "photo", "of_event": version},
        files={"file": ("石桥.jpg", photo(), "image/jpeg")},
        headers=leader,
    )
    assert attached.status_code == 303, text(attached.text)
    [found] = web.system.evidence.listed(
        person("patrol_leader"), "patrol_shift", UUID(shift.rsplit("/", 1)[1])
    )
    assert found["of_event"] == int(version) and found["added_by"] == person("patrol_leader")


def test_a_file_is_not_attached_to_an_event_no_file_belongs_to(web, shift):  # noqa: F811
    before = recorded(web)
    answer = web.post(
        f"{shift}/attachments",
        data={"kind": "photo", "of_event": "1"},  # the shift's scheduling
        files={"file": ("石桥.jpg", photo(), "image/jpeg")},
        headers=as_("patrol_leader"),
    )
    assert answer.status_code == 422 and 'id="of_event-problem"' in answer.text
    assert "第1条记录是“安排了班次”；附件只能对应以下记录：" in text(answer.text)  # composed, in Chinese
    assert recorded(web) == before


def test_a_scan_is_corrected_by_a_new_one_with_the_reason_and_both_are_kept(web, clock):  # noqa: F811
    case = web.post("/app/disputes", data=dispute_form(clock), headers=as_("grid_member")).headers["location"]
    mediator = as_("mediator")
    first = web.post(
        f"{case}/attachments",
        data={"kind": "signed_scan"},
        files={"file": ("协议.pdf", pdf(), "application/pdf")},
        headers=mediator,
    )
    assert first.status_code == 303
    listing = web.get(f"{case}/attachments/list", headers=mediator).text
    [correct] = re.findall(r'href="([^"]+\?corrects=[0-9a-f]+)#correct"', listing)
    old = correct.rsplit("=", 1)[1]
    page = web.get(correct, headers=mediator)
    assert f'name="supersedes" value="{old}"' in page.text and "更正附件" in text(page.text)

    before = recorded(web)
    unexplained = web.post(
        f"{case}/attachments",
        data={"kind": "signed_scan", "supersedes": old, "reason": " "},
        files={"file": ("协议-清晰.pdf", pdf() + b"%clearer\n", "application/pdf")},
        headers=mediator,
    )
    assert unexplained.status_code == 422 and 'id="reason-problem"' in unexplained.text
    assert "请说明更正附件的原因" in text(unexplained.text)  # the domain's reason, in Chinese
    assert recorded(web) == before and f'name="supersedes" value="{old}"' in unexplained.text

    corrected = web.post(
        f"{case}/attachments",
        data={"kind": "signed_scan", "supersedes": old, "reason": "原扫描件模糊"},
        files={"file": ("协议-清晰.pdf", pdf() + b"%clearer\n", "application/pdf")},
        headers=mediator,
    )
    assert corrected.status_code == 303, text(corrected.text)
    shown = web.get(f"{case}/attachments/list", headers=mediator).text
    assert "已被更正件取代：原扫描件模糊" in text(shown)
    assert len(downloads(shown)) == 2  # both kept
    assert len(re.findall(r"\?corrects=", shown)) == 1  # only the correction may be corrected again


def test_another_villages_person_finds_no_attachments_page(web):  # noqa: F811
    case = register(web)
    assert web.get(f"{case}/attachments", headers=as_("foreign_petition_agent")).status_code == 404

"""The auditor's pages: a dispute, a petition, an incident and a patrol shift as known on an earlier
day with the later events marked; anyone without the AUDIT right refused, and an id outside reach
answered as one that names nothing; posts on a day with a tenure begun later shown as not held, and
as known on a day without a post recorded later."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from domain.directory.access import Post
from domain.directory.tree import DIRECTORY_ID
from service.store import CommandMeta
from tests import test_case_clocks as cases
from tests.support import TOKENS, VILLAGE, person, report_fence


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}", "Accept-Language": "zh-CN"}


def _dispute(system, clock):
    found = report_fence(system)
    clock.advance(timedelta(days=3))
    system.casebook.disputes.accept(person("mediator"), found.id)
    return found


def test_an_auditor_sees_a_dispute_as_known_on_an_earlier_day_with_the_later_event_marked(api, system, clock):
    dispute = _dispute(system, clock)
    path = f"/app/audit/cases/dispute/{dispute.id}"
    box = api.get(f"/app/audit?case={dispute.id}", headers=auth("auditor"), follow_redirects=False)
    assert box.status_code == 303 and box.headers["location"] == path
    now = api.get(path, headers=auth("auditor"))
    assert now.status_code == 200, now.text
    assert "当时尚未记录" not in now.text
    earlier = api.get(path + "?known_on=2026-03-03", headers=auth("auditor"))
    assert earlier.status_code == 200, earlier.text
    assert earlier.text.count('data-mark="unrecorded"') == 1
    assert "当时尚未记录" in earlier.text


def test_a_mediator_is_refused_the_audit_pages(api, system, clock):
    dispute = _dispute(system, clock)
    page = api.get(f"/app/audit/cases/dispute/{dispute.id}", headers=auth("mediator"))
    assert page.status_code == 403
    assert api.get("/app/audit/posts", headers=auth("mediator")).status_code == 403


def test_posts_on_a_day_show_a_tenure_begun_later_as_not_held(api, system, clock):
    day = clock.now.date().isoformat()
    clock.advance(timedelta(days=5))
    system.casebook.directory.take_post(
        person("township"), person_id=person("grid_patroller"), post=Post.MEDIATOR, node=VILLAGE
    )
    page = api.get(f"/app/audit/posts?on={day}", headers=auth("auditor"))
    assert page.status_code == 200, page.text
    row = f'data-person="{person("grid_patroller")}" data-post="mediator"'
    assert f'{row} data-held="no"' in page.text
    later = api.get("/app/audit/posts", headers=auth("auditor"))
    assert f'{row} data-held="yes"' in later.text


@pytest.mark.parametrize(
    ("kind", "make"),
    [
        ("petition", cases.petition),
        ("incident", cases.incident),
        ("shift", cases.shift),
    ],
)
def test_an_auditor_reads_a_petition_an_incident_and_a_shift_as_known_on_an_earlier_day(
    api, system, clock, kind, make
):
    case_id = make(system)
    box = api.get(f"/app/audit?case={case_id}", headers=auth("auditor"), follow_redirects=False)
    assert box.status_code == 303 and box.headers["location"] == f"/app/audit/cases/{kind}/{case_id}"
    now = api.get(box.headers["location"], headers=auth("auditor"))
    assert now.status_code == 200, now.text
    assert "data-mark" not in now.text
    assert now.text.count("<li") >= 1
    before = (clock.now - timedelta(days=1)).date().isoformat()
    earlier = api.get(f"{box.headers['location']}?known_on={before}", headers=auth("auditor"))
    assert earlier.status_code == 200, earlier.text
    assert earlier.text.count('data-mark="unrecorded"') == len(system.casebook.history(case_id, None))
    assert "data-state>—<" in earlier.text
    assert api.get(box.headers["location"], headers=auth("mediator")).status_code == 403


def test_the_audit_box_answers_an_unknown_id_as_it_answers_a_case_outside_the_auditors_reach(api, system):
    unknown = api.get(f"/app/audit?case={uuid4()}", headers=auth("auditor"), follow_redirects=False)
    assert unknown.status_code == 404
    directory = api.get(f"/app/audit?case={DIRECTORY_ID}", headers=auth("auditor"), follow_redirects=False)
    assert directory.status_code == 404


def test_posts_as_known_on_a_day_leave_out_a_post_recorded_later_with_an_earlier_start(api, system, clock):
    day = clock.now.date().isoformat()
    start = clock.now
    clock.advance(timedelta(days=5))
    system.casebook.directory.take_post(
        person("township"),
        person_id=person("grid_patroller"),
        post=Post.MEDIATOR,
        node=VILLAGE,
        meta=CommandMeta(effective_at=start),
    )
    row = f'data-person="{person("grid_patroller")}" data-post="mediator"'
    held = api.get(f"/app/audit/posts?on={day}", headers=auth("auditor"))
    assert f'{row} data-held="yes"' in held.text
    assert "人民调解员" in held.text
    known = api.get(f"/app/audit/posts?on={day}&known_on={day}", headers=auth("auditor"))
    assert known.status_code == 200, known.text
    assert row not in known.text  # not yet recorded on that day, though it began then
    assert f'data-person="{person("grid_patroller")}" data-post="patrol_member" data-held="yes"' in known.text

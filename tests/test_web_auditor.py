"""The auditor's pages: a dispute as known on an earlier day with the later event marked; anyone
without the AUDIT right refused; posts on a day with a tenure begun later shown as not held."""

from __future__ import annotations

from datetime import timedelta

from domain.directory.access import Post
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
    assert f'data-person="{person("grid_patroller")}" data-held="no"' in page.text
    later = api.get("/app/audit/posts", headers=auth("auditor"))
    assert f'data-person="{person("grid_patroller")}" data-held="yes"' in later.text

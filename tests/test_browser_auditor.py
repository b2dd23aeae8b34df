"""The auditor in a real browser, in Chinese: opens a dispute, picks an earlier known-on day,
and sees the event recorded after it marked as not yet recorded then; the page passes axe-core."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser import People, Served, accessible, seen, submit
from tests.support import Clock, person, report_fence
from tests.test_browser import browser, people, served  # noqa: F401 - the fixtures

pytestmark = pytest.mark.browser


def test_an_auditor_picks_an_earlier_known_on_day_and_sees_the_later_event_marked(
    people: People,  # noqa: F811
    served: Served,  # noqa: F811
    clock: Clock,
):
    system = served.system
    dispute = report_fence(system)
    clock.advance(timedelta(days=3))
    system.casebook.disputes.accept(person("mediator"), dispute.id)

    page = people.page_as("auditor")
    page.goto(f"/app/audit/cases/dispute/{dispute.id}")
    assert "审计" in seen(page) and "当时尚未记录" not in seen(page)
    page.get_by_label("记录日期").fill("2026-03-03")
    submit(page, page.get_by_role("button", name="显示"))
    assert "known_on=2026-03-03" in page.url
    assert "当时尚未记录" in seen(page)
    assert page.locator('[data-mark="unrecorded"]').count() == 1
    accessible(page)

"""The case history in the workbench marks an event recorded more than the grace after it took
effect as recorded after the fact (补录), with the reason its sender gave."""

from __future__ import annotations

from datetime import timedelta

from service.store import CommandMeta
from tests.support import GRID, Clock
from tests.test_web import as_, text, web  # noqa: F401 (the fixture)

REASON = "村里停电，来电后补录"


def backdated_report(web, clock: Clock, ago: timedelta, reason: str | None):  # noqa: F811
    return web.system.casebook.disputes.report(
        "wang-fang",
        grid=GRID,
        parties=[{"name": "张三"}, {"name": "李四"}],
        category="neighbourhood",
        severity="minor",
        description="篱笆",
        occurred_at=clock.now - ago - timedelta(hours=1),
        meta=CommandMeta(effective_at=clock.now - ago, late_reason=reason, from_person=True),
    )


def test_a_report_recorded_two_days_late_is_marked_with_its_reason(web, clock: Clock):  # noqa: F811
    dispute = backdated_report(web, clock, timedelta(days=2), REASON)
    page = web.get(f"/app/disputes/{dispute.id}", headers=as_("mediator"))
    assert page.status_code == 200
    assert 'data-mark="recorded-late"' in page.text
    assert f"补录：{REASON}" in text(page.text)
    english = text(web.get(f"/app/disputes/{dispute.id}", headers=as_("mediator", "en")).text)
    assert f"recorded after the fact: {REASON}" in english


def test_a_report_within_the_grace_is_not_marked(web, clock: Clock):  # noqa: F811
    dispute = backdated_report(web, clock, timedelta(minutes=30), None)
    page = web.get(f"/app/disputes/{dispute.id}", headers=as_("mediator"))
    assert page.status_code == 200
    assert 'data-mark="recorded-late"' not in page.text and "补录" not in text(page.text)


def offline_report(web, clock: Clock, entered: timedelta):  # noqa: F811
    form = {
        "grid": GRID,
        "category": "neighbourhood",
        "severity": "minor",
        "party": ["张三", "李四"],
        "description": "篱笆挪到了邻居的地里",
        "occurred_at": (clock.now - entered - timedelta(hours=1)).astimezone().strftime("%Y-%m-%dT%H:%M"),
        "entered_at": (clock.now - entered).isoformat(),
    }
    return web.post("/app/disputes", data=form, headers=as_("grid_member"))


def test_a_report_sent_two_hours_after_it_was_entered_offline_is_recorded_late_with_the_offline_reason(
    web,  # noqa: F811
    clock: Clock,
):
    from web.offline import OFFLINE_REASON

    answer = offline_report(web, clock, timedelta(hours=2))
    assert answer.status_code == 303, text(answer.text)
    page = web.get(answer.headers["location"], headers=as_("grid_member", "en"))
    assert f"recorded after the fact: {OFFLINE_REASON}" in text(page.text)


def test_a_report_kept_offline_beyond_its_window_is_refused_naming_the_window(web, clock: Clock):  # noqa: F811
    before = web.system.casebook.recorder.max_notification_id()
    answer = offline_report(web, clock, timedelta(days=8))
    assert answer.status_code == 422, answer.status_code
    assert "此项操作的业务时间最多可早于现在7天" in text(answer.text)  # the window, in Chinese
    assert web.system.casebook.recorder.max_notification_id() == before

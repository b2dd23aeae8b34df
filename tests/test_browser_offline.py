"""A grid member without signal: the report made with the network switched off is kept on the phone,
the form opens again offline, and when the network returns the report is sent once — recorded with
the moment it was entered on the phone as its business time, its delay visible on the case page."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from domain.evidence import attachments
from tests.browser import PHONE, People, seen, submit
from tests.evidence_support import photo
from tests.support import Clock, person
from tests.test_browser import browser, people, served  # noqa: F401  (the fixtures)
from tests.test_browser_field import planned_shift
from web.templating import LOCAL

pytestmark = pytest.mark.browser


def fill_report(page, clock: Clock, description: str) -> None:
    page.get_by_label("网格").select_option(label="桥头村一组")
    page.get_by_label("纠纷类别").select_option(label="邻里纠纷")
    page.get_by_label("当事人 1").fill("张三")
    page.get_by_label("当事人 2").fill("李四")
    page.get_by_label("纠纷简要情况").fill(description)
    arose = (clock.now - timedelta(hours=2)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("纠纷发生时间").fill(arose)


def reports(system, description: str) -> list:
    """The disputes reported with this description, read from the log itself."""
    cb = system.casebook
    found = []
    for stored in cb.recorder.select_notifications(1, 100_000):
        if stored.topic == "fengqiao.dispute:Reported":
            event = cb.mapper.to_domain_event(stored)
            if event.description == description:
                found.append(cb.repository.get(event.originator_id))
    return found


def kept_on_the_phone(page) -> int:
    """How many forms the phone's outbox holds (web/static/offline.js: IndexedDB)."""
    return page.evaluate(
        """() => new Promise((done, failed) => {
            const opened = indexedDB.open("fengqiao-offline");
            opened.onerror = () => failed(opened.error);
            opened.onsuccess = () => {
                const counted = opened.result.transaction("outbox").objectStore("outbox").count();
                counted.onsuccess = () => { opened.result.close(); done(counted.result); };
                counted.onerror = () => failed(counted.error);
            };
        })"""
    )


def report_form_on_the_phone(people: People):  # noqa: F811
    """The grid member's report form on a 360 px phone, its service worker in control (and so a
    copy of the form kept for when there is no connection)."""
    page = people.page_as("grid_member", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto("/app/disputes/new")
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # the worker now controls the page and has kept a copy of the form
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    return page


def test_a_report_made_offline_is_kept_on_the_phone_and_sent_once_when_the_network_returns(
    people: People,  # noqa: F811
    served,  # noqa: F811
    clock: Clock,
):
    page = report_form_on_the_phone(people)
    entered = clock.now

    page.context.set_offline(True)
    fill_report(page, clock, "断网时登记：水渠被堵")
    page.get_by_role("button", name="登记", exact=True).tap()  # no page answers: the phone keeps it
    page.locator("#outbox").get_by_text("表单已存在本机").wait_for()
    assert "等待联网发送的表单：1份" in seen(page)
    assert page.url.endswith("/app/disputes/new")  # nothing left the phone
    assert reports(served.system, "断网时登记：水渠被堵") == []

    page.reload()  # the form opens without the network, from the worker's copy
    assert page.get_by_label("纠纷简要情况").is_visible()
    page.locator("#outbox").get_by_text("等待联网发送的表单：1份").wait_for()

    clock.advance(timedelta(hours=2))  # the grid member walks back into signal two hours later
    page.context.set_offline(False)
    page.locator("#outbox").get_by_text("网络已恢复，已发送").wait_for()
    [kept] = reports(served.system, "断网时登记：水渠被堵")
    [reported] = served.system.casebook.history(kept.id, 1)
    # Its business time is the moment it was entered on the phone (the phone's clock corrected by
    # the server's at the last page loaded online), not the moment it arrived two hours later.
    assert abs(reported.effective_at - entered) < timedelta(minutes=1), (reported.effective_at, entered)

    page.locator("#outbox a").click()
    page.wait_for_url(re.compile(r"/app/disputes/[0-9a-f-]{36}$"))
    shown = seen(page)
    took = entered.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
    arrived = clock.now.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M")
    assert f"生效于 {took}" in shown and f"登记于 {arrived}" in shown, shown[:3000]

    page.goto("/app/disputes/new")  # a page opened online again sends nothing twice
    page.wait_for_load_state("networkidle")
    assert len(reports(served.system, "断网时登记：水渠被堵")) == 1
    assert "等待联网发送" not in seen(page)


def test_a_checkpoint_sign_in_made_offline_counts_at_the_moment_it_was_made(
    people: People,  # noqa: F811
    served,  # noqa: F811
    clock: Clock,
):
    shift = planned_shift(served)
    clock.advance(timedelta(minutes=30))  # the shift's start
    page = people.page_as("grid_patroller", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"/app/patrols/shifts/{shift.id}")
    submit(page, page.get_by_role("button", name="在起点签到"), tap=True)
    served.system.casebook.keepers["patrol_shift"].sync(shift.id, 0)  # as the shift's workflow does
    clock.advance(timedelta(minutes=40))  # walking to the first checkpoint, the page opened on the way
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    signed_at = clock.now

    page.context.set_offline(True)
    page.get_by_role("button", name="在石桥签到").tap()
    page.locator("#outbox").get_by_text("表单已存在本机").wait_for()
    walker = person("grid_patroller")
    assert "C1" not in served.system.casebook.patrols.shift(walker, shift.id).signed

    clock.advance(timedelta(minutes=25))  # back in signal at the next checkpoint
    page.context.set_offline(False)
    page.locator("#outbox").get_by_text("网络已恢复，已发送").wait_for()
    [signed] = served.system.casebook.patrols.shift(walker, shift.id).signed["C1"]
    assert signed["person"] == walker
    assert abs(signed["at"] - signed_at) < timedelta(minutes=1), (signed, signed_at)


def test_a_kept_report_refused_when_sent_is_filled_in_again_with_its_reason_and_nothing_typed_lost(
    people: People,  # noqa: F811
    served,  # noqa: F811
    clock: Clock,
):
    page = report_form_on_the_phone(people)

    page.context.set_offline(True)
    fill_report(page, clock, "断网时登记：发生时间填错")
    wrong = (clock.now + timedelta(hours=3)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("纠纷发生时间").fill(wrong)  # a slip of the thumb: three hours ahead
    page.get_by_label("照片（可选）").set_input_files(
        {"name": "水渠.jpg", "mimeType": "image/jpeg", "buffer": photo(gps=False)}
    )
    page.get_by_role("button", name="登记", exact=True).tap()
    page.locator("#outbox").get_by_text("表单已存在本机").wait_for()

    page.context.set_offline(False)  # sent, and refused: a dispute is not reported before it arose
    refused = page.locator("#outbox").get_by_text("发送时未被受理")
    refused.wait_for()
    assert reports(served.system, "断网时登记：发生时间填错") == []

    page.locator("#outbox").get_by_role("button", name="重新填写").tap()
    page.locator("#outbox").get_by_text("已按本机保存的内容重新填好表单").wait_for()
    assert page.get_by_label("纠纷简要情况").input_value() == "断网时登记：发生时间填错"
    assert page.get_by_label("当事人 1").input_value() == "张三"
    assert page.get_by_label("当事人 2").input_value() == "李四"
    assert page.get_by_label("纠纷发生时间").input_value() == wrong
    assert page.locator("#occurred_at-problem").inner_text() == "纠纷发生之前不能登记"
    chosen = page.get_by_label("照片（可选）").evaluate(
        "input => [...input.files].map(f => [f.name, f.size])"
    )
    assert chosen == [["水渠.jpg", len(photo(gps=False))]]  # the photo kept with the form, back in its field

    fill_report_time = (clock.now - timedelta(hours=2)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("纠纷发生时间").fill(fill_report_time)
    submit(page, page.get_by_role("button", name="登记", exact=True), tap=True)
    page.wait_for_url(re.compile(r"/app/disputes/[0-9a-f-]{36}$"))
    [reported] = reports(served.system, "断网时登记：发生时间填错")
    assert [p["name"] for p in reported.parties] == ["张三", "李四"]
    assert [a["filename"] for a in attachments(reported).values()] == ["水渠.jpg"]

    page.goto("/app/disputes/new")  # the refused copy went with the form that was sent
    page.wait_for_function("() => document.documentElement.dataset.outbox === 'ready'")
    assert kept_on_the_phone(page) == 0
    assert "发送时未被受理" not in seen(page) and "等待联网发送" not in seen(page)
    assert len(reports(served.system, "断网时登记：发生时间填错")) == 1

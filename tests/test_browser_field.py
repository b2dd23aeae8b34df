"""The field pages in a real browser, on a 360×740 phone: a grid member who also walks the
village's patrols starts her shift, signs in at a checkpoint, reports what she found there as
an incident linked to the shift, and reports another incident from the incident form. Each
step asserts on what she sees and that nothing scrolls sideways; a failed journey leaves a
screenshot of every page it had open in test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser import (
    CHROMIUM_ARGS,
    PHONE,
    People,
    Served,
    chromium_path,
    no_sideways_scroll,
    seen,
    serve,
    submit,
    unavailable,
)
from tests.conftest import seeded
from tests.support import VILLAGE, Clock, person, settings_for
from web.templating import LOCAL

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    executable = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed: `make install` installs the test extra")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def served(tmp_path: Path, clock: Clock) -> Iterator[Served]:
    system = seeded(settings_for(tmp_path), clock)
    yield from serve(system)
    system.close()


@pytest.fixture
def people(request: pytest.FixtureRequest, browser: Any, served: Served) -> Iterator[People]:
    opened = People(browser, served.url)
    yield opened
    if any(
        getattr(request.node, f"report_{w}", None) is not None and getattr(request.node, f"report_{w}").failed
        for w in ("setup", "call")
    ):
        for path in opened.screenshot_all(request.node.name):
            print(f"screenshot of the failed journey: {path}")
    opened.close()


def planned_shift(served: Served) -> Any:
    """This evening's shift on a Qiaotou route: Gao Feng leads, Liu Yang walks it."""
    desk, now = served.system.casebook.patrols, served.system.casebook.clock()
    route = desk.establish_route(
        person("patrol_leader"),
        node=VILLAGE,
        name="沿河线",
        checkpoints=[{"code": "C1", "name": "石桥", "location": "村北"}, {"code": "C2", "name": "小学门口"}],
    )
    return desk.schedule_shift(
        person("patrol_leader"),
        route_id=route.id,
        leader=person("patrol_leader"),
        members=[person("grid_patroller")],
        planned_start=now + timedelta(minutes=30),
        planned_end=now + timedelta(hours=3),
    )


def test_a_grid_member_walks_a_patrol_and_reports_incidents_on_a_phone(
    people: People, served: Served, clock: Clock
):
    shift = planned_shift(served)
    page = people.page_as("grid_patroller", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto("/app/patrols")
    assert "我今天的巡逻班次" in seen(page) and "沿河线" in seen(page) and "开始：还剩30分钟" in seen(page)
    no_sideways_scroll(page, PHONE["width"])

    submit(page, page.get_by_role("link", name="沿河线"), tap=True)
    assert "已排班，未开始" in seen(page)
    submit(page, page.get_by_role("button", name="在起点签到"), tap=True)
    served.system.casebook.keepers["patrol_shift"].sync(shift.id, 0)  # as the shift's workflow does
    page.reload()
    assert "进行中" in seen(page) and "您已于" in seen(page)
    assert re.search(r"巡逻点位签到 · 计时中 还剩\d+小时", seen(page)), seen(page)  # the checkpoints' clock
    no_sideways_scroll(page, PHONE["width"])

    submit(page, page.get_by_role("button", name="在石桥签到"), tap=True)
    assert "Liu Yang已签到" in seen(page)
    no_sideways_scroll(page, PHONE["width"])

    block = page.locator("details.action").filter(has=page.locator("summary", has_text="上报发现的突发事件"))
    block.locator("summary").tap()
    block.get_by_label("发现地点附近的巡逻点位").select_option(label="石桥")
    block.get_by_label("事件类别").select_option(label="火灾")
    block.get_by_label("具体地点").fill("石桥下的荒地")
    block.get_by_label("发生了什么？").fill("有人烧荒，火势不大")
    no_sideways_scroll(page, PHONE["width"])
    submit(page, block.get_by_role("button", name="上报发现的突发事件"), tap=True)
    text = seen(page)
    assert "巡逻发现" in text and "有人烧荒，火势不大" in text and "Liu Yang 上报了巡逻发现" in text

    submit(page, page.get_by_role("link", name="突发事件", exact=True), tap=True)
    assert "火灾" in seen(page) and "石桥下的荒地" in seen(page)
    submit(page, page.get_by_role("link", name="上报突发事件"), tap=True)
    no_sideways_scroll(page, PHONE["width"])
    page.get_by_label("网格").select_option(label="桥头村二组")
    page.get_by_label("发生时间").fill(
        (clock.now - timedelta(minutes=10)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("事件类别").select_option(label="安全事故")
    page.get_by_label("具体地点").fill("砖厂")
    page.get_by_label("发生了什么？").fill("脚手架倒塌")
    submit(page, page.get_by_role("button", name="登记", exact=True), tap=True)
    assert "安全事故须登记受伤和死亡人数" in seen(page) and "本次未作任何登记" in seen(page)
    page.get_by_label("受伤人数").fill("1")
    page.get_by_label("死亡人数").fill("0")
    submit(page, page.get_by_role("button", name="登记", exact=True), tap=True)
    assert re.search(r"/app/incidents/[0-9a-f-]{36}$", page.url), page.url
    text = seen(page)
    assert "安全事故" in text and "已上报，尚未向上级报告" in text and "受伤1人，死亡0人" in text
    no_sideways_scroll(page, PHONE["width"])

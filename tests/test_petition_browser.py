"""The petition workbench in a real browser, in Chinese: the village's petition agent registers a
villager's visit and routes it to the village's body; the village's petition office accepts it
and gives its handling opinion (deciding is not the agent's to do: the agent's post has no right
to decide, and the page does not offer it); the agent records the delivery of the written answer
and prints the handling opinion on one A4 page. Each step asserts on what the person sees; a
failed journey leaves a screenshot of every page it had open in test-artifacts/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from tests.browser import (
    ARTIFACTS,
    CHROMIUM_ARGS,
    PHONE,
    People,
    Served,
    chromium_path,
    no_sideways_scroll,
    save_picture,
    seen,
    serve,
    submit,
    unavailable,
)
from tests.conftest import seeded
from tests.petition_dsl import id_number
from tests.support import Clock, settings_for
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
        getattr(request.node, f"report_{w}", None) and getattr(request.node, f"report_{w}").failed
        for w in ("setup", "call")
    ):
        for path in opened.screenshot_all(request.node.name):
            print(f"screenshot of the failed journey: {path}")
    opened.close()


def keep_clocks(served: Served, page: Any) -> None:
    """What the dispatcher does after each event: brings the petition's clocks in step."""
    petition_id = UUID(page.url.rsplit("/", 1)[1])
    served.system.casebook.keepers["petition"].sync(petition_id, 0)


def do(page: Any, action: str, fill: Any = None) -> None:
    """Opens the action on the petition's page by its title, fills its form, sends it."""
    title = page.locator("summary", has_text=re.compile(f"^{re.escape(action)}$"))
    block = page.locator("details.action").filter(has=title)
    block.locator("summary").click()
    if fill is not None:
        fill(block)
    submit(page, block.get_by_role("button", name=action, exact=True))


CONTENT = "我们组的修路补偿款到现在还没有发下来。"
FACTS = "经查，修路补偿款已于2025年拨付到镇，尚未发放到村民小组。"
BASIS = "《中华人民共和国土地管理法》第四十八条"


def test_a_petition_agent_registers_routes_delivers_and_prints_the_handling_opinion(
    people: People, served: Served, clock: Clock
):
    agent = people.page_as("petition_agent")
    agent.goto("/app")
    submit(agent, agent.locator("header").get_by_role("link", name="信访事项"))
    submit(agent, agent.locator("main").get_by_role("link", name="登记信访事项"))
    assert "登记信访事项" in agent.locator("h1").inner_text()
    agent.get_by_label("信访事项所涉村（社区）或乡镇（街道）").select_option(label="桥头村")
    agent.get_by_label("来访", exact=True).check()
    agent.get_by_label("申诉求决类").check()
    agent.get_by_label("信访人姓名").fill("张三")
    number = id_number(9)
    agent.get_by_label("公民身份号码").fill(number[:-1] + ("1" if number[-1] != "1" else "2"))  # one typo
    agent.get_by_label("信访事项名称（名称相同即识别为重复信访）").fill("修路补偿款")
    agent.get_by_label("信访人的诉求（来访、来电按原话记录）").fill(CONTENT)
    submit(agent, agent.get_by_role("button", name="登记", exact=True))

    # The check digit is wrong: the form comes back with the reason, and what was typed is kept.
    assert "本次未作任何登记" in seen(agent) and "校验码不符：请核对号码" in seen(agent)
    assert agent.get_by_label("信访人姓名").input_value() == "张三"
    assert agent.get_by_label("信访人的诉求（来访、来电按原话记录）").input_value() == CONTENT
    agent.get_by_label("公民身份号码").fill(number)
    submit(agent, agent.get_by_role("button", name="登记", exact=True))
    assert re.search(r"/app/petitions/[0-9a-f-]{36}$", agent.url), agent.url
    text = seen(agent)
    assert "修路补偿款" in text and "已登记" in text and "申诉求决类" in text and CONTENT in text
    assert "Qian Dong 登记了信访事项" in text
    assert "作出受理决定" not in text  # not the agent's to decide

    keep_clocks(served, agent)
    do(agent, "转送", lambda form: form.get_by_label("受理机关").select_option(label="桥头村"))
    keep_clocks(served, agent)
    assert "已转送" in seen(agent) and "Qian Dong 转送了信访事项 · 桥头村" in seen(agent)
    case = agent.url

    office = people.page_as("village_staff")
    office.goto(case)
    do(office, "作出受理决定", lambda form: form.get_by_label("受理", exact=True).check())
    assert "已受理" in seen(office) and "打印受理告知书" in seen(office)

    def opinion(form: Any) -> None:
        form.get_by_label("予以支持").check()
        form.get_by_label("查明的事实").fill(FACTS)
        form.get_by_label("法律、法规或政策依据").fill(BASIS)

    keep_clocks(served, office)
    office.reload()
    assert "办理期限 · 计时中" in seen(office)  # the 60 days run from acceptance
    do(office, "出具处理意见", opinion)
    keep_clocks(served, office)
    assert "已出具处理意见" in seen(office) and "Xu Min 出具了处理意见 · 予以支持" in seen(office)

    clock.advance(timedelta(hours=2))  # the agent hands the written opinion to the petitioner
    received = (clock.now - timedelta(minutes=30)).astimezone(LOCAL)
    agent.reload()

    def delivery(form: Any) -> None:
        form.get_by_label("直接送达").check()
        form.get_by_label("签收人").fill("张三")
        form.get_by_label("签收时间").fill(received.strftime("%Y-%m-%dT%H:%M"))

    do(agent, "登记书面答复送达", delivery)
    keep_clocks(served, agent)
    agent.reload()
    text = seen(agent)
    assert "转送、交办期限 · 已停止" in text and "按期完成：已转送受理机关" in text
    assert "按期完成：已出具书面处理意见" in text and "复查申请期限 · 计时中" in text
    assert (
        "直接送达" in text and "可请求复查至" in text and "登记书面答复送达" not in text.split("办理经过")[0]
    )

    save_picture(agent, "petition-page.png")
    submit(agent, agent.get_by_role("link", name="打印信访事项处理意见书"))
    document = seen(agent)
    assert "信访事项处理意见书" in document and "信访人：张三" in document
    assert CONTENT in document and FACTS in document and BASIS in document and "予以支持" in document
    assert "可以自收到本意见书之日起30日内向东溪镇请求复查" in document

    save_picture(agent, "handling-opinion.png")
    agent.emulate_media(media="print")
    assert not agent.locator("header.bar").is_visible()  # paper shows the document alone
    assert not agent.get_by_role("button", name="打印").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = agent.pdf(path=str(ARTIFACTS / "handling-opinion-zh-CN.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "the handling opinion should fit one A4 page"

    phone = people.page_as("petition_agent", viewport=PHONE, is_mobile=True)
    phone.goto(case)  # the agent carries the case to the villager on a phone
    assert "修路补偿款" in seen(phone) and "已出具处理意见" in seen(phone)
    no_sideways_scroll(phone, PHONE["width"])
    phone.goto("/app/petitions/new")
    no_sideways_scroll(phone, PHONE["width"])

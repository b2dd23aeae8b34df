"""The workbench in a real browser, as the people it is for use it: a grid member reports a
dispute on a 360 px phone; a mediator accepts it, holds a session and records a written
agreement, and the committee chair records each party's signature, seals it and prints it — in
Chinese, and the mediator's journey in English too. Each step asserts on what the person sees.
A failed journey leaves a screenshot of every page it had open in test-artifacts/."""

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
    accessible,
    chromium_path,
    no_sideways_scroll,
    save_picture,
    seen,
    serve,
    submit,
    unavailable,
)
from tests.conftest import seeded
from tests.support import GRID, Clock, person, settings_for
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
    failed = any(
        getattr(request.node, f"report_{when}", None) is not None
        and getattr(request.node, f"report_{when}").failed
        for when in ("setup", "call")
    )
    if failed:
        for path in opened.screenshot_all(request.node.name):
            print(f"screenshot of the failed journey: {path}")
    opened.close()


def reported(
    served: Served,
    clock: Clock,
    description: str = "篱笆挪到了邻居的地里",
    parties: tuple[str, ...] = ("张三", "李四"),
) -> str:
    """A dispute as the grid member Wang Fang reported it, its clocks started as the dispatcher
    would; the path of its page."""
    system = served.system
    dispute = system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": name} for name in parties],
        category="neighbourhood",
        severity="minor",
        description=description,
        occurred_at=clock.now - timedelta(hours=5),
    )
    keep_clocks(served, dispute.id)
    return f"/app/disputes/{dispute.id}"


def keep_clocks(served: Served, dispute_id: Any) -> None:
    """What the dispatcher does after each event: brings the dispute's clocks in step."""
    served.system.casebook.keepers["dispute"].sync(dispute_id, 0)


def do(page: Any, action: str, fill: Any = None) -> None:
    """Opens the action on the case page by its title, fills its form, sends it."""
    title = page.locator("summary", has_text=re.compile(f"^{re.escape(action)}$"))
    block = page.locator("details.action").filter(has=title)
    block.locator("summary").click()
    if fill is not None:
        fill(block)
    submit(page, block.get_by_role("button", name=action, exact=True))


# -- a grid member on a phone ------------------------------------------------------------


def test_a_grid_member_reports_a_dispute_on_a_phone(people: People, clock: Clock):
    page = people.page_as("grid_member", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto("/app")
    assert "我的工作" in seen(page) and "Wang Fang" in seen(page)
    no_sideways_scroll(page, PHONE["width"])
    accessible(page)

    submit(page, page.locator("main").get_by_role("link", name="登记纠纷"), tap=True)
    assert "登记纠纷" in page.locator("h1").inner_text()
    no_sideways_scroll(page, PHONE["width"])
    accessible(page)
    page.get_by_label("网格").select_option(label="桥头村一组")
    page.get_by_label("纠纷类别").select_option(label="邻里纠纷")
    page.get_by_label("当事人 1").fill("张三")
    page.get_by_label("纠纷简要情况").fill("篱笆挪到了邻居的地里")
    arose = (clock.now - timedelta(hours=2)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("纠纷发生时间").fill(arose)
    submit(page, page.get_by_role("button", name="登记", exact=True), tap=True)

    # One party only: the form comes back with the reason, and what was typed is kept.
    assert "纠纷至少要有2方当事人" in seen(page) and "本次未作任何登记" in seen(page)
    assert page.get_by_label("当事人 1").input_value() == "张三"
    no_sideways_scroll(page, PHONE["width"])
    accessible(page)  # the form with its refusals
    page.get_by_label("当事人 2").fill("李四")
    submit(page, page.get_by_role("button", name="登记", exact=True), tap=True)

    assert re.search(r"/app/disputes/[0-9a-f-]{36}$", page.url), page.url
    text = seen(page)
    assert "邻里纠纷" in text and "待受理" in text and "张三、李四" in text
    assert "桥头村一组" in text and "篱笆挪到了邻居的地里" in text
    assert "Wang Fang 登记了纠纷" in text
    no_sideways_scroll(page, PHONE["width"])
    accessible(page)


# -- a mediator and the committee chair, in Chinese and in English -----------------------

WORDS = {
    "zh-CN": {
        "accept": "受理纠纷",
        "session": "登记调解",
        "adjourned": "休会（择期再调）",
        "notes": "备注",
        "agree": "登记调解协议",
        "written": "书面协议",
        "terms": "协议内容",
        "sign": "登记当事人签名",
        "party": "当事人",
        "seal": "加盖人民调解委员会印章",
        "accepted": "已受理",
        "agreement_reached": "达成调解协议",
        "not_sealed": "尚未盖章",
        "print": "打印人民调解协议书",
        "sealed": "调解委员会已盖章，自2026-03-02 17:00 (UTC+08:00)起生效",
        "history": ["Li Ming 受理了纠纷", "Li Ming 组织了调解", "Li Ming 登记了达成的调解协议"],
        "clock_met": (
            "网格办理期限 · 已停止 开始 2026-03-02 17:00 (UTC+08:00) · 到期 2026-03-03 17:00 (UTC+08:00) "
            "按期完成：在网格一级达成调解协议"
        ),
        "title": "人民调解协议书",
        "committee": "桥头村人民调解委员会",
        "signature": "已于2026年3月2日登记签名",
        "date": "2026年3月2日",
        "party_line": "当事人（签名、盖章或按指印）：{}",
    },
    "en": {
        "accept": "Accept the dispute",
        "session": "Record a mediation session",
        "adjourned": "Adjourned, to be continued",
        "notes": "Notes",
        "agree": "Record the agreement",
        "written": "Written agreement",
        "terms": "What the parties agreed",
        "sign": "Record a party's signature",
        "party": "Party",
        "seal": "Seal the agreement for the committee",
        "accepted": "Accepted",
        "agreement_reached": "Agreement reached",
        "not_sealed": "Not yet sealed",
        "print": "Print the written mediation agreement",
        "sealed": "Sealed by the committee; in effect since 2026-03-02 17:00 (UTC+08:00)",
        "history": [
            "Li Ming accepted the dispute",
            "Li Ming held a mediation session",
            "Li Ming recorded the agreement reached",
        ],
        "clock_met": "Met: agreement reached at Grid level",
        "title": "Written mediation agreement",
        "committee": "桥头村 People's Mediation Committee",
        "signature": "signature recorded on March 2, 2026",
        "date": "March 2, 2026",
        "party_line": "Party (signature, seal or fingerprint): {}",
    },
}
TERMS = "李四于三日内把篱笆移回原处，张三不再追究。"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_a_mediator_mediates_and_the_chair_seals_and_prints_the_written_agreement(
    people: People, served: Served, clock: Clock, lang: str
):
    w = WORDS[lang]
    case = reported(served, clock)
    mediator = people.page_as("mediator")
    mediator.goto(case)
    if lang == "en":  # the person switches language on the page; the choice is kept
        submit(mediator, mediator.get_by_role("button", name="English"))
        assert mediator.url.endswith(case)
    assert w["accept"] in seen(mediator)

    do(mediator, w["accept"])
    assert w["accepted"] in seen(mediator)
    keep_clocks(served, UUID(case.rsplit("/", 1)[1]))

    def session(form: Any) -> None:
        form.get_by_label(w["adjourned"]).check()
        form.get_by_label(w["notes"]).fill("双方同意三日后再谈")

    do(mediator, w["session"], session)

    def agreement(form: Any) -> None:
        form.get_by_label(w["written"]).check()
        form.get_by_label(w["terms"]).fill(TERMS)

    do(mediator, w["agree"], agreement)
    text = seen(mediator)
    assert w["agreement_reached"] in text and TERMS in text and w["not_sealed"] in text
    for line in w["history"]:
        assert line in text
    assert w["accept"] not in text and w["seal"] not in text  # the seal waits for the signatures
    accessible(mediator)

    chair = people.page_as("chair", locale="en-GB" if lang == "en" else "zh-CN")
    chair.goto(case)
    for party in ("p1", "p2"):  # 张三 and 李四, chosen by their ids in the dispute
        do(chair, w["sign"], lambda form, party=party: form.get_by_label(w["party"]).select_option(party))
    assert w["sign"] not in seen(chair)  # every party has signed
    do(chair, w["seal"])
    keep_clocks(served, UUID(case.rsplit("/", 1)[1]))
    chair.reload()
    assert w["sealed"] in seen(chair) and w["seal"] not in seen(chair)
    assert w["clock_met"] in seen(chair)  # the grid's time limit, met, said in words
    accessible(chair)
    if lang == "zh-CN":
        save_picture(chair, "case-page.png")

    submit(chair, chair.get_by_role("link", name=w["print"]))
    document = seen(chair)
    assert w["title"] in document and w["committee"] in document
    assert "篱笆挪到了邻居的地里" in document and TERMS in document
    for party in ("张三", "李四"):
        assert w["party_line"].format(party) in document
    assert document.count(w["signature"]) == 2 and w["date"] in document
    accessible(chair)  # the printable agreement

    phone = people.page_as(
        "mediator", viewport=PHONE, is_mobile=True, locale="en-GB" if lang == "en" else "zh-CN"
    )
    phone.goto(chair.url)
    assert w["title"] in seen(phone)
    no_sideways_scroll(phone, PHONE["width"])  # a mediator can read it on their phone too
    if lang == "zh-CN":
        save_picture(phone, "agreement-phone.png")

    chair.emulate_media(media="print")
    assert not chair.locator("header.bar").is_visible()  # paper shows the document alone
    assert not chair.get_by_role("button", name="打印" if lang == "zh-CN" else "Print").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = chair.pdf(path=str(ARTIFACTS / f"agreement-{lang}.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1, "the agreement should fit one A4 page"


# -- the README's pictures ---------------------------------------------------------------


def test_my_work_lists_what_falls_due_for_the_mediator(people: People, served: Served, clock: Clock):
    """My work, with the village's disputes on the board: one whose grid day has passed (overdue),
    two that fall due soon."""
    from projections.runner import ProjectionRunner

    system = served.system
    reported(served, clock, description="邻居家的狗夜里一直叫", parties=("赵大", "钱二"))
    clock.advance(timedelta(hours=30))  # its grid day passes before anyone acts on it
    reported(served, clock, description="宅基地边界有争议", parties=("孙三", "周四"))
    clock.advance(timedelta(hours=4))
    reported(served, clock, description="排水沟堵了，水流进了邻居的院子", parties=("吴五", "郑六"))
    runner = ProjectionRunner(system.reader, system.views, system.clock_board)
    runner.setup()
    runner.catch_up()

    page = people.page_as("mediator")
    page.goto("/app")
    text = seen(page)
    assert "已逾期 (1)" in text and "即将到期 (2)" in text, text
    overdue, soon = text.split("即将到期 (2)")
    assert "赵大、钱二" in overdue and "已逾期10小时" in overdue
    assert "周四" in soon and "郑六" in soon and "还剩20小时" in soon and "还剩1天0小时" in soon
    save_picture(page, "my-work.png")
    accessible(page)
    submit(page, page.locator("main").get_by_role("link", name=re.compile("网格办理期限")).first)
    assert "邻居家的狗夜里一直叫" in seen(page)  # the overdue one comes first

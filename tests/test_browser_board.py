"""The township's and the assessor's pages in a real browser, each checked with axe-core: the
grid day of a dispute passes and it turns red on the township's board, the board narrows to the
red ones through htmx without leaving the page, and the row opens the case; the statistics'
figure opens into the cases behind it; the mediator reads the missed deadline in the reminders
inbox; an assessor enters a deduction and sees the score change with its reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.browser import People, Served, accessible, save_picture, seen, submit
from tests.support import GRID, VILLAGE, Clock, person, report_fence
from tests.test_browser import browser, people, served  # noqa: F401 - the fixtures

pytestmark = pytest.mark.browser
TOWNSHIP = "anping.dongxi"


def project(system: Any) -> None:
    from projections.runner import ProjectionRunner

    for projection in system.projections:
        runner = ProjectionRunner(system.reader, system.views, projection)
        runner.setup()
        runner.catch_up()


def test_the_checker_fails_a_page_with_a_serious_violation(people: People):  # noqa: F811
    page = people.page_as("township")
    page.goto("/app/board")
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<button></button>')")
    with pytest.raises(AssertionError, match="button-name"):
        accessible(page)


def test_a_late_dispute_turns_red_on_the_board_and_the_township_drills_into_its_figures(
    people: People,  # noqa: F811
    served: Served,  # noqa: F811
    clock: Clock,
):
    system = served.system
    late = report_fence(system, timedelta(hours=5))
    keeper = system.casebook.keepers["dispute"]
    keeper.sync(late.id, 0)
    clock.advance(timedelta(hours=30))  # the grid's day passes: nobody has acted on it
    on_time = system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": "赵大"}, {"name": "钱二"}],
        category="neighbourhood",
        severity="minor",
        description="邻居家的狗夜里一直叫",
        occurred_at=clock.now - timedelta(hours=1),
    )
    keeper.sync(on_time.id, 0)
    project(system)

    board = people.page_as("township")
    board.goto("/app/board")
    text = seen(board)
    assert "督办看板" in text and "逾期 1" in text and "正常 1" in text and "合计 2" in text, text
    assert board.locator(f'li[data-colour="red"] a[href="/app/disputes/{late.id}"]').count() == 1
    accessible(board)
    save_picture(board, "board.png")
    board.get_by_label("颜色").select_option("red")
    board.wait_for_function("document.querySelectorAll('#board li.case').length === 1")
    assert "colour=red" in board.url  # pushed into the address: the narrowed board can be shared
    assert "合计 2" in seen(board) and "列出 1" in seen(board)
    accessible(board)
    submit(board, board.locator("#board li.case a").first)
    assert "篱笆挪到了邻居的地里" in seen(board)

    stats = people.page_as("township")
    stats.goto(f"/app/statistics?node={TOWNSHIP}")
    submit(stats, stats.locator("a[href^='/app/statistics/cases?metric=disputes_reported']"))
    drilled = seen(stats)
    assert "纠纷登记数" in drilled and "以下事项合计 2" in drilled, drilled
    assert stats.locator(f"a[href='/app/disputes/{late.id}']").count() == 1
    accessible(stats)


def test_the_mediator_reads_a_missed_deadline_and_the_assessor_enters_a_deduction(
    people: People,  # noqa: F811
    served: Served,  # noqa: F811
    clock: Clock,
):
    system = served.system
    late = report_fence(system, timedelta(hours=5))
    keeper = system.casebook.keepers["dispute"]
    keeper.sync(late.id, 0)
    [grid] = system.casebook.deadlines.clocks("dispute", late.id).running()
    clock.advance(timedelta(hours=30))
    keeper.due(late.id, 0, grid.key, None)  # the workflow records the miss: up to the village
    project(system)

    inbox = people.page_as("mediator")
    inbox.goto("/app/reminders")
    assert "已逾期" in seen(inbox) and "1 条未读" in seen(inbox), seen(inbox)
    accessible(inbox)
    submit(inbox, inbox.get_by_role("button", name="标为已读", exact=True))
    assert "0 条未读" in seen(inbox)

    assessor = people.page_as("assessor")
    assessor.goto(f"/app/scores/{VILLAGE}/2026")
    before = float(assessor.locator("[data-total]").inner_text())
    accessible(assessor)
    entry = assessor.locator("form[action$='/entries']")
    entry.locator("select[name=item]").select_option("party.conduct")
    entry.get_by_label("分值（负数为扣分，正数为加分）").fill("-2")
    entry.get_by_label("理由").fill("村务公开栏三月未更新")
    entry.get_by_label("依据材料").fill("2026年3月检查记录")
    submit(assessor, entry.get_by_role("button", name="登记", exact=True))
    project(system)
    assessor.reload()
    assert float(assessor.locator("[data-total]").inner_text()) == before - 2
    assert "村务公开栏三月未更新" in seen(assessor)
    accessible(assessor)

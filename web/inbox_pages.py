"""The reminders inbox (提醒): what the clocks said to the person — the reminders recorded for
them, and the deadlines missed where they may read — unread first, marked read by the person.
Nothing is sent to a phone: this page is where reminders are read (projections/reminders.py)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SystemDep
from api.routes.dispute_list import readable_nodes
from web.board_pages import case_href
from web.pages import Person, _node_name, checked_form
from web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)


def _inbox(system: SystemDep, person: str, unread_only: bool) -> tuple[list[dict], int]:
    nodes = readable_nodes(system, person)
    with system.views.reading() as cur:
        items, unread = system.reminders.inbox(cur, person, nodes, unread_only=unread_only)
    for item in items:
        item["at"], item["due_at"] = (
            datetime.fromisoformat(item["at"]),
            datetime.fromisoformat(item["due_at"]),
        )
    return items, unread


@router.get("/reminders", response_class=HTMLResponse)
def reminders_page(
    request: Request, system: SystemDep, person: str = Person, show: str = "unread"
) -> Response:
    unread_only = show != "all"
    items, unread = _inbox(system, person, unread_only)
    return render(
        request,
        "reminders.html",
        items=items,
        unread=unread,
        show="unread" if unread_only else "all",
        case_href=case_href,
        node_name=lambda code: _node_name(system, code),
    )


@router.post("/reminders/read")
async def mark_read(request: Request, system: SystemDep, person: str = Person) -> Response:
    """Marks the items posted (`item`, repeated) read — or, with `all`, every unread one."""
    data = await checked_form(request)
    items, _ = _inbox(system, person, unread_only=True)
    mine = {i["item_id"] for i in items}
    chosen = mine if data.get("all") else {str(v) for v in data.getlist("item")} & mine
    if chosen:
        with system.views.transaction() as cur:
            system.reminders.mark_read(cur, person, sorted(chosen), system.casebook.clock())
    back = "/app/reminders" + ("?show=all" if data.get("show") == "all" else "")
    return RedirectResponse(back, status_code=303)

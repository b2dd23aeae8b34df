"""The signals of gaming in the workbench, for assessors and auditors: how many of each were
seen under a node, each count a link to the cases behind it. The page calls the JSON route's
own function, so it sees and refuses exactly what the API does."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SystemDep
from api.routes.signals import signals
from web.pages import Person, _day, _node_name
from web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)


@router.get("/signals", response_class=HTMLResponse)
def signals_page(
    request: Request,
    system: SystemDep,
    person: str = Person,
    node: str = Query("", max_length=64),
    signal: str = Query("", max_length=40),
    start: str = Query("", alias="from", max_length=10),
    end: str = Query("", alias="to", max_length=10),
) -> Response:
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    code = node or next((t.node for t in directory.posts_of(person, now)), "")
    found = signals(code, person, system, _day(start, "from"), _day(end, "to"), signal or None)
    return render(
        request,
        "signals.html",
        found=found,
        code=code,
        chosen=signal,
        node_name=lambda c: _node_name(system, c),
    )

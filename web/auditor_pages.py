"""The auditor's pages: a case's history as it stood on a business day and as it was known on a
recording day, the events after either marked; who held which post on a day. Only a person with
the AUDIT right at the case's node reads them (the casebook's own check, as the API's)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SystemDep
from domain.directory.access import Right
from domain.errors import AccessDenied, InvalidValue
from web.pages import Person, _day, _gettext, _node_name, _person_name
from web.templating import LOCAL, render

router = APIRouter(prefix="/app/audit", include_in_schema=False)


def _end_of(day: date | None) -> datetime | None:
    return None if day is None else datetime.combine(day + timedelta(days=1), time(), LOCAL)


def _audit_node(system: Any, person: str) -> str:
    casebook = system.casebook
    held = casebook.current_directory().posts_with_right(person, Right.AUDIT, casebook.clock())
    if not held:
        raise AccessDenied(person, Right.AUDIT, None, "only an auditor may read the audit pages")
    return held[0].node


@router.get("", response_class=HTMLResponse)
def audit_home(
    request: Request, system: SystemDep, person: str = Person, case: str = Query("", max_length=40)
) -> Response:
    _audit_node(system, person)
    if case:
        try:
            return RedirectResponse(f"/app/audit/cases/dispute/{UUID(case.strip())}", status_code=303)
        except ValueError:
            raise InvalidValue("case", "a dispute's id") from None
    return render(request, "audit.html", case=case)


@router.get("/cases/{kind}/{case_id}", response_class=HTMLResponse)
def audit_case(
    kind: str,
    case_id: UUID,
    request: Request,
    system: SystemDep,
    person: str = Person,
    as_of: str = Query("", max_length=10),
    known_on: str = Query("", max_length=10),
) -> Response:
    if kind != "dispute":
        raise InvalidValue("kind", "dispute")
    desk = system.casebook.disputes
    system.casebook.authorise(person, Right.AUDIT, desk.home_node(desk.get(person, case_id)))
    dispute, history = desk.with_history(person, case_id)
    stood, known = _end_of(_day(as_of, "as_of")), _end_of(_day(known_on, "known_on"))
    rows, state, prefix = [], None, True
    for event in history:
        later = stood is not None and event.effective_at >= stood
        unrecorded = known is not None and event.timestamp >= known
        prefix = prefix and not (later or unrecorded)
        if prefix:
            state = event.mutate(state)
        rows.append((event, later, unrecorded))
    return render(
        request,
        "audit_case.html",
        dispute=dispute,
        rows=rows,
        state=state,
        as_of=as_of,
        known_on=known_on,
        name_of=_person_name(system.casebook.current_directory(), _gettext(request)),
    )


@router.get("/posts", response_class=HTMLResponse)
def audit_posts(
    request: Request, system: SystemDep, person: str = Person, on: str = Query("", max_length=10)
) -> Response:
    node = _audit_node(system, person)
    system.casebook.authorise(person, Right.AUDIT, node)
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    day = _day(on, "on") or now.astimezone(LOCAL).date()
    start, end = datetime.combine(day, time(), LOCAL), _end_of(day)
    under = set(directory.descendants(node, now)) | {node}
    tenures = sorted((t for t in directory.tenures if t.node in under), key=lambda t: (t.node, t.post))
    rows = [(t, t.start < end and (t.end is None or t.end > start)) for t in tenures]
    return render(
        request,
        "audit_posts.html",
        rows=rows,
        on=day.isoformat(),
        name_of=directory.name_of,
        node_name=lambda c: _node_name(system, c),
    )

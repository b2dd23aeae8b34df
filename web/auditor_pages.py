"""The auditor's pages: a case's history (a dispute, a petition, an incident, a patrol shift) as it
stood on a business day and as it was known on a recording day, the events after either marked;
who held which post on a day, as the directory stood and as it was known on a recording day. Only
a person with the AUDIT right at the case's node reads them (the casebook's own check, as the
API's); a petition's accusation is shown as the auditor's own reading of it withholds it."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SystemDep
from domain.directory.access import Right
from domain.disputes.dispute import Dispute
from domain.errors import AccessDenied, CaseNotFound, InvalidValue
from domain.incidents.incident import Incident
from domain.patrols.patrol import Shift
from domain.petitions.petition import Petition
from service import kinds
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
            case_id = UUID(case.strip())
        except ValueError:
            raise InvalidValue("case", "a case's id") from None
        found = system.casebook.load(object, case_id, "case")
        kind = next((k for k, cls in KINDS.items() if isinstance(found, cls)), None)
        try:
            if kind is None:
                raise AccessDenied(person, Right.AUDIT, None, "not a case")
            _case_and_history(system, person, kind, case_id)
        except AccessDenied:
            raise CaseNotFound("case", case_id) from None  # as for an id that names nothing
        return RedirectResponse(f"/app/audit/cases/{kind}/{case_id}", status_code=303)
    return render(request, "audit.html", case=case)


# The cases an auditor reads, by the kind their page's address names.
KINDS: dict[str, type] = {"dispute": Dispute, "petition": Petition, "incident": Incident, "shift": Shift}
# Per kind: the labels of its status and of its events, and its name among the kinds of case.
LABELS = {
    "dispute": ("dispute.status", "event", kinds.DISPUTE),
    "petition": ("petition.status", "petition.event", kinds.PETITION),
    "incident": ("incident.status", "incident.event", kinds.INCIDENT),
    "shift": ("shift.status", "shift.event", kinds.PATROL_SHIFT),
}


def _case_and_history(system: Any, person: str, kind: str, case_id: UUID) -> tuple[Any, list[Any]]:
    """The case now and its events, after the reader's check (a case they may not read is not
    found, as an id that names nothing) and the AUDIT check at its node; a petition's through
    the petition desk's reading, which withholds an accusation from whoever may not see it."""
    casebook = system.casebook
    if kind == "dispute":
        case = casebook.disputes.get(person, case_id)
        node = casebook.disputes.home_node(case)
    elif kind == "petition":
        node = casebook.petitions.get(person, case_id).node
    elif kind == "incident":
        case = casebook.incidents.get(person, case_id)
        node = case.node
    else:
        case = casebook.patrols.shift(person, case_id)
        node = case.node
    casebook.authorise(person, Right.AUDIT, node)
    if kind == "petition":
        case, history, _ = casebook.petitions.read(person, case_id)
        return case, history
    return case, casebook.history(case.id, case.version)


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
    if kind not in KINDS:
        raise InvalidValue("kind", " or ".join(KINDS))
    case, history = _case_and_history(system, person, kind, case_id)
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
        kind=kind,
        case=case,
        status_label=LABELS[kind][0],
        event_label=LABELS[kind][1],
        case_kind=LABELS[kind][2],
        rows=rows,
        state=state,
        as_of=as_of,
        known_on=known_on,
        name_of=_person_name(system.casebook.current_directory(), _gettext(request)),
    )


@router.get("/posts", response_class=HTMLResponse)
def audit_posts(
    request: Request,
    system: SystemDep,
    person: str = Person,
    on: str = Query("", max_length=10),
    known_on: str = Query("", max_length=10),
) -> Response:
    """Who held which post on a day — as the directory stands, or as it had been recorded by the
    end of `known_on` (a post granted later with an earlier start is then not there yet)."""
    node = _audit_node(system, person)
    system.casebook.authorise(person, Right.AUDIT, node)
    now = system.casebook.clock()
    known = _end_of(_day(known_on, "known_on"))
    current = system.casebook.current_directory()
    directory = current if known is None else system.casebook.directory.as_known_on(known)
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
        known_on=known_on,
        name_of=current.name_of,
        node_name=lambda c: _node_name(system, c),
    )

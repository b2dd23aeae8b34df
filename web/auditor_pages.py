"""The auditor's pages: a case's history (a dispute, a petition, an incident, a patrol shift) as it
stood on a business day and as it was known on a recording day, the events after either marked;
who held which post on a day, as the directory stood and as it was known on a recording day. Only
a person with the AUDIT right at the case's node reads them (the casebook's own check, as the
API's); a petition's accusation is shown as the auditor's own reading of it withholds it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
        kind = next((k for k, audited in KINDS.items() if isinstance(found, audited.cls)), None)
        if kind is None:
            raise CaseNotFound("case", case_id)
        try:
            _audited(system, person, kind, case_id)
        except AccessDenied:
            raise CaseNotFound("case", case_id) from None  # as for an id that names nothing
        return RedirectResponse(f"/app/audit/cases/{kind}/{case_id}", status_code=303)
    return render(request, "audit.html", case=case)


@dataclass(frozen=True)
class Audited:
    """A kind of case the auditor reads: how it is got for a reader (who may not read it finds
    no such case), the node its AUDIT right is checked at, and the labels of its page."""

    cls: type
    get: Callable[[Any, str, UUID], Any]  # (casebook, reader, id) -> the case
    node: Callable[[Any, Any], str]  # (casebook, case) -> the node
    status_label: str
    event_label: str
    case_kind: str


# The cases an auditor reads, by the kind their page's address names.
KINDS = {
    "dispute": Audited(
        Dispute,
        lambda cb, who, i: cb.disputes.get(who, i),
        lambda cb, c: cb.disputes.home_node(c),
        "dispute.status",
        "event",
        kinds.DISPUTE,
    ),
    "petition": Audited(
        Petition,
        lambda cb, who, i: cb.petitions.get(who, i),
        lambda cb, c: c.node,
        "petition.status",
        "petition.event",
        kinds.PETITION,
    ),
    "incident": Audited(
        Incident,
        lambda cb, who, i: cb.incidents.get(who, i),
        lambda cb, c: c.node,
        "incident.status",
        "incident.event",
        kinds.INCIDENT,
    ),
    "shift": Audited(
        Shift,
        lambda cb, who, i: cb.patrols.shift(who, i),
        lambda cb, c: c.node,
        "shift.status",
        "shift.event",
        kinds.PATROL_SHIFT,
    ),
}


def _audited(system: Any, person: str, kind: str, case_id: UUID) -> Any:
    """The case, after the reader's check (a case they may not read is not found, as an id that
    names nothing) and the AUDIT check at its node."""
    casebook, audited = system.casebook, KINDS[kind]
    case = audited.get(casebook, person, case_id)
    casebook.authorise(person, Right.AUDIT, audited.node(casebook, case))
    return case


def _case_and_history(system: Any, person: str, kind: str, case_id: UUID) -> tuple[Any, list[Any]]:
    """The audited case and its events; a petition's through the petition desk's reading, which
    withholds an accusation from whoever may not see it."""
    case = _audited(system, person, kind, case_id)
    if kind == "petition":
        case, history, _ = system.casebook.petitions.read(person, case_id)
        return case, history
    return case, system.casebook.history(case.id, case.version)


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
        status_label=KINDS[kind].status_label,
        event_label=KINDS[kind].event_label,
        case_kind=KINDS[kind].case_kind,
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

"""Incidents (突发事件) on a grid member's phone: report one, list those I may read, and the
incident's page with its upward-reporting clock and the commands it allows now, offered only
where the person's post may do them (the desk's own check). A refused form comes back with the
reason beside the field, in the person's language, and nothing recorded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from api import incident_schemas as s
from api.deps import SystemDep
from domain.errors import CaseNotFound, DomainError
from domain.incidents.incident import Incident, ReportingLevel
from infra.bootstrap import System
from service import kinds
from service.store import CommandMeta
from web.labels import N_
from web.offline import entered
from web.pages import (
    Person,
    Problems,
    _gettext,
    _grids,
    _local_moment,
    _node_name,
    _person_name,
    checked_form,
    explainer,
    problems_of,
)
from web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)

# The incident domain's reasons that a reporter meets most, so that they read them in their language.
DOMAIN_REASONS = [
    N_("say what happened"),
    N_("say where it happened"),
    N_("an incident cannot be reported before it happened"),
    N_("a safety accident records how many were injured and how many died"),
    N_("a mass incident records how many people took part"),
    N_("a mass incident involves people"),
    N_("say what measures were taken"),
    N_("say who took the measures"),
    N_("say how the incident ended"),
    N_("say why the counts change"),
    N_("say why the facts change"),
]
FACTS = ("kind", "occurred_at", "description", "location", "markers", "people_involved", "injured", "dead")
FACTS += ("offence", "hazard")
MANY = frozenset({"markers"})  # fields a form posts more than once


def form_values(data: Any) -> dict[str, Any]:
    """A posted form as a body's fields: empty fields left out, repeated ones as lists."""
    found: dict[str, Any] = {}
    for key in data:
        if key in ("csrf", "command_id"):
            continue
        if key in MANY:
            found[key] = [str(v) for v in data.getlist(key) if str(v)]
        elif (value := str(data.get(key) or "").strip()) != "":
            found[key] = value
    return found


# -- the list and the report -------------------------------------------------------------


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(request: Request, system: SystemDep, person: str = Person) -> Response:
    return render(
        request,
        "incidents.html",
        incidents=system.casebook.incidents.recent(person, 50),
        node_name=lambda code: _node_name(system, code),
    )


def _report_page(
    request: Request, system: System, person: str, form: dict[str, Any], problems: Problems
) -> HTMLResponse:
    return render(
        request,
        "incident_new.html",
        status=problems.status if problems else 200,
        here="/app/incidents/new",
        grids=_grids(system, person),
        shown_fields=("grid", *FACTS),
        form=form,
        problems=problems,
    )


@router.get("/incidents/new", response_class=HTMLResponse)
def new_incident(
    request: Request, system: SystemDep, person: str = Person, origin_kind: str = "", origin_id: str = ""
) -> Response:
    """The report form; from a dispute's page it names the dispute the incident came from."""
    form = {"command_id": uuid4().hex, "markers": [], "origin_kind": origin_kind[:20]}
    form["origin_id"] = origin_id[:200]
    return _report_page(request, system, person, form, Problems())


@router.post("/incidents", response_class=HTMLResponse)
async def report_incident(request: Request, system: SystemDep, person: str = Person) -> Response:
    data = await checked_form(request)
    command_id = str(data.get("command_id") or "") or uuid4().hex
    form = {"markers": [], **form_values(data), "command_id": command_id}
    form.pop("entered_at", None)  # the outbox's, not the report's (web/offline.py)
    if "occurred_at" in form:
        form["occurred_at"] = _local_moment(form["occurred_at"])
    try:
        body = s.IncidentReportIn.model_validate({k: v for k, v in form.items() if k != "command_id"})
        incident = system.casebook.incidents.report(
            person,
            grid=body.grid,
            village=body.village,
            **body.facts(),
            meta=CommandMeta(from_person=True, command_id=form["command_id"], **entered(data)),
        )
    except (ValidationError, DomainError) as error:
        return _report_page(request, system, person, form, problems_of(error, _gettext(request)))
    return RedirectResponse(f"/app/incidents/{incident.id}", status_code=303)


# -- the incident's page ---------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """A command the incident page offers as a form: its body, and the desk call it makes."""

    body: type[BaseModel]
    call: Callable[[Any, str, UUID, Any, CommandMeta], Incident]
    title: str


ACTIONS: dict[str, Action] = {
    "report_upward": Action(
        s.UpwardReportIn,
        lambda d, p, i, b, m: d.report_upward(p, i, level=b.level, recipient=b.recipient, meta=m),
        N_("Report upward"),
    ),
    "handle": Action(
        s.HandlingIn,
        lambda d, p, i, b, m: d.handle(p, i, measures=b.measures, handled_by=b.handled_by, meta=m),
        N_("Record the measures taken"),
    ),
    "close": Action(
        s.IncidentClosureIn,
        lambda d, p, i, b, m: d.close(p, i, outcome=b.outcome, meta=m),
        N_("Close the incident"),
    ),
    "correct_casualties": Action(
        s.CasualtyCorrectionIn,
        lambda d, p, i, b, m: d.correct_casualties(
            p, i, injured=b.injured, dead=b.dead, reason=b.reason, meta=m
        ),
        N_("Correct the casualty counts"),
    ),
    "correct_mass_incident_facts": Action(
        s.MassIncidentCorrectionIn,
        lambda d, p, i, b, m: d.correct_mass_incident_facts(
            p, i, markers=b.markers, people_involved=b.people_involved, reason=b.reason, meta=m
        ),
        N_("Correct the markers and headcount"),
    ),
}


def higher_levels(incident: Incident) -> list[str]:
    """The levels an upward report may go to now: above every level reported to before."""
    highest = incident.highest_level
    return [lv.value for lv in ReportingLevel if highest is None or lv.rank > highest.rank]


def _incident_page(
    request: Request,
    system: System,
    person: str,
    incident_id: UUID,
    failed: str | None = None,
    problems: Problems | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    desk = system.casebook.incidents
    incident, history = desk.with_history(person, incident_id)
    found = system.casebook.deadlines.clocks(kinds.INCIDENT, incident_id)
    clocks = sorted(found.clocks.values(), key=lambda c: c.started_at) if found else []
    allowed = incident.allowed_actions()
    offered = [name for name in ACTIONS if name in allowed and desk.may(person, incident, name)]
    return render(
        request,
        "incident.html",
        status=problems.status if problems else 200,
        here=f"/app/incidents/{incident_id}",
        incident=incident,
        history=history,
        clocks=clocks,
        now=system.casebook.clock(),
        actions={name: ACTIONS[name] for name in offered},
        levels=higher_levels(incident),
        failed=failed,
        problems=problems or Problems(),
        form=form or {},
        name_of=_person_name(system.casebook.current_directory(), _gettext(request)),
        node_name=lambda code: _node_name(system, code),
        explained=explainer(request, system),
    )


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(incident_id: UUID, request: Request, system: SystemDep, person: str = Person) -> Response:
    return _incident_page(request, system, person, incident_id)


@router.post("/incidents/{incident_id}/{action}", response_class=HTMLResponse)
async def incident_action(
    incident_id: UUID, action: str, request: Request, system: SystemDep, person: str = Person
) -> Response:
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise CaseNotFound("action", action)
    data = await checked_form(request)
    form = form_values(data)
    form.update({k: [] for k in MANY if k in chosen.body.model_fields and k not in form})  # none ticked
    command_id = str(data.get("command_id") or "") or None
    try:
        body = chosen.body.model_validate(form)
        chosen.call(
            system.casebook.incidents,
            person,
            incident_id,
            body,
            CommandMeta(from_person=True, command_id=command_id),
        )
    except (ValidationError, DomainError) as error:
        if isinstance(error, CaseNotFound):
            raise
        problems = problems_of(error, _gettext(request))
        return _incident_page(request, system, person, incident_id, action, problems, form)
    return RedirectResponse(f"/app/incidents/{incident_id}", status_code=303)

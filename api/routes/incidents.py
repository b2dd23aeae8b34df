"""Incident commands and reads. Every command: POST a body, get the incident as it now stands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

import structlog
from fastapi import APIRouter, Response, status

from api import incident_schemas as s
from api.deps import CurrentPerson, Meta, SystemDep, meta_for
from api.schemas import EventPublic, In
from domain.incidents.incident import Incident
from service.incidents.desk import IncidentDesk
from service.store import CommandMeta

router = APIRouter(prefix="/incidents", tags=["incidents"])
log = structlog.get_logger()


def _answer(response: Response, incident: Incident, action: str) -> s.IncidentPublic:
    response.headers["ETag"] = f'"{incident.version}"'
    structlog.contextvars.bind_contextvars(incident_id=str(incident.id))
    log.info(f"incident.{action}", version=incident.version, status=incident.status.value)
    return s.IncidentPublic.of(incident)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=s.IncidentPublic)
def report_incident(
    body: s.IncidentReportIn, person: CurrentPerson, system: SystemDep, response: Response, meta: Meta
) -> s.IncidentPublic:
    """Report an incident where it happened, with the facts of its kind and its origin."""
    incident = system.casebook.incidents.report(
        person,
        grid=body.grid,
        village=body.village,
        **body.facts(),
        origin_kind=body.origin_kind,
        origin_id=body.origin_id,
        meta=meta_for(body, meta),
    )
    response.headers["Location"] = f"/incidents/{incident.id}"
    return _answer(response, incident, "reported")


@router.get("/{incident_id}", response_model=s.IncidentWithHistory)
def read_incident(
    incident_id: UUID, person: CurrentPerson, system: SystemDep, response: Response
) -> s.IncidentWithHistory:
    """Read an incident as it stands now, with every event of its history."""
    incident, history = system.casebook.incidents.with_history(person, incident_id)
    response.headers["ETag"] = f'"{incident.version}"'
    return s.IncidentWithHistory(
        **s.IncidentPublic.of(incident).model_dump(), history=[EventPublic.of(e) for e in history]
    )


Call = Callable[[IncidentDesk, str, UUID, Any, CommandMeta], Incident]


def _command(path: str, body_model: type[In], call: Call, action: str, summary: str) -> None:
    def endpoint(
        incident_id: UUID,
        body: Any,
        person: CurrentPerson,
        system: SystemDep,
        response: Response,
        meta: Meta,
    ) -> s.IncidentPublic:
        incident = call(system.casebook.incidents, person, incident_id, body, meta_for(body, meta))
        return _answer(response, incident, action)

    endpoint.__annotations__["body"] = body_model
    endpoint.__doc__ = summary
    router.add_api_route(
        f"/{{incident_id}}/{path}",
        endpoint,
        methods=["POST"],
        response_model=s.IncidentPublic,
        name=f"incident_{action}",
        summary=summary.rstrip("."),
    )


_command(
    "upward-reports",
    s.UpwardReportIn,
    lambda d, p, i, b, m: d.report_upward(p, i, level=b.level, recipient=b.recipient, meta=m),
    "reported_upward",
    "Record that the incident was reported to a higher level than before.",
)
_command(
    "handling",
    s.HandlingIn,
    lambda d, p, i, b, m: d.handle(p, i, measures=b.measures, handled_by=b.handled_by, meta=m),
    "handled",
    "Record the measures taken on the incident, and by whom.",
)
_command(
    "closure",
    s.IncidentClosureIn,
    lambda d, p, i, b, m: d.close(p, i, outcome=b.outcome, meta=m),
    "closed",
    "Close a handled incident that was reported upward, with its outcome.",
)
_command(
    "casualty-corrections",
    s.CasualtyCorrectionIn,
    lambda d, p, i, b, m: d.correct_casualties(p, i, injured=b.injured, dead=b.dead, reason=b.reason, meta=m),
    "casualties_corrected",
    "Correct the injured and dead counts; the old counts stay in the history.",
)
_command(
    "mass-incident-corrections",
    s.MassIncidentCorrectionIn,
    lambda d, p, i, b, m: d.correct_mass_incident_facts(
        p, i, markers=b.markers, people_involved=b.people_involved, reason=b.reason, meta=m
    ),
    "mass_incident_facts_corrected",
    "Correct a mass incident's 001 markers and headcount.",
)

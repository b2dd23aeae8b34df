"""Incident commands and reads. Every command: POST a body, get the incident as it now stands."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from api import incident_schemas as s
from api.commands import CaseKind, Command, add_commands
from api.deps import CurrentPerson, Meta, SystemDep, meta_for
from api.schemas import EventPublic
from domain.incidents.incident import Incident

router = APIRouter(prefix="/incidents", tags=["incidents"])
INCIDENTS: CaseKind[Incident] = CaseKind(
    "incident",
    desk=lambda cb: cb.incidents,
    public=s.IncidentPublic,
    show=lambda system, person, incident: s.IncidentPublic.of(incident),
)


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
    return INCIDENTS.answer(response, system, person, incident, "reported")


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


add_commands(
    router,
    INCIDENTS,
    Command(
        "upward-reports",
        s.UpwardReportIn,
        "report_upward",
        Incident.ReportedUpward,
        "Record that the incident was reported to a higher level than before.",
        fields=("level", "recipient"),
    ),
    Command(
        "handling",
        s.HandlingIn,
        "handle",
        Incident.Handled,
        "Record the measures taken on the incident, and by whom.",
        fields=("measures", "handled_by"),
    ),
    Command(
        "closure",
        s.IncidentClosureIn,
        "close",
        Incident.Closed,
        "Close a handled incident that was reported upward, with its outcome.",
        fields=("outcome",),
    ),
    Command(
        "casualty-corrections",
        s.CasualtyCorrectionIn,
        "correct_casualties",
        Incident.CasualtiesCorrected,
        "Correct the injured and dead counts; the old counts stay in the history.",
        fields=("injured", "dead", "reason"),
    ),
    Command(
        "mass-incident-corrections",
        s.MassIncidentCorrectionIn,
        "correct_mass_incident_facts",
        Incident.MassIncidentFactsCorrected,
        "Correct a mass incident's 001 markers and headcount.",
        fields=("markers", "people_involved", "reason"),
    ),
)

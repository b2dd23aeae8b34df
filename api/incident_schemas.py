"""Request and response bodies of the incident routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from api.schemas import EventPublic, In
from domain.incidents.incident import Hazard, Incident, Kind, Marker, Offence, OriginKind, ReportingLevel

COUNT = {"ge": 0, "le": 1_000_000}


class IncidentFactsIn(In):
    """What happened: the facts every report of an incident gives, wherever it is reported."""

    kind: Kind
    occurred_at: AwareDatetime = Field(description="When it happened: not after it is reported.")
    description: str = Field(max_length=4000)
    location: str = Field(max_length=500, description="Where, in words: road, building, field.")
    markers: list[Marker] = Field(
        default_factory=list, description="Mass incident only: which 001 markers apply."
    )
    people_involved: int | None = Field(None, **COUNT, description="Mass incident only: how many took part.")
    injured: int | None = Field(None, **COUNT, description="Required for a safety accident.")
    dead: int | None = Field(None, **COUNT, description="Required for a safety accident.")
    offence: Offence | None = Field(None, description="Public-security case only.")
    hazard: Hazard | None = Field(None, description="Natural disaster only.")

    def facts(self) -> dict[str, Any]:
        return {
            name: getattr(self, name) for name in IncidentFactsIn.model_fields if name not in In.model_fields
        }


class IncidentReportIn(IncidentFactsIn):
    grid: str | None = Field(None, description="The grid where it happened.")
    village: str | None = Field(None, description="Or the village, when no one grid is the place.")
    origin_kind: OriginKind | None = Field(None, description="What the incident came from, if anything.")
    origin_id: str | None = Field(None, max_length=200, description="The dispute id or patrol shift id.")

    @model_validator(mode="after")
    def _one_node(self) -> IncidentReportIn:
        if (self.grid is None) == (self.village is None):
            raise ValueError("give either grid or village")
        return self


class UpwardReportIn(In):
    level: ReportingLevel = Field(description="Higher than any level reported to before.")
    recipient: str = Field("", max_length=200, description="The office or person informed.")


class HandlingIn(In):
    measures: str = Field(max_length=4000)
    handled_by: str = Field(max_length=500, description="Who took the measures: units or people.")


class IncidentClosureIn(In):
    outcome: str = Field(max_length=4000)


class CasualtyCorrectionIn(In):
    injured: int = Field(**COUNT)
    dead: int = Field(**COUNT)
    reason: str = Field(max_length=2000)


class MassIncidentCorrectionIn(In):
    markers: list[Marker]
    people_involved: int = Field(**COUNT)
    reason: str = Field(max_length=2000)


class IncidentPublic(BaseModel):
    id: str
    version: int
    kind: str
    village: str
    grid: str | None
    occurred_at: datetime
    description: str
    location: str
    markers: list[str]
    people_involved: int | None
    injured: int | None
    dead: int | None
    fatal: bool
    offence: str | None
    hazard: str | None
    origin_kind: str | None
    origin_id: str | None
    reported_at: datetime
    reported_by: str
    status: str
    reported_to: list[dict[str, Any]]
    highest_level: str | None
    handling: list[dict[str, Any]]
    outcome: str | None
    closed_at: datetime | None
    corrections: int
    allowed_actions: list[str]

    @classmethod
    def of(cls, i: Incident) -> IncidentPublic:
        fields = {
            name: getattr(i, name) for name in cls.model_fields if name not in ("id", "allowed_actions")
        }
        return cls(**fields, id=str(i.id), allowed_actions=sorted(i.allowed_actions()))


class IncidentWithHistory(IncidentPublic):
    history: list[EventPublic]

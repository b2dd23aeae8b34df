"""Request and response bodies of the patrol routes and shifts."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from api.incident_schemas import IncidentFactsIn
from api.schemas import EventPublic, In, PartyIn
from domain.disputes.dispute import Category, Severity
from domain.patrols.patrol import MAX_SHIFT_MINUTES, CadenceLevel, Route, Shift

CODE = Field(
    min_length=1,
    max_length=40,
    pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$",
    description="The checkpoint's code, as on its sign.",
)
CHECKPOINT = Field(max_length=40, description="The code of a checkpoint of the shift's route revision.")


class CheckpointIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = CODE
    name: str = Field(max_length=100)
    location: str = Field("", max_length=200, description="Where it is, in words.")


class RouteIn(In):
    node: str = Field(max_length=200, description="The village or township the route belongs to.")
    name: str = Field(max_length=100)
    checkpoints: list[CheckpointIn] = Field(max_length=100, description="In the order they are walked.")


class RouteRevisionIn(In):
    checkpoints: list[CheckpointIn] = Field(max_length=100, description="The new list, in walking order.")
    name: str | None = Field(None, max_length=100, description="A new name; default: unchanged.")


class RouteRetirementIn(In):
    reason: str = Field("", max_length=2000)


class TeamIn(In):
    leader: str = Field(max_length=100, description="The leader's person id: a patrol leader over the route.")
    members: list[str] = Field(
        max_length=50, description="The other members' person ids: each holds a patrol post over the route."
    )


class ScheduleStartIn(In):
    first_start: AwareDatetime = Field(
        description="When the first shift begins; the next ones a cadence later."
    )
    shift_minutes: int = Field(ge=1, le=MAX_SHIFT_MINUTES, description="How long each shift lasts.")
    level: CadenceLevel | None = Field(
        None, description="The grid level whose cadence is kept (002); default: the route's own level."
    )


class ScheduleStopIn(In):
    reason: str = Field("", max_length=2000)


class ShiftIn(In):
    route_id: UUID
    leader: str = Field(max_length=100, description="The leader's person id: a patrol leader over the route.")
    members: list[str] = Field(
        max_length=50, description="The other members' person ids: each holds a patrol post over the route."
    )
    planned_start: AwareDatetime
    planned_end: AwareDatetime


class SignInIn(In):
    pass


class CheckpointSignInIn(In):
    checkpoint: str = CHECKPOINT


class MissedCheckpointIn(In):
    checkpoint: str = CHECKPOINT
    reason: str = Field(max_length=2000)


class ShiftMissedIn(In):
    reason: str = Field("", max_length=2000)


class CancellationIn(In):
    reason: str = Field(max_length=2000)


class ShiftClosureIn(In):
    notes: str = Field("", max_length=4000)


class DisputeFindingIn(In):
    grid: str | None = Field(None, description="The grid where it was found; it starts at grid level.")
    village: str | None = Field(None, description="Or the village; default: the route's village.")
    parties: list[PartyIn] = Field(description="The parties: at least two.")
    category: Category
    severity: Severity
    description: str = Field(max_length=4000)
    occurred_at: AwareDatetime | None = Field(None, description="When it arose; default: when it was found.")
    checkpoint: str | None = Field(None, max_length=40, description="The checkpoint near which it was found.")

    @model_validator(mode="after")
    def _at_most_one_node(self) -> DisputeFindingIn:
        if self.grid is not None and self.village is not None:
            raise ValueError("give a grid or a village, not both")
        return self


class IncidentFindingIn(IncidentFactsIn):
    grid: str | None = Field(None, description="The grid where it happened.")
    village: str | None = Field(None, description="Or the village; default: the route's village.")
    occurred_at: AwareDatetime | None = Field(
        None, description="When it happened; default: when it was found."
    )
    checkpoint: str | None = Field(None, max_length=40, description="The checkpoint near which it was found.")

    @model_validator(mode="after")
    def _at_most_one_node(self) -> IncidentFindingIn:
        if self.grid is not None and self.village is not None:
            raise ValueError("give a grid or a village, not both")
        return self


class RoutePublic(BaseModel):
    id: str
    version: int
    node: str
    name: str
    revision: int
    checkpoints: list[dict[str, str]]
    status: str
    established_by: str
    established_at: datetime
    retired_at: datetime | None
    team: dict[str, Any] | None = Field(description="The standing team that walks the schedule's shifts.")
    schedule: dict[str, Any] | None = Field(description="The schedule running on the route, if one is.")
    schedules: list[dict[str, Any]] = Field(
        description="Every schedule started on the route, the last one last."
    )
    allowed_actions: list[str]

    @classmethod
    def of(cls, r: Route) -> RoutePublic:
        fields = {
            name: getattr(r, name) for name in cls.model_fields if name not in ("id", "allowed_actions")
        }
        return cls(**fields, id=str(r.id), allowed_actions=sorted(r.allowed_actions()))


class RouteWithHistory(RoutePublic):
    history: list[EventPublic]


class CheckpointPublic(BaseModel):
    position: int
    code: str
    name: str
    location: str
    signed_by: list[dict[str, Any]] = Field(description="Who signed in there, and when.")
    missed: dict[str, Any] | None = Field(description="Why, by whom, when; null unless recorded missed.")


class ShiftPublic(BaseModel):
    id: str
    version: int
    route_id: str
    route_revision: int
    route_name: str
    node: str
    leader: str
    members: list[str]
    planned_start: datetime
    planned_end: datetime
    scheduled_by: str
    scheduled_at: datetime
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    end_reason: str | None = Field(description="Why it was missed or cancelled.")
    checkpoints: list[CheckpointPublic]
    present: list[str] = Field(description="Who signed in at the start.")
    signed_out: list[str] = Field(description="Who signed in at the end.")
    sign_ins: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    record: dict[str, Any] | None = Field(description="The record made on closing.")
    allowed_actions: list[str]

    @classmethod
    def of(cls, s: Shift, at: datetime | None = None) -> ShiftPublic:
        """The shift, with what its state accepts at `at` (the system's now)."""
        simple = set(cls.model_fields) - {"id", "checkpoints", "present", "signed_out", "allowed_actions"}
        checkpoints = [
            CheckpointPublic(
                position=i,
                **c,
                signed_by=s.signed.get(c["code"], []),
                missed=s.missed.get(c["code"]),
            )
            for i, c in enumerate(s.checkpoints, start=1)
        ]
        return cls(
            **{name: getattr(s, name) for name in simple},
            id=str(s.id),
            checkpoints=checkpoints,
            present=list(s.present),
            signed_out=list(s.signed_out),
            allowed_actions=sorted(s.allowed_actions(at)),
        )


class ShiftWithHistory(ShiftPublic):
    history: list[EventPublic]

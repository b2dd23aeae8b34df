"""Briefings as data: a briefing with every version, its comments, sign-offs and issues."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Response
from pydantic import BaseModel

from api.deps import CurrentPerson, SystemDep
from domain.briefings.briefing import Briefing

router = APIRouter(tags=["briefings"])


class BriefingPublic(BaseModel):
    id: UUID
    kind: str
    node: str
    period_start: datetime
    period_end: datetime
    status: str
    versions: list[dict[str, Any]]  # number, content, sources, changes, written_at; the last is current
    comments: list[dict[str, Any]]
    signed_off: list[dict[str, Any]]  # on the current version
    issued: list[dict[str, Any]]  # to which posts and people, per version
    version: int

    @classmethod
    def of(cls, briefing: Briefing) -> BriefingPublic:
        return cls(
            id=briefing.id,
            kind=briefing.kind,
            node=briefing.node,
            period_start=briefing.period_start,
            period_end=briefing.period_end,
            status=briefing.status.value,
            versions=briefing.versions,
            comments=briefing.comments,
            signed_off=briefing.signed_off,
            issued=briefing.issued,
            version=briefing.version,
        )


@router.get("/briefings/{briefing_id}", response_model=BriefingPublic)
def read_briefing(
    briefing_id: UUID, person: CurrentPerson, system: SystemDep, response: Response
) -> BriefingPublic:
    """Read a briefing: every version kept, what changed in each, who commented and signed off."""
    briefing = system.casebook.briefings.briefing(person, briefing_id)
    response.headers["ETag"] = f'"{briefing.version}"'
    return BriefingPublic.of(briefing)

"""What crosses the Temporal boundary: one pydantic model per workflow, signal and activity."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel


def dispute_workflow_id(dispute_id: str) -> str:
    return f"dispute-{dispute_id}"


class DisputeCase(BaseModel):
    """A dispute's clock: started by the dispatcher when the dispute is reported."""

    dispute_id: str
    village: str
    severity: str
    level: str
    level_since: datetime
    version: int
    deadlines: dict[str, timedelta]


class DisputeNotice(BaseModel):
    """One recorded fact about the dispute, delivered in order by the dispatcher. The
    stream version identifies it: a notice at or below the version known is a repeat."""

    dispute_id: str
    version: int
    kind: str
    effective_at: datetime
    to_level: str | None = None


class MissedDeadline(BaseModel):
    dispute_id: str
    from_level: str
    due_at: datetime
    period: timedelta


class DisputeClock(BaseModel):
    """The dispute as the clock knows it."""

    version: int
    level: str
    level_since: datetime
    resolved: bool
    due_at: datetime | None = None

"""What crosses the Temporal boundary: one pydantic model per workflow, signal and activity."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


def case_workflow_id(kind: str, case_id: str, episode: int = 0) -> str:
    """A case's clock workflow; a reopened case runs a new episode under its own id."""
    return f"{kind}-{case_id}" + (f"-reopened-{episode}" if episode else "")


def dispute_workflow_id(dispute_id: str) -> str:
    return case_workflow_id("dispute", dispute_id)


class CaseRef(BaseModel):
    """Which case (and which episode of it) a clock workflow keeps time for."""

    kind: str
    case_id: str
    episode: int = 0


class CaseNotice(BaseModel):
    """The case changed: its stream is now at `version` (sent by the dispatcher; a notice at
    or below the version the workflow knows is a repeat)."""

    version: int
    event: str


class Reminder(BaseModel):
    fraction: float
    at: datetime
    sent: bool


class ClockView(BaseModel):
    key: str
    clock: str
    status: str
    due_at: datetime
    reminders: list[Reminder]

    def next_moment(self) -> tuple[datetime, float | None] | None:
        """The next time something is owed on this clock: a reminder, or the due time."""
        if self.status != "running":
            return None
        pending = [(r.at, r.fraction) for r in self.reminders if not r.sent and r.at < self.due_at]
        return min(pending, default=(self.due_at, None))


class CaseTime(BaseModel):
    """The case as its clocks see it: its version, whether they are all done, the clocks."""

    version: int
    ended: bool
    clocks: list[ClockView]


class ClockDue(BaseModel):
    ref: CaseRef
    key: str
    fraction: float | None = None  # a reminder's fraction, or None for the due time itself

"""What crosses the Temporal boundary for the reporting rhythm (sweep rounds and briefings): one
pydantic model per workflow input and per activity."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

SWEEP_ROUNDS_ID = "sweep-rounds"


class RoundRun(BaseModel):
    """Where the sweep rounds stand; a run continued as new starts from it."""

    rounds: int = 0  # rounds opened over all runs
    run: int = 1


class RoundAsk(BaseModel):
    at: datetime


class RoundOpened(BaseModel):
    opened: int  # sweeps open for the period running at `at` (opened now or before)
    next_at: datetime | None  # when the next period of any level begins; none when none is owed


class BriefingRound(BaseModel):
    """A round of briefings of one kind, for the period that ended before `scheduled_at` (the
    schedule's nominal time; none when started by hand, then the workflow's own time)."""

    kind: str
    scheduled_at: datetime | None = None


class BriefingAsk(BaseModel):
    kind: str
    at: datetime


class BriefingsWritten(BaseModel):
    written: int  # briefings written or revised by this round
    unchanged: int  # briefings of the period already written with the same figures

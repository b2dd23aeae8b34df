"""The reporting rhythm's activities: opening a round of sweeps, writing a round of briefings —
through the service layer, idempotently."""

from __future__ import annotations

import structlog
from temporalio import activity
from temporalio.exceptions import ApplicationError

from projections.briefings import BriefingWriter
from service.casebook import Casebook
from workflows.rhythm_contracts import BriefingAsk, BriefingsWritten, RoundAsk, RoundOpened

log = structlog.get_logger()


class RhythmActivities:
    def __init__(self, casebook: Casebook, briefings: BriefingWriter | None = None) -> None:
        self.sweeps = casebook.sweeps
        self.briefings = briefings

    @activity.defn(name="open_sweep_round")
    def open_sweep_round(self, ask: RoundAsk) -> RoundOpened:
        opened = self.sweeps.open_round(ask.at)
        log.info("sweeps.round_opened", at=ask.at.isoformat(), sweeps=len(opened))
        return RoundOpened(opened=len(opened), next_at=self.sweeps.next_round(ask.at))

    @activity.defn(name="write_briefing_round")
    def write_briefing_round(self, ask: BriefingAsk) -> BriefingsWritten:
        if self.briefings is None:
            raise ApplicationError(
                "this worker reads no read models", type="NoReadModels", non_retryable=True
            )
        written, unchanged = self.briefings.write_round(ask.kind, ask.at)
        log.info("briefings.round_written", kind=ask.kind, at=ask.at.isoformat(), written=written)
        return BriefingsWritten(written=written, unchanged=unchanged)

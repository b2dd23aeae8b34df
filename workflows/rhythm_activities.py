"""The reporting rhythm's activities: opening a round of sweeps, writing a round of briefings —
through the service layer, idempotently."""

from __future__ import annotations

import structlog
from temporalio import activity

from service.casebook import Casebook
from workflows.rhythm_contracts import RoundAsk, RoundOpened

log = structlog.get_logger()


class RhythmActivities:
    def __init__(self, casebook: Casebook) -> None:
        self.sweeps = casebook.sweeps

    @activity.defn(name="open_sweep_round")
    def open_sweep_round(self, ask: RoundAsk) -> RoundOpened:
        opened = self.sweeps.open_round(ask.at)
        log.info("sweeps.round_opened", at=ask.at.isoformat(), sweeps=len(opened))
        return RoundOpened(opened=len(opened), next_at=self.sweeps.next_round(ask.at))

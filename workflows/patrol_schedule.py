"""One workflow per patrol schedule opens a shift each period, for as long as the schedule runs.
It holds no rules: it asks which period comes next (`plan_patrol_period`), has that period's
shift opened (`open_patrol_period`, idempotent), sleeps until the period begins (or a notice
that the schedule changed), and when the schedule no longer runs, has its shift not yet begun
called off (`call_off_patrol_period`). It continues as new every so many periods, so a
schedule that runs all year keeps a short history."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.case_clock import RETRY, TIMEOUT, news_before
    from workflows.contracts import CaseNotice
    from workflows.patrol_contracts import CallOff, OpenedShift, Period, PeriodAsk, PeriodOpening, ScheduleRun

PERIODS_PER_RUN = 30  # periods begun before the workflow continues as new: a run's history stays small
M = TypeVar("M", bound=BaseModel)


@workflow.defn
class PatrolScheduleWorkflow:
    @workflow.init
    def __init__(self, run: ScheduleRun) -> None:
        self._heard = 0  # the highest route version a notice announced
        self._state = run

    @workflow.run
    async def run(self, run: ScheduleRun) -> ScheduleRun:
        state, begun = run, 0
        while True:
            known = self._heard
            period = await self._ask(
                "plan_patrol_period", PeriodAsk(ref=state.ref, after=state.after), Period
            )
            if not period.running or period.start is None:
                if state.pending is not None:
                    await self._ask(
                        "call_off_patrol_period", CallOff(ref=state.ref, shift_id=state.pending), OpenedShift
                    )
                return state
            if period.start != state.opened_for:
                opening = PeriodOpening(ref=state.ref, start=period.start, after=state.after)
                opened = await self._ask("open_patrol_period", opening, OpenedShift)
                if opened.shift_id is None:
                    continue  # stopped meanwhile: the next plan says so
                state = state.model_copy(
                    update={
                        "opened_for": period.start,
                        "pending": opened.shift_id,
                        "opened": state.opened + 1,
                    }
                )
            self._state = state
            if await news_before(period.start, lambda known=known: self._heard > known):
                continue
            state = self._state = state.model_copy(update={"after": period.start})
            begun += 1
            if begun >= PERIODS_PER_RUN or workflow.info().is_continue_as_new_suggested():
                workflow.continue_as_new(state.model_copy(update={"run": state.run + 1}))

    async def _ask(self, activity: str, argument: BaseModel, answer: type[M]) -> M:
        return await workflow.execute_activity(
            activity,
            argument,
            result_type=answer,
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )

    @workflow.signal
    def notice(self, notice: CaseNotice) -> None:
        self._heard = max(self._heard, notice.version)

    @workflow.query
    def state(self) -> ScheduleRun:
        return self._state

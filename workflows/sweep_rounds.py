"""One workflow opens the sweeps each period, for as long as the system runs. It holds no rules:
it asks the store to open the round for the period running now (`open_sweep_round`, idempotent:
each unit's sweep of a period is opened once), sleeps until the next period of any level begins
(at most a day, so a new policy is read within a day, or at once when `recheck` is signalled),
and continues as new every so many rounds. Started (and, if running, reused) when the worker
starts; each sweep's due time is then kept by its own clock workflow, started by the dispatcher."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows.case_clock import RETRY, TIMEOUT, news_before
    from workflows.rhythm_contracts import RoundAsk, RoundOpened, RoundRun

ROUNDS_PER_RUN = 50
LONGEST_SLEEP = timedelta(days=1)


@workflow.defn
class SweepRoundsWorkflow:
    @workflow.init
    def __init__(self, run: RoundRun) -> None:
        self._rechecks = 0
        self._state = run

    @workflow.run
    async def run(self, run: RoundRun) -> RoundRun:
        state, begun = run, 0
        while True:
            seen = self._rechecks
            opened = await workflow.execute_activity(
                "open_sweep_round",
                RoundAsk(at=workflow.now()),
                result_type=RoundOpened,
                start_to_close_timeout=TIMEOUT,
                retry_policy=RETRY,
            )
            state = self._state = state.model_copy(update={"rounds": state.rounds + 1})
            wake = workflow.now() + LONGEST_SLEEP
            if opened.next_at is not None:
                wake = min(wake, opened.next_at)
            await news_before(wake, lambda seen=seen: self._rechecks > seen)
            begun += 1
            if begun >= ROUNDS_PER_RUN or workflow.info().is_continue_as_new_suggested():
                workflow.continue_as_new(state.model_copy(update={"run": state.run + 1}))

    @workflow.signal
    def recheck(self) -> None:
        """The policy changed: open the round again now and plan from the new cadence."""
        self._rechecks += 1

    @workflow.query
    def state(self) -> RoundRun:
        return self._state

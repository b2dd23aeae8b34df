"""The dispute's deadline clock: each level has its period; unresolved when it passes, the
dispute goes up one level ("small things don't stay overnight")."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        DisputeCase,
        DisputeClock,
        DisputeNotice,
        MissedDeadline,
    )

ESCALATION_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=["CaseNotFound"],
)
# After these the dispute is no longer open at any level: its clock stops.
RESOLVING_KINDS = {"AgreementReached", "Closed", "ReferredOut", "ConvertedToCriminalCase", "MarkedDuplicate"}


@workflow.defn
class DisputeCaseWorkflow:
    @workflow.init
    def __init__(self, case: DisputeCase) -> None:
        self._clock = DisputeClock(
            version=case.version, level=case.level, level_since=case.level_since, resolved=False
        )

    @workflow.run
    async def run(self, case: DisputeCase) -> DisputeClock:
        while not self._clock.resolved:
            level, version = self._clock.level, self._clock.version
            period = case.deadlines.get(level)
            if period is None:
                self._clock.due_at = None
                await workflow.wait_condition(lambda: self._clock.version != version)
                continue
            due = self._clock.level_since + period
            self._clock.due_at = due
            if await self._changed_before(due, version):
                continue
            now_known = await workflow.execute_activity(
                "escalate_for_missed_deadline",
                MissedDeadline(dispute_id=case.dispute_id, from_level=level, due_at=due, period=period),
                result_type=DisputeClock,
                start_to_close_timeout=timedelta(minutes=1),
                retry_policy=ESCALATION_RETRY,
            )
            self._learn(now_known)
            if self._clock.version == version:
                # Nothing was recorded and nothing is known to have changed: wait for news
                # rather than spin on a deadline that has already passed.
                await workflow.wait_condition(lambda: self._clock.version != version)
        self._clock.due_at = None
        return self._clock

    async def _changed_before(self, due: object, version: int) -> bool:
        remaining = (due - workflow.now()).total_seconds()  # type: ignore[operator]
        if remaining <= 0:
            return self._clock.version != version
        try:
            await workflow.wait_condition(lambda: self._clock.version != version, timeout=remaining)
        except asyncio.TimeoutError:
            return False
        return True

    def _learn(self, known: DisputeClock) -> None:
        if known.version > self._clock.version:
            self._clock = known

    @workflow.signal
    def notice(self, notice: DisputeNotice) -> None:
        if notice.version <= self._clock.version:
            return
        clock = self._clock.model_copy(update={"version": notice.version})
        if notice.kind == "Escalated" and notice.to_level:
            clock.level, clock.level_since = notice.to_level, notice.effective_at
        elif notice.kind in RESOLVING_KINDS:
            clock.resolved = True
        self._clock = clock

    @workflow.query
    def clock(self) -> DisputeClock:
        return self._clock

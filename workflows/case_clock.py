"""One workflow per case episode keeps its time. It holds no rules: after every change it
asks the store which clocks run (`sync_case`), sleeps until the next reminder or due time,
and tells the store that moment came (`clock_came`). The store decides what follows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import CaseNotice, CaseRef, CaseTime, ClockDue

RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=["CaseNotFound"],
)
TIMEOUT = timedelta(minutes=1)


async def news_before(moment: datetime, news: Callable[[], bool]) -> bool:
    """Sleeps until `moment` (workflow time) unless `news()` comes true first; says whether it did."""
    remaining = (moment - workflow.now()).total_seconds()
    if remaining <= 0:
        return news()
    try:
        await workflow.wait_condition(news, timeout=remaining)
    except TimeoutError:
        return False
    return True


@workflow.defn
class CaseClockWorkflow:
    @workflow.init
    def __init__(self, ref: CaseRef) -> None:
        self._heard = 0  # the highest stream version a notice announced
        self._rechecks = 0  # how many times the rulebook moved this case's due times
        self._time: CaseTime | None = None

    @workflow.run
    async def run(self, ref: CaseRef) -> CaseTime:
        time = await self._ask("sync_case", ref)
        while not time.ended:
            seen = self._rechecks
            nxt = min(
                (m for c in time.clocks if (m := c.next_moment()) is not None),
                key=lambda m: m[0],
                default=None,
            )
            known = time.version
            if nxt is None:
                await workflow.wait_condition(
                    lambda known=known, seen=seen: self._heard > known or self._rechecks > seen
                )
                time = await self._ask("sync_case", ref)
                continue
            moment, fraction = nxt
            if await self._news_before(moment, known, seen):
                time = await self._ask("sync_case", ref)
                continue
            key = next(c.key for c in time.clocks if c.next_moment() == nxt)
            time = await self._ask("clock_came", ClockDue(ref=ref, key=key, fraction=fraction))
        return time

    async def _ask(self, activity: str, argument: object) -> CaseTime:
        self._time = await workflow.execute_activity(
            activity,
            argument,
            result_type=CaseTime,
            start_to_close_timeout=TIMEOUT,
            retry_policy=RETRY,
        )
        return self._time

    async def _news_before(self, moment: datetime, known: int, seen: int) -> bool:
        return await news_before(moment, lambda: self._heard > known or self._rechecks > seen)

    @workflow.signal
    def notice(self, notice: CaseNotice) -> None:
        self._heard = max(self._heard, notice.version)

    @workflow.signal
    def recheck(self) -> None:
        """The rulebook changed (a calendar corrected, a policy for running clocks): ask again."""
        self._rechecks += 1

    @workflow.query
    def time(self) -> CaseTime | None:
        return self._time

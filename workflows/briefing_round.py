"""A round of briefings, started by a Temporal Schedule (or by hand): it writes the briefings of one
kind for the week that ended before the schedule's nominal time (`TemporalScheduledStartTime`, so a
round caught up late, or backfilled, writes the week it was due for), through one idempotent
activity. Running it twice for one time writes nothing twice."""

from __future__ import annotations

from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    from workflows.rhythm_contracts import BriefingAsk, BriefingRound, BriefingsWritten

SCHEDULED = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
RETRY = RetryPolicy(initial_interval=timedelta(seconds=5), maximum_interval=timedelta(minutes=5))


@workflow.defn
class BriefingRoundWorkflow:
    @workflow.run
    async def run(self, round: BriefingRound) -> BriefingsWritten:
        at: datetime = (
            round.scheduled_at or workflow.info().typed_search_attributes.get(SCHEDULED) or workflow.now()
        )
        return await workflow.execute_activity(
            "write_briefing_round",
            BriefingAsk(kind=round.kind, at=at),
            result_type=BriefingsWritten,
            start_to_close_timeout=timedelta(minutes=10),
            retry_policy=RETRY,
        )

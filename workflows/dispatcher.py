"""The dispatcher: follows the notification log and tells Temporal what happened.

The API only commits events; it never talks to Temporal. The dispatcher starts a case's
workflow when the case is reported and passes every later fact to it as a signal, then
records how far it got. Every effect is idempotent (workflow id from the case id, notices
deduplicated by stream version), so replaying a batch after a crash duplicates nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import structlog
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.dispute import EVENT_TOPICS, Dispute
from infra.sql import Database
from projections import tracking
from projections.runner import NotificationReader
from workflows.contracts import DisputeCase, DisputeNotice, dispute_workflow_id
from workflows.dispute_case import DisputeCaseWorkflow

log = structlog.get_logger()

NAME = "dispatcher"


class Dispatcher:
    def __init__(  # noqa: PLR0913
        self,
        reader: NotificationReader,
        db: Database,
        client: Client,
        *,
        task_queue: str,
        deadlines: dict[str, timedelta],
        batch_size: int = 100,
        after_effects: Callable[[Sequence[int]], None] | None = None,
    ) -> None:
        self.reader = reader
        self.db = db
        self.client = client
        self.task_queue = task_queue
        self.deadlines = deadlines
        self.batch_size = batch_size
        # A seam for crash tests: called after a batch's effects, before its position is kept.
        self.after_effects = after_effects

    def setup(self) -> None:
        with self.db.transaction() as cur:
            tracking.create_table(cur)
            tracking.position(cur, NAME, lock=True)

    def position(self) -> int:
        with self.db.reading() as cur:
            return tracking.position(cur, NAME)

    async def step(self) -> int:
        start = await asyncio.to_thread(self.position)
        batch = await asyncio.to_thread(self.reader.read, start, self.batch_size, EVENT_TOPICS)
        for _, event in batch:
            await self.dispatch(event)
        if not batch:
            return 0
        if self.after_effects:
            self.after_effects([nid for nid, _ in batch])
        await asyncio.to_thread(self._advance, start, batch[-1][0])
        return len(batch)

    def _advance(self, old: int, new: int) -> None:
        with self.db.transaction() as cur:
            tracking.advance(cur, NAME, old, new)

    async def catch_up(self) -> int:
        total = 0
        while applied := await self.step():
            total += applied
        return total

    async def run(self, stopping: asyncio.Event, poll_interval: float) -> None:
        await asyncio.to_thread(self.setup)
        log.info("dispatcher.started", position=await asyncio.to_thread(self.position))
        while not stopping.is_set():
            try:
                applied = await self.catch_up()
                if applied:
                    log.info("dispatcher.advanced", events=applied)
            except RPCError as failure:
                log.warning("dispatcher.temporal_unavailable", detail=str(failure))
            try:
                await asyncio.wait_for(stopping.wait(), poll_interval)
            except TimeoutError:
                pass

    async def dispatch(self, event: Any) -> None:
        if isinstance(event, Dispute.Reported):
            await self._start(event)
        else:
            await self._notify(event)

    async def _start(self, event: Any) -> None:
        dispute_id = str(event.originator_id)
        workflow_id = dispute_workflow_id(dispute_id)
        case = DisputeCase(
            dispute_id=dispute_id, village=event.village, severity=event.severity,
            level=event.level, level_since=event.effective_at, version=event.originator_version,
            deadlines=self.deadlines,
        )
        try:
            handle = await self.client.start_workflow(
                DisputeCaseWorkflow.run,
                case,
                id=workflow_id,
                task_queue=self.task_queue,
                # A running clock is reused; a finished one is never started again.
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            log.info("workflow.already_finished", dispute_id=dispute_id, workflow_id=workflow_id)
            return
        log.info("workflow.started", dispute_id=dispute_id, workflow_id=workflow_id, run_id=handle.result_run_id)

    async def _notify(self, event: Any) -> None:
        dispute_id = str(event.originator_id)
        workflow_id = dispute_workflow_id(dispute_id)
        notice = DisputeNotice(
            dispute_id=dispute_id, version=event.originator_version, kind=type(event).__name__,
            effective_at=event.effective_at, to_level=getattr(event, "to_level", None),
        )
        handle: WorkflowHandle[Any, Any] = self.client.get_workflow_handle(workflow_id)
        try:
            await handle.signal(DisputeCaseWorkflow.notice, notice)
        except RPCError as failure:
            if failure.status != RPCStatusCode.NOT_FOUND:
                raise
            log.info("workflow.already_finished", dispute_id=dispute_id, workflow_id=workflow_id, notice=notice.kind)
            return
        log.info("workflow.notified", dispute_id=dispute_id, workflow_id=workflow_id, notice=notice.kind, version=notice.version)

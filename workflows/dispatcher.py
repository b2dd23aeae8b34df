"""The dispatcher: follows the notification log and tells Temporal what happened.

The API only commits events; it never talks to Temporal. The dispatcher starts a case's
clock workflow when the case is reported (and a new episode when it is reopened), pokes the
running episode on every later event of the case, then records how far it got. Every effect
is idempotent (workflow ids from the case id and episode, notices carrying the stream
version), so replaying a batch after a crash duplicates nothing.

Cases are independent, so a batch's effects run concurrently, case by case (at most
`concurrency` cases at once): within a case they keep the log's order (a start before the
notices that follow it), and several notices to one workflow in a batch become one, carrying
the highest version — the workflow only asks the store again what is true. A rulebook event
(a calendar year or policy that recounts clocks) is a barrier: what comes before it is done
first, what comes after waits. The position is recorded only when every effect of the batch
is done.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

import structlog
from eventsourcing.application import AggregateNotFoundError
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from domain.briefings.briefing import Briefing
from domain.notices import Notice
from domain.receipts import receipt_id
from domain.time.clocks import CaseClocks
from domain.time.policy import InProgress
from domain.time.rulebook import Rulebook
from infra import tracing
from infra.sql import Database
from projections import tracking
from projections.followers import (
    DISPATCHER,
    FAILED,
    RETRYING,
    RUNNING,
    STOPPED,
    FollowerFailed,
    Heartbeat,
    Retry,
    Supervision,
    prepare,
)
from projections.runner import NotificationReader
from service import telemetry
from workflows.case_clock import CaseClockWorkflow
from workflows.case_kinds import BY_KIND, BY_TOPIC, TOPICS, CaseKind
from workflows.contracts import CaseNotice, CaseRef
from workflows.notice import NoticeRef, NoticeWorkflow, notice_workflow_id
from workflows.rhythm_contracts import SWEEP_ROUNDS_ID
from workflows.sweep_rounds import SweepRoundsWorkflow

log = structlog.get_logger()

NAME = DISPATCHER
RULEBOOK_TOPICS = (
    Rulebook.CalendarYearLoaded.TOPIC,
    Rulebook.CalendarYearCorrected.TOPIC,
    Rulebook.PolicyVersionAdopted.TOPIC,
)
# A reminder or a missed deadline asks for a notice; a notice asked for starts its delivery.
NOTICE_TOPICS = (
    CaseClocks.ReminderRecorded.TOPIC,
    CaseClocks.DeadlineMissed.TOPIC,
    Notice.Requested.TOPIC,
    Briefing.Issued.TOPIC,
)


class Dispatcher:
    def __init__(
        self,
        reader: NotificationReader,
        db: Database,
        client: Client,
        *,
        task_queue: str,
        batch_size: int = 500,
        concurrency: int = 32,
        name: str = NAME,
        after_effects: Callable[[Sequence[int]], None] | None = None,
    ) -> None:
        self.reader = reader
        self.db = db
        self.client = client
        self.task_queue = task_queue
        self.batch_size = batch_size
        self.concurrency = concurrency
        self.name = name  # its position's name in the tracking table
        # A seam for crash tests: called after a batch's effects, before its position is kept.
        self.after_effects = after_effects

    def setup(self) -> None:
        prepare(self.db)
        with self.db.transaction() as cur:
            tracking.position(cur, self.name, lock=True)

    def position(self) -> int:
        with self.db.reading() as cur:
            return tracking.position(cur, self.name)

    async def step(self) -> int:
        started = time.perf_counter()
        start = await asyncio.to_thread(self.position)
        topics = TOPICS + RULEBOOK_TOPICS + NOTICE_TOPICS
        batch = await asyncio.to_thread(self.reader.read, start, self.batch_size, topics)
        await self.dispatch_all([event for _, event in batch])
        if not batch:
            return 0
        if self.after_effects:
            self.after_effects([nid for nid, _ in batch])
        await asyncio.to_thread(self._advance, start, batch[-1][0])
        telemetry.DISPATCHER_BATCH_SECONDS.observe(time.perf_counter() - started)
        telemetry.DISPATCHER_BATCH_EVENTS.observe(len(batch))
        return len(batch)

    def _advance(self, old: int, new: int) -> None:
        with self.db.transaction() as cur:
            tracking.advance(cur, self.name, old, new)

    async def catch_up(self) -> int:
        total = 0
        while applied := await self.step():
            total += applied
        return total

    async def run(self, stopping: asyncio.Event, poll_interval: float, retry: Retry | None = None) -> None:
        """Follows the log until `stopping` is set. A failure of Temporal or of the database is
        logged and retried with back-off; after failing for longer than the retry budget it raises
        FollowerFailed, for the process to exit non-zero and be restarted."""
        supervision = Supervision(self.name, retry or Retry(), "dispatcher")
        heartbeat = Heartbeat(self.db, self.name)
        started, seen = False, 0
        while not stopping.is_set():
            try:
                if not started:
                    await asyncio.to_thread(self.setup)
                    log.info("dispatcher.started", position=await asyncio.to_thread(self.position))
                    started = True
                head = await asyncio.to_thread(self.reader.head)
                telemetry.DISPATCHER_LAG.set(max(0, head - await asyncio.to_thread(self.position)))
                applied = await self.catch_up()
                if applied:
                    log.info("dispatcher.advanced", events=applied)
                seen = max(head, await asyncio.to_thread(self.position))
                supervision.succeeded()
                await asyncio.to_thread(heartbeat.beat, RUNNING, seen)
                wait = poll_interval
            except tracking.TrackingConflict as conflict:
                log.warning("dispatcher.conflict", detail=str(conflict))
                wait = poll_interval
            except Exception as failure:  # noqa: BLE001 - supervised: retried, then given up
                try:
                    wait = supervision.failed(failure)
                except FollowerFailed as gave_up:
                    await asyncio.to_thread(heartbeat.beat, FAILED, seen, str(gave_up), force=True)
                    raise
                detail = f"{type(failure).__name__}: {failure}"
                await asyncio.to_thread(heartbeat.beat, RETRYING, seen, detail, force=True)
            try:
                await asyncio.wait_for(stopping.wait(), wait)
            except TimeoutError:
                pass
        await asyncio.to_thread(heartbeat.beat, STOPPED, seen, force=True)

    async def dispatch_all(self, events: Sequence[Any]) -> None:
        """Every effect of the events, concurrently case by case, in order within a case;
        rulebook events one at a time, between the rest."""
        segment: list[Any] = []
        notices = [e for e in events if type(e).TOPIC in NOTICE_TOPICS]
        for event in events:
            if type(event).TOPIC in RULEBOOK_TOPICS:
                await self._concurrently(segment)
                segment = []
                await self._recount(event)
            elif type(event).TOPIC not in NOTICE_TOPICS:
                segment.append(event)
        await self._concurrently(segment)
        gate = asyncio.Semaphore(self.concurrency)

        async def announce(event: Any) -> None:
            async with gate:
                await self._announce(event)

        for outcome in await asyncio.gather(*(announce(e) for e in notices), return_exceptions=True):
            if isinstance(outcome, BaseException):
                raise outcome

    async def _announce(self, event: Any) -> None:
        """A reminder or a missed deadline records its notice (idempotent by the event); a
        notice recorded starts the workflow that delivers it, once."""
        if isinstance(event, Briefing.Issued):
            await asyncio.to_thread(self.reader.app.notices.from_briefing_issued, event)
            return  # the notice it records comes back through the log, and is started then
        if not isinstance(event, Notice.Requested):
            await asyncio.to_thread(self.reader.app.notices.from_clock_event, event)
            return
        workflow_id = notice_workflow_id(str(event.originator_id))
        try:
            await self.client.start_workflow(
                NoticeWorkflow.run,
                NoticeRef(notice_id=str(event.originator_id)),
                id=workflow_id,
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            return
        log.info("notice.started", workflow_id=workflow_id, what=event.what)

    async def _concurrently(self, events: Sequence[Any]) -> None:
        by_case: dict[str, list[Any]] = {}
        for event in events:
            by_case.setdefault(str(event.originator_id), []).append(event)
        gate = asyncio.Semaphore(self.concurrency)

        async def one_case(case_events: list[Any]) -> None:
            async with gate:
                for event in _coalesced(case_events):
                    await self.dispatch(event)

        # Every case runs to its end; then the first failure, if any, is raised as itself, so
        # the caller retries the whole batch (its effects are idempotent) as before.
        outcomes = await asyncio.gather(*(one_case(e) for e in by_case.values()), return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome

    async def dispatch(self, event: Any) -> None:
        """The event's effect, inside the trace of the command that recorded it (when tracing is on)."""
        trace = await asyncio.to_thread(self._trace_of, event) if tracing.enabled() else None
        with tracing.continued(trace, f"dispatch {type(event).__name__}", case_id=str(event.originator_id)):
            await self._dispatch(event)

    def _trace_of(self, event: Any) -> str | None:
        command_id, actor = getattr(event, "command_id", None), getattr(event, "actor", None)
        if not command_id or not actor:
            return None
        try:
            return self.reader.app.repository.get(receipt_id(actor, command_id)).trace or None
        except AggregateNotFoundError:
            return None

    async def _dispatch(self, event: Any) -> None:
        if type(event).TOPIC in RULEBOOK_TOPICS:
            await self._recount(event)
            return
        kind = BY_TOPIC[type(event).TOPIC]
        case_id = str(event.originator_id)
        if isinstance(event, kind.created):
            episode = kind.episode(event) if kind.episode else 0
            await self._start(kind, CaseRef(kind=kind.kind, case_id=case_id, episode=episode))
        elif kind.reopened is not None and isinstance(event, kind.reopened):
            await self._start(kind, CaseRef(kind=kind.kind, case_id=case_id, episode=event.reopening))
            await self._notify(
                kind, CaseRef(kind=kind.kind, case_id=case_id, episode=event.reopening - 1), event
            )
        else:
            if kind.episode:
                episode = kind.episode(event)
            else:
                episode = await asyncio.to_thread(self._episode_of, event) if kind.reopened else 0
            await self._notify(kind, CaseRef(kind=kind.kind, case_id=case_id, episode=episode), event)

    async def _recount(self, event: Any) -> None:
        """A calendar year loaded or corrected, or a policy that running clocks follow: count
        the open clocks it can move again (recording old and new due times), and have their
        workflows ask again. A year loaded late matters: until then the clocks running into it
        skipped weekends only."""
        if isinstance(event, Rulebook.PolicyVersionAdopted):
            await self._recheck_sweep_rounds()
            if event.in_progress != InProgress.LATEST:
                return
            reason, year = f"policy {event.version} applies to running clocks: {event.reason}", None
        else:
            done = "loaded" if isinstance(event, Rulebook.CalendarYearLoaded) else "corrected"
            reason, year = f"calendar {event.region} {event.year} {done}: {event.reason}", event.year
        moved = await asyncio.to_thread(
            self.reader.app.deadlines.recompute_open_clocks,
            reason=reason,
            at=event.effective_at,
            year=year,
        )
        for kind, case_id in moved:
            case = await asyncio.to_thread(self.reader.app.repository.get, UUID(case_id))
            ref = CaseRef(kind=kind, case_id=case_id, episode=getattr(case, "reopenings", 0))
            workflow_id = BY_KIND[kind].workflow_id(ref)
            try:
                await self.client.get_workflow_handle(workflow_id).signal(CaseClockWorkflow.recheck)
            except RPCError as failure:
                if failure.status != RPCStatusCode.NOT_FOUND:
                    raise
            log.info("clocks.recounted", case_id=case_id, workflow_id=workflow_id, reason=reason)

    async def _recheck_sweep_rounds(self) -> None:
        """A new policy may change what sweeps are owed: the rounds read it again now."""
        try:
            await self.client.get_workflow_handle(SWEEP_ROUNDS_ID).signal(SweepRoundsWorkflow.recheck)
        except RPCError as failure:
            if failure.status != RPCStatusCode.NOT_FOUND:
                raise

    def _episode_of(self, event: Any) -> int:
        """How many times the case had been reopened when the event was recorded."""
        case = self.reader.app.repository.get(event.originator_id, version=event.originator_version)
        return case.reopenings

    async def _start(self, kind: CaseKind, ref: CaseRef) -> None:
        workflow_id = kind.workflow_id(ref)
        try:
            handle = await self.client.start_workflow(
                kind.workflow.run,
                kind.opening(ref),
                id=workflow_id,
                task_queue=self.task_queue,
                # A running workflow is reused; a finished one is never started again.
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            )
        except WorkflowAlreadyStartedError:
            log.info("workflow.already_finished", case_id=ref.case_id, workflow_id=workflow_id)
            return
        log.info(
            "workflow.started", case_id=ref.case_id, workflow_id=workflow_id, run_id=handle.result_run_id
        )

    async def _notify(self, kind: CaseKind, ref: CaseRef, event: Any) -> None:
        workflow_id = kind.workflow_id(ref)
        notice = CaseNotice(version=event.originator_version, event=type(event).__name__)
        try:
            await self.client.get_workflow_handle(workflow_id).signal(kind.workflow.notice, notice)
        except RPCError as failure:
            if failure.status != RPCStatusCode.NOT_FOUND:
                raise
            log.info(
                "workflow.already_finished", case_id=ref.case_id, workflow_id=workflow_id, notice=notice.event
            )
            return
        log.info(
            "workflow.notified",
            case_id=ref.case_id,
            workflow_id=workflow_id,
            notice=notice.event,
            version=notice.version,
        )


def _coalesced(events: list[Any]) -> list[Any]:
    """A case's events with each run of plain notices (no start, no new episode between them)
    reduced to its last: the notice carries the highest version, which is all a workflow
    keeps of it."""
    kind = BY_TOPIC[type(events[0]).TOPIC]
    kept: list[Any] = []
    for event in events:
        plain = not _starts(kind, event)
        if (
            kept
            and plain
            and not _starts(kind, kept[-1])
            and _episode_key(kind, kept[-1]) == _episode_key(kind, event)
        ):
            kept[-1] = event
        else:
            kept.append(event)
    return kept


def _starts(kind: CaseKind, event: Any) -> bool:
    return isinstance(event, kind.created) or (kind.reopened is not None and isinstance(event, kind.reopened))


def _episode_key(kind: CaseKind, event: Any) -> object:
    """What names the workflow a notice goes to, where the event says it itself."""
    return kind.episode(event) if kind.episode else None

"""The worker: runs the clock workflows and their activities against one Casebook."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import PollerBehaviorSimpleMaximum, Worker

from projections.briefings import BriefingWriter
from service.casebook import Casebook
from service.notify.config import Routing
from service.notify.courier import Courier
from workflows.activities import CaseActivities
from workflows.briefing_round import BriefingRoundWorkflow
from workflows.case_clock import CaseClockWorkflow
from workflows.notice import NoticeActivities, NoticeWorkflow
from workflows.patrol_activities import PatrolScheduleActivities
from workflows.patrol_schedule import PatrolScheduleWorkflow
from workflows.rhythm_activities import RhythmActivities
from workflows.sweep_rounds import SweepRoundsWorkflow

WORKFLOWS = [
    CaseClockWorkflow,
    PatrolScheduleWorkflow,
    NoticeWorkflow,
    SweepRoundsWorkflow,
    BriefingRoundWorkflow,
]


def build_worker(
    client: Client,
    casebook: Casebook,
    task_queue: str,
    courier: Courier | None = None,
    briefings: BriefingWriter | None = None,
    workflow_pollers: int = 20,
) -> Worker:
    """`courier` delivers notices (System.courier: the configured channels); the inbox alone if None.
    `briefings`: the writer of briefings, for a worker that reads the read models. `workflow_pollers`:
    the workflow-task polls kept open at once (Settings.worker_workflow_pollers)."""
    activities = CaseActivities(casebook)
    schedules = PatrolScheduleActivities(casebook)
    notices = NoticeActivities(courier or Courier(casebook.notices, Routing()))
    rhythm = RhythmActivities(casebook, briefings)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[
            activities.sync_case,
            activities.clock_came,
            schedules.plan,
            schedules.open,
            schedules.call_off,
            notices.plan,
            notices.deliver,
            rhythm.open_sweep_round,
            rhythm.write_briefing_round,
        ],
        # The event store is synchronous: activities run in threads.
        activity_executor=ThreadPoolExecutor(max_workers=8),
        # Clocks falling due together queue as workflow tasks: more polls take them sooner.
        workflow_task_poller_behavior=PollerBehaviorSimpleMaximum(maximum=workflow_pollers),
        # On shutdown, let a fact that is being written finish.
        graceful_shutdown_timeout=timedelta(seconds=10),
    )

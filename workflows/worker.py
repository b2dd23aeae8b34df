"""The worker: runs the case workflows and their activities against one Casebook."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.client import Client
from temporalio.worker import Worker

from domain.casebook import Casebook
from workflows.activities import DisputeActivities
from workflows.dispute_case import DisputeCaseWorkflow

WORKFLOWS = [DisputeCaseWorkflow]


def build_worker(client: Client, casebook: Casebook, task_queue: str) -> Worker:
    activities = DisputeActivities(casebook)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[activities.escalate_for_missed_deadline],
        # The event store is synchronous: activities run in threads.
        activity_executor=ThreadPoolExecutor(max_workers=8),
        # On shutdown, let an escalation that is being written finish.
        graceful_shutdown_timeout=timedelta(seconds=10),
    )

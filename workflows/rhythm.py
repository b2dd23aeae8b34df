"""Installing the reporting rhythm on Temporal when the worker starts: the sweep rounds' workflow
(started once, reused while it runs) and the briefings' Temporal Schedules (created, or updated to
the settings). Both are idempotent: a worker restarted installs nothing twice."""

from __future__ import annotations

import structlog
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from workflows.rhythm_contracts import SWEEP_ROUNDS_ID, RoundRun
from workflows.sweep_rounds import SweepRoundsWorkflow

log = structlog.get_logger()


async def start_sweep_rounds(client: Client, task_queue: str) -> str:
    """Starts the sweep rounds, or finds them running; returns the run id."""
    handle = await client.start_workflow(
        SweepRoundsWorkflow.run,
        RoundRun(),
        id=SWEEP_ROUNDS_ID,
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,  # a terminated round starts again
    )
    log.info("sweeps.rounds_started", workflow_id=SWEEP_ROUNDS_ID, run_id=handle.result_run_id)
    return handle.result_run_id or ""


async def install_rhythm(client: Client, task_queue: str, settings: object) -> None:
    """Everything the reporting rhythm runs on Temporal, installed (again) at the worker's start."""
    await start_sweep_rounds(client, task_queue)

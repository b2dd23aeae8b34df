"""The worker, dispatcher and projector serve their metrics on FENGQIAO_METRICS_PORT, and the
Temporal SDK's own on FENGQIAO_TEMPORAL_METRICS_PORT; neither port opens unless configured."""

from __future__ import annotations

import asyncio
import socket
import urllib.request
import uuid

import pytest
from structlog.testing import capture_logs
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from infra.metrics import serve, temporal_runtime
from infra.settings import Settings
from infra.temporal import binary
from service import telemetry
from tests.support import eventually
from workflows.case_clock import CaseClockWorkflow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fetch(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        return response.read().decode()


def test_no_port_opens_unless_configured():
    settings = Settings()
    assert settings.metrics_port is None and temporal_runtime(settings) is None
    serve(settings, "dispatcher")()  # nothing to stop


def test_a_process_serves_its_counters_on_its_metrics_port():
    port = free_port()
    stop = serve(Settings(metrics_port=port), "dispatcher")
    try:
        telemetry.DISPATCHER_BATCH_SECONDS.observe(0.2)
        text = fetch(port)
    finally:
        stop()
    assert "fengqiao_dispatcher_batch_duration_seconds_bucket" in text
    assert "fengqiao_dispatcher_lag" in text


def test_a_metrics_port_already_taken_is_logged_and_the_component_runs_on():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with capture_logs() as logs:
            serve(Settings(metrics_port=port), "projector")()
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["metrics.not_served"]


@pytest.mark.workflow
def test_the_temporal_sdks_own_metrics_are_served_on_their_port():
    port = free_port()
    runtime = temporal_runtime(Settings(temporal_metrics_port=port))
    assert runtime is not None

    async def scenario() -> str:
        env = await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(binary("temporal-test-server")),
            data_converter=pydantic_data_converter,
            runtime=runtime,
        )
        try:
            async with Worker(
                env.client, task_queue=f"m-{uuid.uuid4().hex[:6]}", workflows=[CaseClockWorkflow]
            ):
                found: list[str] = []

                async def polled() -> bool:
                    found[:] = [await asyncio.to_thread(fetch, port)]
                    return (
                        "temporal_request" in found[0] and "temporal_worker_task_slots_available" in found[0]
                    )

                await eventually(polled)
                return found[0]
        finally:
            await env.shutdown()

    text = asyncio.run(scenario())
    assert "temporal_num_pollers" in text or "temporal_worker_task_slots_available" in text

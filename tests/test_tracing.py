"""Traces: off by default; when on, a command's HTTP request, the dispatcher's start of the
case's workflow, the workflow and its activities are one trace (the receipt carries it across
the store)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.contrib.opentelemetry import TracingInterceptor

from api.app import create_api
from domain.receipts import CommandReceipt
from infra import tracing
from infra.bootstrap import System
from infra.settings import Settings
from tests.support import Clock, eventually
from tests.test_api import REPORT, auth
from tests.timeskipping import running
from workflows.dispatcher import Dispatcher
from workflows.worker import build_worker


def test_tracing_is_off_by_default_and_nothing_is_exported(sqlite_settings: Settings):
    assert sqlite_settings.otlp_endpoint is None
    tracing.start_tracing(sqlite_settings, "fengqiao-test")
    assert not tracing.enabled() and tracing.interceptors() == []


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.use(SimpleSpanProcessor(exporter))
    yield exporter
    tracing.stop()
    exporter.shutdown()


@pytest.mark.workflow
@pytest.mark.http
def test_a_commands_http_span_and_its_workflow_and_activity_spans_share_one_trace(
    sqlite_system: System, clock: Clock, spans: InMemorySpanExporter
):
    system = sqlite_system
    with TestClient(create_api(system)) as api:
        response = api.post("/disputes", json=REPORT, headers=auth("grid_member"))
        assert response.status_code == 201
    [http] = [s for s in spans.get_finished_spans() if s.name == "POST /disputes"]
    trace_id = http.context.trace_id
    receipts = [
        e
        for _, e in system.reader.read(0, 10_000, (CommandReceipt.Recorded.TOPIC,))
        if e.stream_id == response.json()["id"]
    ]
    assert receipts and receipts[0].trace.split("-")[1] == format(trace_id, "032x")

    async def scenario() -> list[ReadableSpan]:
        async with running(system, clock) as (env, _):
            config = env.client.config()
            config["interceptors"] = [*config["interceptors"], TracingInterceptor()]
            traced = Client(**config)
            queue = f"traced-{uuid.uuid4().hex[:8]}"
            dispatcher = Dispatcher(system.reader, system.views, traced, task_queue=queue)
            async with build_worker(traced, system.casebook, queue):
                await dispatcher.catch_up()

                async def synced() -> bool:
                    return any(s.name == "RunActivity:sync_case" for s in spans.get_finished_spans())

                await eventually(synced)
        return list(spans.get_finished_spans())

    found = asyncio.run(scenario())
    in_trace = {s.name for s in found if s.context.trace_id == trace_id}
    assert {
        "POST /disputes",
        "dispatch Reported",
        "StartWorkflow:CaseClockWorkflow",
        "RunWorkflow:CaseClockWorkflow",
        "StartActivity:sync_case",
        "RunActivity:sync_case",
    } <= in_trace

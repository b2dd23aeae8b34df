"""OpenTelemetry traces, off unless configured: with `FENGQIAO_OTLP_ENDPOINT` set, each process
exports its spans over OTLP/HTTP. Nothing connects and no exporter exists by default.

One trace follows a command from its HTTP request (FastAPI's instrumentation) through the
store (the command's receipt keeps the W3C `traceparent`, service/store.py) to the dispatcher,
which starts or signals the case's workflow inside that trace; the Temporal SDK's
TracingInterceptor carries it on to the workflow and its activities."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from opentelemetry import propagate, trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

from infra.settings import Settings

log = structlog.get_logger()
_enabled = False


def enabled() -> bool:
    return _enabled


def start_tracing(settings: Settings, service: str) -> None:
    """Exports this process's spans to FENGQIAO_OTLP_ENDPOINT, if it is set."""
    if not settings.otlp_endpoint:
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    use(BatchSpanProcessor(OTLPSpanExporter(endpoint=settings.otlp_endpoint)), service)
    log.info("tracing.exporting", service=service, endpoint=settings.otlp_endpoint)


def use(processor: SpanProcessor, service: str = "fengqiao") -> TracerProvider:
    """Turns tracing on with `processor` (an exporter's, or a test's in-memory one). The global
    provider can be set once per process: a second call adds its processor to the first."""
    global _enabled
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        trace.set_tracer_provider(provider)
    provider.add_span_processor(processor)
    _enabled = True
    return provider


def stop() -> None:
    """Turns tracing off for what is built from now on (tests)."""
    global _enabled
    _enabled = False


def interceptors() -> list[Any]:
    """The Temporal client's (and so its workers') interceptors: the SDK's tracing one when on."""
    if not _enabled:
        return []
    from temporalio.contrib.opentelemetry import TracingInterceptor

    return [TracingInterceptor()]


def instrument(app: Any) -> None:
    """Request spans for the API (opentelemetry-instrumentation-fastapi), when tracing is on."""
    if not _enabled:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, excluded_urls="health,ready,metrics")


@contextmanager
def continued(traceparent: str | None, name: str, **attributes: str) -> Iterator[None]:
    """A span named `name` inside the trace a stored `traceparent` names (or a new trace)."""
    if not _enabled:
        yield
        return
    context = propagate.extract({"traceparent": traceparent}) if traceparent else None
    with trace.get_tracer("fengqiao").start_as_current_span(name, context=context, attributes=attributes):
        yield

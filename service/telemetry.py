"""The operational metrics every process counts (prometheus-client), defined once so that every
layer counts into the same series. Labels are bounded: route templates, command actions, error
class names, channel names — never ids, paths or people. docs/operations.md lists them all.

What is read at scrape time (followers' lag, open and overdue clocks) is not here: it is a
collector over the store (`infra/metrics.py`)."""

from __future__ import annotations

from opentelemetry import propagate
from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "fengqiao_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_SECONDS = Histogram(
    "fengqiao_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
COMMANDS = Counter(
    "fengqiao_commands",
    "Case commands, by case kind and action: outcome `accepted`, or `refused` with the domain error.",
    ["kind", "action", "outcome", "error"],
)
SIGN_IN_FAILURES = Counter(
    "fengqiao_sign_in_failures",
    "Failed sign-ins and credential checks, by kind (password, code, token, ...).",
    ["kind"],
)
SIGN_IN_THROTTLED = Counter(
    "fengqiao_sign_in_throttled",
    "Sign-in attempts refused because too many failed before (throttled), by kind.",
    ["kind"],
)
DISPATCHER_BATCH_SECONDS = Histogram(
    "fengqiao_dispatcher_batch_duration_seconds",
    "Time the dispatcher took for one batch: read, start and signal workflows, keep its position.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)
DISPATCHER_BATCH_EVENTS = Histogram(
    "fengqiao_dispatcher_batch_events",
    "Notifications in one dispatcher batch.",
    buckets=(1, 5, 10, 50, 100, 250, 500),
)
DISPATCHER_LAG = Gauge(
    "fengqiao_dispatcher_lag",
    "Notifications the dispatcher was behind the log's head when it last polled (this process's view).",
)
NOTIFICATIONS = Counter(
    "fengqiao_notifications",
    "Notification deliveries, by channel and outcome (sent, failed, already_sent).",
    ["channel", "outcome"],
)


def command_refused(kind: str, action: str, error: BaseException) -> None:
    COMMANDS.labels(kind, action, "refused", type(error).__name__).inc()


def command_accepted(kind: str, action: str) -> None:
    COMMANDS.labels(kind, action, "accepted", "").inc()


def current_trace() -> str:
    """The W3C traceparent of the span now current (empty when there is none: tracing off)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier.get("traceparent", "")

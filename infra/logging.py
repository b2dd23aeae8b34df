"""Structured logs: one JSON line per event of note, with the context bound where it applies.
Libraries' own log records (Temporal, uvicorn) are rendered as JSON lines too."""

from __future__ import annotations

import logging
import sys
import traceback
from typing import Any

import structlog
from opentelemetry import trace


class _StderrLogger:
    """Prints each line to sys.stderr as it is when the line is written, not as it was when
    logging was configured: a stream swapped or closed since (a test's capture, a daemon's
    redirection) must not take the logs, or the program, down with it."""

    def msg(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    log = debug = info = warn = warning = error = critical = exception = fatal = msg


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The same for the standard library's log records."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def exception_without_text(_: object, __: str, event: dict[str, Any]) -> dict[str, Any]:
    """A failure's type and where it happened, frame by frame, as a list: never its message or
    the values it held, which may be what a person typed (a name, a phone number). Replaces
    `exc_info`, which the stdlib records would otherwise print as `<traceback object at …>`."""
    info = event.pop("exc_info", None)
    if info is None or info is False:
        return event
    if info is True:
        info = sys.exc_info()
    elif isinstance(info, BaseException):
        info = (type(info), info, info.__traceback__)
    kind, _error, tb = info
    if kind is not None:
        event["exception"] = {
            "type": f"{kind.__module__}.{kind.__qualname__}",
            "frames": [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)],
        }
    return event


def add_trace_id(_: object, __: str, event: dict[str, object]) -> dict[str, object]:
    """The current span's trace id (hex), when tracing is on and a span is current."""
    span = trace.get_current_span().get_span_context()
    if span.is_valid:
        event.setdefault("trace_id", format(span.trace_id, "032x"))
    return event


def configure_logging(level: str = "info", component: str | None = None) -> None:
    def add_component(_: object, __: str, event: dict[str, object]) -> dict[str, object]:
        if component:
            event.setdefault("component", component)
        return event

    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        add_component,
        add_trace_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            *shared,
            exception_without_text,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=lambda *_: _StderrLogger(),
        cache_logger_on_first_use=True,
    )
    handler = _StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                exception_without_text,
                structlog.processors.JSONRenderer(ensure_ascii=False),
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())

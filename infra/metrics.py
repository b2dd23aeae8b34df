"""Prometheus exposition: the counters every process keeps (service/telemetry.py), and the gauges
read from the store when scraped — the log's head, each follower's position and lag, open and
overdue clocks. The API serves them at /metrics; the worker, the dispatcher and the projector at
/metrics on `FENGQIAO_METRICS_PORT`. The Temporal SDK's own metrics are on
`FENGQIAO_TEMPORAL_METRICS_PORT` (its Rust core's Prometheus exporter, one port per process)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import structlog
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from infra.settings import Settings

log = structlog.get_logger()

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class StoreCollector(Collector):
    """Gauges computed from the store at scrape time, so that any API replica tells the same."""

    def __init__(self, system: Any) -> None:
        self.system = system

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from projections import followers

        head = GaugeMetricFamily("fengqiao_log_head", "The notification log's last id.")
        position = GaugeMetricFamily(
            "fengqiao_follower_position", "The last notification a follower has seen.", labels=["follower"]
        )
        lag = GaugeMetricFamily(
            "fengqiao_follower_lag",
            "Notifications a follower (each read model, the dispatcher) is behind the log's head.",
            labels=["follower"],
        )
        running = GaugeMetricFamily(
            "fengqiao_follower_running",
            "1 when the follower says it runs and was heard from lately, else 0.",
            labels=["follower"],
        )
        opened = GaugeMetricFamily(
            "fengqiao_clocks_open", "Clocks running or paused, by case kind.", labels=["case_kind"]
        )
        overdue = GaugeMetricFamily(
            "fengqiao_clocks_overdue",
            "Clocks past their due time or missed and not settled, by case kind.",
            labels=["case_kind"],
        )
        try:
            top = self.system.reader.head()
            with self.system.views.reading() as cur:
                found = followers.statuses(
                    cur,
                    self.system.followers,
                    top,
                    max_lag=self.system.settings.ready_max_lag,
                    silence=followers.SILENCE_SECONDS,
                )
                cur.execute("SELECT name, position FROM fq_tracking")
                kept = {r["name"]: int(r["position"]) for r in cur.fetchall()}
                counts = clock_counts(cur, self.system.clock_board.table, self.system.casebook.clock())
        except Exception as failure:  # noqa: BLE001 - a scrape must answer; /ready says why
            log.warning("metrics.store_unavailable", error=f"{type(failure).__name__}: {failure}"[:300])
            return
        head.add_metric([], top)
        for f in found:
            seen = max(f.seen or 0, kept.get(f.name, 0))  # a heartbeat, or the position it keeps
            position.add_metric([f.name], seen)
            lag.add_metric([f.name], max(0, top - seen))
            running.add_metric([f.name], 1 if f.ok or f.state == "lagging" else 0)
        for kind, (open_, late) in sorted(counts.items()):
            opened.add_metric([kind], open_)
            overdue.add_metric([kind], late)
        yield from (head, position, lag, running, opened, overdue)


def clock_counts(cur: Any, table: str, now: datetime) -> dict[str, tuple[int, int]]:
    """(open, overdue) clocks per case kind, as the clock board defines overdue."""
    cur.execute(f"SELECT case_kind, status, due_at, settled FROM {table}")
    counts: dict[str, list[int]] = {}
    moment = now.astimezone(UTC).isoformat()
    for row in cur.fetchall():
        tally = counts.setdefault(row["case_kind"], [0, 0])
        live = row["status"] in ("running", "paused")
        tally[0] += live
        tally[1] += (row["status"] == "running" and row["due_at"] < moment) or (
            row["status"] == "missed" and not row["settled"]
        )
    return {k: (v[0], v[1]) for k, v in counts.items()}


def exposition(system: Any) -> bytes:
    """The process's counters and histograms, then the store's gauges."""
    store = CollectorRegistry(auto_describe=False)
    store.register(StoreCollector(system))
    return generate_latest(REGISTRY) + generate_latest(store)


def serve(settings: Settings, component: str) -> Callable[[], None]:
    """Serves this process's metrics on FENGQIAO_METRICS_PORT, if set; returns how to stop it."""
    if settings.metrics_port is None:
        return lambda: None
    try:
        server, thread = start_http_server(settings.metrics_port, addr=settings.api_host)
    except OSError as failure:  # the component runs on without its metrics rather than not at all
        log.error("metrics.not_served", component=component, port=settings.metrics_port, error=str(failure))
        return lambda: None
    log.info("metrics.serving", component=component, port=settings.metrics_port)

    def stop() -> None:
        server.shutdown()
        thread.join(timeout=5)

    return stop


def temporal_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime exporting the SDK's metrics (task slots, schedule-to-start latencies,
    poll and request counts) in Prometheus format, or None for the SDK's default (no export)."""
    if settings.temporal_metrics_port is None:
        return None
    address = f"{settings.api_host}:{settings.temporal_metrics_port}"
    runtime = Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=address)))
    log.info("metrics.temporal_serving", address=address)
    return runtime


def timed(observe: Callable[[float], None]) -> Callable[[], None]:
    """Starts a stopwatch; calling the result observes the seconds since."""
    started = time.perf_counter()
    return lambda: observe(time.perf_counter() - started)

"""How fast a read model is rebuilt from a county-sized log, measured in one run:

- raw: reading the log's dispute events and decoding them — the ceiling for any projection;
- stock: the eventsourcing library's ProjectionRunner with a view that applies each event in
  its own transaction with its tracking record (the library's documented shape);
- ours: the batched runner (projections/runner.py) rebuilding the dispute statistics.

All three read the same events (the dispute topics) from the same PostgreSQL schema; the
stock runner needs PostgreSQL (SQLite cannot push notifications), so it runs there, for a
time budget, and its rate is what it reached in that time. Results go to docs/benchmarks.md
as rates and as ratios to the raw rate measured in the same run.

    .venv/bin/python -m bench.rebuild                    # 1,000,000 events, PostgreSQL
    .venv/bin/python -m bench.rebuild --events 200000    # a quicker look

PostgreSQL is found through FENGQIAO_BENCH_POSTGRES (a libpq URL of a role that may create
databases; default postgresql://postgres@127.0.0.1:5432/postgres). The generated history is
kept in the database `fengqiao_bench` (`--database`), schema `county_<events>` (`--schema`),
and reused by later runs of the same size. The read models are built with the live schema's
indexes. The result replaces its own section of docs/benchmarks.md, between its markers.
"""

from __future__ import annotations

import argparse
import os
import platform
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection
from eventsourcing.projection import ProjectionRunner as StockRunner
from psycopg.conninfo import conninfo_to_dict
from psycopg.sql import SQL, Identifier

from bench import markers, write_section
from bench.county import dispute_histories, seed_county, villages
from domain.directory.jurisdiction import NodeKind
from domain.disputes.dispute import EVENT_TOPICS
from infra.sql import PostgresDatabase
from projections import tracking
from projections.dispute_statistics import DisputeStatistics
from projections.node_statistics import NodeStatistics
from projections.runner import NotificationReader, ProjectionRunner
from projections.scoring_facts import ScoringFacts
from service.casebook import Casebook

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "fengqiao_bench"
BEGIN, END = markers("rebuild")


@dataclass
class Measure:
    name: str
    events: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def pg_env(url: str, schema: str, database: str = DATABASE) -> dict[str, str]:
    params = conninfo_to_dict(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_HOST": params.get("host", "127.0.0.1"),
        "POSTGRES_PORT": str(params.get("port", 5432)),
        "POSTGRES_USER": params.get("user", "postgres"),
        "POSTGRES_PASSWORD": params.get("password", ""),
        "POSTGRES_DBNAME": database,
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_LOCK_TIMEOUT": "30",
        "POSTGRES_POOL_SIZE": "2",
    }


def prepare(
    url: str, schema: str, target: int, database: str = DATABASE, per_day: float | None = None
) -> Casebook:
    with psycopg.connect(url, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone():
            admin.execute(SQL("CREATE DATABASE {}").format(Identifier(database)))
    with psycopg.connect(url, dbname=database, autocommit=True) as conn:
        conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
    casebook = Casebook(pg_env(url, schema, database))
    have = casebook.recorder.max_notification_id() or 0
    if have >= target:
        print(f"reusing {have:,} events in {database}.{schema}")
        return casebook
    seed_county(casebook)
    print(f"generating {target:,} events into {database}.{schema} …", flush=True)
    started = time.perf_counter()
    written = write_in_bulk(
        url, database, schema, casebook, dispute_histories(target, per_day=per_day), started
    )
    print(f"generated {written:,} events in {time.perf_counter() - started:.0f} s", flush=True)
    return casebook


def write_in_bulk(
    url: str, database: str, schema: str, casebook: Casebook, histories: Iterable[list[Any]], started: float
) -> int:
    """Writes the histories' events with COPY, in batches, from a second thread, while this one
    makes the next batch: the library's insert (an array of rows dumped as text) cost as much CPU
    as making the events, and waiting on it left the other core idle. One writer, into a store
    no one else writes meanwhile, so the notification ids are in commit order as the library's
    lock would make them."""
    table = SQL("{}.{}").format(Identifier(schema), Identifier(casebook.recorder.events_table_name))
    copy = SQL("COPY {} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)")
    batches: queue.Queue[list[tuple[Any, ...]] | None] = queue.Queue(maxsize=4)
    failed: list[Exception] = []

    def writer() -> None:
        try:
            with psycopg.connect(url, dbname=database) as conn:
                while (rows := batches.get()) is not None:
                    with conn.transaction(), conn.cursor() as cur, cur.copy(copy.format(table)) as out:
                        out.set_types(["uuid", "int8", "text", "bytea"])
                        for row in rows:
                            out.write_row(row)
        except Exception as error:  # noqa: BLE001 — raised again by the generating thread
            failed.append(error)
            while batches.get() is not None:
                pass

    thread = threading.Thread(target=writer, name="bulk-writer")
    thread.start()
    to_stored, rows, written = casebook.mapper.to_stored_event, [], 0
    try:
        for events in histories:
            for event in events:
                s = to_stored(event)
                rows.append((s.originator_id, s.originator_version, s.topic, s.state))
            if len(rows) >= 20_000:
                batches.put(rows)
                written, rows = written + len(rows), []
                if written % 100_000 < 20_000:
                    print(f"  {written:,} events, {time.perf_counter() - started:.0f} s", flush=True)
            if failed:
                break
        if rows and not failed:
            batches.put(rows)
            written += len(rows)
    finally:
        batches.put(None)
        thread.join()
    if failed:
        raise failed[0]
    return written


def raw(casebook: Casebook) -> Measure:
    reader, position, count = NotificationReader(casebook), 0, 0
    started = time.perf_counter()
    while batch := reader.read(position, 5000, EVENT_TOPICS):
        count += len(batch)
        position = batch[-1][0]
    return Measure("raw read + decode", count, time.perf_counter() - started)


def views_of(url: str, schema: str, database: str = DATABASE) -> PostgresDatabase:
    env = pg_env(url, schema, database)
    return PostgresDatabase(
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"],
        password=env["POSTGRES_PASSWORD"],
        dbname=database,
        schema=schema,
    )


def ours(
    casebook: Casebook,
    views: PostgresDatabase,
    projection: Any,
    batch_size: int,
    label: str,
    keep: bool = False,
) -> Measure:
    runner = ProjectionRunner(NotificationReader(casebook), views, projection, batch_size)
    with views.transaction() as cur:
        tracking.create_table(cur)
        projection.drop(cur)
        cur.execute("DELETE FROM fq_tracking WHERE name = ?", (projection.name,))
    runner.setup()
    started = time.perf_counter()
    count = runner.catch_up()
    seconds = time.perf_counter() - started
    if not keep:
        with views.transaction() as cur:
            projection.drop(cur)
            cur.execute("DELETE FROM fq_tracking WHERE name = ?", (projection.name,))
    return Measure(f"{label} (batches of {batch_size:,})", count, seconds)


def as_of_queries(
    casebook: Casebook, views: PostgresDatabase, facts: ScoringFacts, count: int = 200
) -> list[float]:
    """Seconds per score of one village, as of a random business date of 2025."""
    import random

    from projections.scores import Scores

    rng = random.Random(5)
    scores = Scores(casebook, views, facts)
    units = [v for v, _ in villages()]
    timings = []
    for _ in range(count):
        as_of = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(365))
        started = time.perf_counter()
        card = scores.card(rng.choice(units), 2025, as_of=as_of)
        timings.append(time.perf_counter() - started)
        assert card is not None
    return sorted(timings)


class StockView(PostgresTrackingRecorder):
    """A view in the library's shape: each event applied in its own transaction, with its
    tracking record — the same row logic as our projection, one event at a time."""

    table = "stock_dispute_summary"

    def __init__(self, datastore: Any, **kwargs: Any) -> None:
        super().__init__(datastore, **kwargs)
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0}.{1} (dispute_id text PRIMARY KEY, village text, grid text, "
                "category text, severity text, level text, status text, reported_at text, sessions int, "
                "closed_with_agreement int, escalations int, reached_township int, version int)"
            ).format(Identifier(self.datastore.schema), Identifier(self.table))
        )

    def apply(self, event: Any, tracking: Tracking) -> None:
        from projections.dispute_statistics import COLUMNS, _iso
        from projections.dispute_statistics import DisputeStatistics as Stats

        table = SQL("{0}.{1}").format(Identifier(self.datastore.schema), Identifier(self.table))
        with self.datastore.transaction(commit=True) as curs:
            key = str(event.originator_id)
            if type(event).__name__ == "Reported":
                row = {
                    "dispute_id": key,
                    "village": event.village,
                    "grid": event.grid,
                    "category": event.category,
                    "severity": event.severity,
                    "level": event.level,
                    "status": "open",
                    "reported_at": _iso(event.effective_at),
                    "sessions": 0,
                    "closed_with_agreement": 0,
                    "escalations": 0,
                    "reached_township": 0,
                }
            else:
                curs.execute(SQL("SELECT * FROM {} WHERE dispute_id = %s FOR UPDATE").format(table), (key,))
                row = dict(curs.fetchone())
            Stats._mutate(row, event)
            row["version"] = event.originator_version
            curs.execute(
                SQL("INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (dispute_id) DO UPDATE SET {}").format(
                    table,
                    SQL(", ").join(map(Identifier, COLUMNS)),
                    SQL(", ").join(SQL("%s") for _ in COLUMNS),
                    SQL(", ").join(SQL("{0} = excluded.{0}").format(Identifier(c)) for c in COLUMNS[1:]),
                ),
                [row[c] for c in COLUMNS],
            )
            self._insert_tracking(curs, tracking)


class StockDisputeSummary(Projection[StockView]):
    name = "stockbench"
    topics = EVENT_TOPICS

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:  # type: ignore[override]
        self.view.apply(domain_event, tracking)


def stock(url: str, schema: str, budget: float, database: str = DATABASE) -> Measure:
    env = {**pg_env(url, schema, database), "CREATE_TABLE": "y"}
    with psycopg.connect(url, dbname=database, autocommit=True) as conn:
        conn.execute(
            SQL("DROP TABLE IF EXISTS {}.{}").format(Identifier(schema), Identifier(StockView.table))
        )
        conn.execute(
            SQL("DROP TABLE IF EXISTS {}.{}").format(Identifier(schema), Identifier("stockbench_tracking"))
        )
    runner = StockRunner(
        application_class=Casebook, projection_class=StockDisputeSummary, view_class=StockView, env=env
    )
    started = time.perf_counter()
    with runner:
        runner.run_forever(timeout=budget)
        seconds = time.perf_counter() - started
        reached = runner.view.max_tracking_id(runner.app_name) or 0
    casebook = Casebook(pg_env(url, schema, database))
    count = sum(1 for _ in _notifications_up_to(casebook, reached))
    casebook.close()
    return Measure(f"stock ProjectionRunner ({budget:.0f} s budget)", count, seconds)


def _notifications_up_to(casebook: Casebook, last: int) -> Any:
    position = 0
    while batch := casebook.recorder.select_notifications(
        position, 5000, stop=last, topics=EVENT_TOPICS, inclusive_of_start=False
    ):
        yield from batch
        position = batch[-1].id


def report(measures: list[Measure], total: int, note: str, p50: float, p95: float, queries: int) -> str:
    ceiling = measures[0].rate
    rows = "\n".join(
        f"| {m.name} | {m.events:,} | {m.seconds:.1f} | {m.rate:,.0f} | {m.rate / ceiling:.2f} |"
        for m in measures
    )
    ours_rate = next(m.rate for m in measures if m.name.startswith("ours: dispute"))
    stock_rate = next(m.rate for m in measures if m.name.startswith("stock"))
    return f"""{BEGIN}
## Rebuilding a read model from a county-sized log

{note}

The log: {total:,} events in all — one county, 12 townships, 300 villages of 5 grids, disputes
over 2024–2026 (generated by `bench/county.py` through the domain's own commands). Each
measure reads the dispute events only (the topics every projection here filters on).

| measure | events | seconds | events/s | ratio to raw |
|---|---|---|---|---|
{rows}

Ours rebuilds the dispute statistics at **{ours_rate / ceiling:.0%} of the raw read + decode
rate** and **{ours_rate / stock_rate:.1f}×** the stock runner's rate (the stock runner applies
the same row logic, one transaction per event). The scoring facts and the node statistics do
more per event (a fact row per counted event, a counter per measure, and a memory of each
case for its later events), which is why they run below the dispute statistics.
Rates are from one run on a shared machine: compare the ratios, not the absolute numbers.

## A village's score as of a past date

{queries} scores of a random village of the county, each as of a random business date of 2025
(facts from the scoring facts read model, the template and the assessment year from the event
store, pure scoring): **p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms**.

Reproduce with `.venv/bin/python -m bench.rebuild` (see its docstring).
{END}"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--stock-seconds", type=float, default=60.0)
    parser.add_argument("--database", default=DATABASE, help="the PostgreSQL database of the history")
    parser.add_argument("--schema", help="its schema (default county_<events>)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    url = os.environ.get("FENGQIAO_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    schema = args.schema or f"county_{args.events}"
    casebook = prepare(url, schema, args.events, args.database)
    total = casebook.recorder.max_notification_id() or 0
    views = views_of(url, schema, args.database)
    facts = ScoringFacts(
        lambda node, at: casebook.current_directory().ancestor_of_kind(node, NodeKind.VILLAGE, at),
        suffix="_bench",
    )
    steps: list[Callable[[], Measure]] = [
        lambda: raw(casebook),
        lambda: ours(
            casebook, views, DisputeStatistics(suffix="_bench"), args.batch, "ours: dispute statistics"
        ),
        lambda: ours(casebook, views, facts, args.batch, "ours: scoring facts", keep=True),
        lambda: ours(casebook, views, NodeStatistics(suffix="_bench"), args.batch, "ours: node statistics"),
        lambda: stock(url, schema, args.stock_seconds, args.database),
    ]
    measures = []
    for step in steps:
        measure = step()
        print(
            f"{measure.name}: {measure.events:,} events in {measure.seconds:.1f} s = {measure.rate:,.0f}/s",
            flush=True,
        )
        measures.append(measure)
    timings = as_of_queries(casebook, views, facts)
    p50, p95 = timings[len(timings) // 2], timings[int(len(timings) * 0.95)]
    print(f"as-of score of one village: p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms", flush=True)
    views.close()
    casebook.close()
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    note = (
        f"Measured {when} on {platform.machine()} with {os.cpu_count()} cores, PostgreSQL, "
        f"Python {platform.python_version()}."
    )
    write_section(report(measures, total, note, p50, p95, len(timings)), BEGIN, END, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

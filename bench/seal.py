"""What the seal costs and how fast it is verified, measured in one run on PostgreSQL:

- write: one event per transaction (a command's shape) and 100 per transaction, through the library's
  recorder and through the sealed one, on fresh schemas; the seal's cost is the ratio;
- window: while writers commit, a reader takes snapshots and compares the last stored notification id
  with the last sealed one (the seal is written in the events' transaction, so it should never differ);
- verify: `fengqiao seal verify`'s work on a generated county history, against a raw read of the same
  log in the same run.

    .venv/bin/python -m bench.seal                     # 1,000,000 events
    .venv/bin/python -m bench.seal --events 200000     # a quicker look

PostgreSQL through FENGQIAO_BENCH_POSTGRES (default postgresql://postgres@127.0.0.1:5432/postgres);
the generated history is kept in database `fengqiao_bench`, schema `seal_<events>`, and reused.
"""

from __future__ import annotations

import argparse
import os
import platform
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent
from psycopg.sql import SQL, Identifier

from bench import markers, write_section
from bench.county import dispute_histories, seed_county
from bench.rebuild import DATABASE, pg_env
from infra.seal_verify import Verifier
from service.casebook import Casebook
from service.seal.checkpoint import Signer

SEALED = {"APPLICATION_RECORDER_TOPIC": "infra.seal_store:SealedPostgresRecorder"}


def fresh_schema(url: str, name: str) -> str:
    with psycopg.connect(url, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
    with psycopg.connect(url, dbname=DATABASE, autocommit=True) as conn:
        conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(name)))
        conn.execute(SQL("CREATE SCHEMA {}").format(Identifier(name)))
    return name


def drop_schema(url: str, name: str) -> None:
    with psycopg.connect(url, dbname=DATABASE, autocommit=True) as conn:
        conn.execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(name)))


def events(n: int) -> list[StoredEvent]:
    return [StoredEvent(uuid.uuid4(), 1, "bench:Event", os.urandom(300)) for _ in range(n)]


def write_rate(url: str, sealed: bool, per_txn: int, total: int) -> float:
    schema = fresh_schema(url, f"sealbench_{'on' if sealed else 'off'}_{per_txn}")
    casebook = Casebook({**pg_env(url, schema), **(SEALED if sealed else {})})
    batches = [events(per_txn) for _ in range(total // per_txn)]
    started = time.perf_counter()
    for batch in batches:
        casebook.recorder.insert_events(batch)
    rate = total / (time.perf_counter() - started)
    casebook.close()
    drop_schema(url, schema)
    return rate


def window(url: str, writers: int = 4, seconds: float = 10.0) -> tuple[int, int, int]:
    """(snapshots taken, events written, snapshots where stored and sealed heads differed)."""
    schema = fresh_schema(url, "sealbench_window")
    env = {**pg_env(url, schema), **SEALED, "POSTGRES_POOL_SIZE": str(writers + 1)}
    casebook = Casebook(env)
    stop = threading.Event()
    written = [0] * writers

    def write(i: int) -> None:
        while not stop.is_set():
            casebook.recorder.insert_events(events(1 + i % 3))
            written[i] += 1 + i % 3

    threads = [threading.Thread(target=write, args=(i,)) for i in range(writers)]
    for t in threads:
        t.start()
    samples = differing = 0
    deadline = time.perf_counter() + seconds
    with psycopg.connect(url, dbname=DATABASE, autocommit=True) as conn:
        while time.perf_counter() < deadline:
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                row = conn.execute(
                    SQL(
                        "SELECT (SELECT MAX(notification_id) FROM {s}.casebook_events), "
                        "(SELECT MAX(notification_id) FROM {s}.seal_leaves)"
                    ).format(s=Identifier(schema))
                ).fetchone()
            samples += 1
            differing += row is not None and row[0] != row[1]
    stop.set()
    for t in threads:
        t.join()
    casebook.close()
    drop_schema(url, schema)
    return samples, sum(written), differing


def history(url: str, target: int) -> Casebook:
    schema = f"seal_{target}"
    with psycopg.connect(url, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,)).fetchone():
            admin.execute(f'CREATE DATABASE "{DATABASE}"')
    with psycopg.connect(url, dbname=DATABASE, autocommit=True) as conn:
        conn.execute(SQL("CREATE SCHEMA IF NOT EXISTS {}").format(Identifier(schema)))
    casebook = Casebook({**pg_env(url, schema), **SEALED})
    have = casebook.recorder.max_notification_id() or 0
    if have >= target:
        print(f"reusing {have:,} events in {DATABASE}.{schema}")
        return casebook
    seed_county(casebook)
    print(f"generating {target:,} sealed events into {DATABASE}.{schema} …", flush=True)
    started, buffer = time.perf_counter(), []
    for made in dispute_histories(target):
        buffer.extend(casebook.mapper.to_stored_event(e) for e in made)
        if len(buffer) >= 5000:
            casebook.recorder.insert_events(buffer)
            buffer = []
    if buffer:
        casebook.recorder.insert_events(buffer)
    print(f"generated in {time.perf_counter() - started:.0f} s", flush=True)
    return casebook


def raw_read(casebook: Casebook) -> tuple[int, float]:
    tables: Any = casebook.recorder.seal_tables  # type: ignore[attr-defined]
    count, after = 0, 0
    started = time.perf_counter()
    with casebook.recorder.datastore.transaction(commit=False) as c:  # type: ignore[attr-defined]
        while batch := tables.events_after(c, after, 5000):
            count += len(batch)
            after = batch[-1].notification_id
    return count, time.perf_counter() - started


BEGIN, END = markers("seal")


def best_rates(url: str, per_txn: int, total: int, rounds: int = 2) -> tuple[float, float]:
    """The library's and the sealed recorder's best rates over alternating rounds (the machine is shared)."""
    off, on = 0.0, 0.0
    for _ in range(rounds):
        off = max(off, write_rate(url, False, per_txn, total))
        on = max(on, write_rate(url, True, per_txn, total))
    return off, on


def write_result(lines: list[str], note: str, out: Path) -> None:
    section = "\n".join(
        [BEGIN, "## The seal: what it costs, its window, and verifying it", "", note, "", *lines, END]
    )
    write_section(section, BEGIN, END, out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=1000)
    parser.add_argument(
        "--out", type=Path, default=Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
    )
    args = parser.parse_args(argv)
    url = os.environ.get("FENGQIAO_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    lines = [
        "| writes | library recorder (events/s) | sealed recorder (events/s) | sealed ÷ library |",
        "|---|---|---|---|",
    ]
    for per_txn in (1, 100):
        total = args.writes if per_txn == 1 else args.writes * 20
        off, on = best_rates(url, per_txn, total)
        print(
            f"write, {per_txn} per transaction: library {off:,.0f}/s, sealed {on:,.0f}/s (× {on / off:.2f})"
        )
        lines.append(
            f"| {total:,} events, {per_txn} per transaction | {off:,.0f} | {on:,.0f} | {on / off:.2f} |"
        )
    samples, written, differing = window(url)
    print(
        f"window: {samples:,} snapshots while {written:,} events were written, {differing} with a difference"
    )
    casebook = history(url, args.events)
    count, raw_seconds = raw_read(casebook)
    print(f"raw read: {count:,} events in {raw_seconds:.1f} s = {count / raw_seconds:,.0f}/s", flush=True)
    signer = Signer(b"\x01" * 32, "bench")
    verdict = Verifier(casebook.recorder, signer.public_key, signer.origin).verify()
    assert verdict.ok, verdict
    ratio = verdict.seconds / raw_seconds
    print(
        f"seal verify: {verdict.events:,} events in {verdict.seconds:.1f} s = "
        f"{verdict.events / verdict.seconds:,.0f}/s, {ratio:.1f} × the raw read"
    )
    casebook.close()
    lines += [
        "",
        (
            f"**Window**: four writers committing for 10 s ({written:,} events) while a reader took "
            f"{samples:,} repeatable-read snapshots of the last stored and the last sealed notification id: "
            f"**{differing}** snapshots differed. The seal is written in the events' transaction, so "
            "there is no window to bound."
        ),
        "",
        (
            "**Verify**: `fengqiao seal verify`'s work (read every stored event raw, hash it into the tree, "
            f"compare with the seal's leaves, check the checkpoints) over {verdict.events:,} events took "
            f"{verdict.seconds:.1f} s ({verdict.events / verdict.seconds:,.0f} events/s); a raw read of the "
            f"same log in the same run took {raw_seconds:.1f} s ({count / raw_seconds:,.0f} events/s): "
            f"**{ratio:.1f}× the raw read**."
        ),
        "",
        (
            "Reproduce with `.venv/bin/python -m bench.seal` (see its docstring). One run on a shared "
            "machine: compare the ratios, not the absolute numbers."
        ),
    ]
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    note = (
        f"Measured {when} on {platform.machine()} with {os.cpu_count()} cores, PostgreSQL, "
        f"Python {platform.python_version()} (`bench/seal.py`). Writes: fresh schemas, random 300-byte "
        "states, best of two alternating rounds."
    )
    write_result(lines, note, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

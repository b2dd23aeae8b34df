"""What a command costs against the database's own floor, measured in one run.

Four rates, in rounds that interleave every measure (so a busy machine slows them alike):

- raw: a single-row autocommit INSERT into a table shaped like the event store's (stream id,
  version, topic, state), with a state of the size a reported dispute's first event has in the
  store — the floor a command that writes one event cannot go below;
- report in-process: `DisputeDesk.report` (authorise, decide, receipt, write, commit);
- record a session in-process: `DisputeDesk.hold_mediation_session` on a dispute just reported;
- report over HTTP: `POST /disputes` to the API served by uvicorn on loopback, one client.

Then concurrency: 50 clients post reports for `--seconds`, and 50 clients read `/health` for as
long, against the same server; the goal compares the two throughputs and counts connections
closed without a response.

Last, a profile (cProfile) of reports in-process, naming the functions the time goes to.

    .venv/bin/python -m bench.commands                 # PostgreSQL, in a schema made and dropped for the run
    .venv/bin/python -m bench.commands --sqlite        # SQLite in a temporary directory

PostgreSQL is found through FENGQIAO_BENCH_POSTGRES (default
postgresql://postgres@127.0.0.1:5432/postgres). The result goes between its markers in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import platform
import pstats
import sqlite3
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import markers, write_section
from bench.board import served
from bench.sync import GRID, GRID_MEMBER, MEDIATOR, ROOT, postgres_url, seeded_system
from domain.disputes.dispute import SessionOutcome
from infra.bootstrap import System

TOKEN = "dev-grid-wang"
REPORT = {
    "grid": GRID,
    "category": "neighbourhood",
    "severity": "minor",
    "parties": [{"name": "Zhang San"}, {"name": "Li Si"}],
    "description": "A fence moved onto the neighbour's field",
}


def report_in_process(system: System) -> uuid.UUID:
    """The same report as the HTTP body, through the desk."""
    return system.casebook.disputes.report(
        GRID_MEMBER, **REPORT, occurred_at=datetime.now(UTC) - timedelta(hours=1)
    ).id


def state_size(system: System, case_id: uuid.UUID) -> int:
    """The stored size of the dispute's first event, as the store holds it."""
    recorder = system.casebook.repository.event_store.recorder
    return len(recorder.select_events(case_id, lte=1)[0].state)


class Raw:
    """Single-row autocommit INSERTs of `size` bytes into a table shaped like the store's."""

    def __init__(self, postgres: str | None, schema: str | None, var_dir: Path, size: int) -> None:
        self.size = size
        sql = (
            "CREATE TABLE bench_raw (originator_id {uuid} NOT NULL, originator_version INTEGER NOT NULL, "
            "topic TEXT, state {blob}, PRIMARY KEY (originator_id, originator_version))"
        )
        if postgres:
            import psycopg

            self.conn: Any = psycopg.connect(postgres, autocommit=True)
            self.conn.execute(f'SET search_path TO "{schema}"')
            self.conn.execute(sql.format(uuid="uuid", blob="bytea"))
            self.insert = "INSERT INTO bench_raw VALUES (%s, %s, %s, %s)"
        else:
            self.conn = sqlite3.connect(var_dir / "raw.sqlite", isolation_level=None, check_same_thread=False)
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute(sql.format(uuid="TEXT", blob="BLOB"))
            self.insert = "INSERT INTO bench_raw VALUES (?, ?, ?, ?)"
        self.postgres = bool(postgres)

    def __call__(self) -> None:
        key: Any = uuid.uuid4() if self.postgres else uuid.uuid4().hex
        topic = "domain.disputes.dispute:Dispute.Reported"
        self.conn.execute(self.insert, (key, 1, topic, os.urandom(self.size)))


def rate(work: Callable[[], object], count: int) -> float:
    started = time.perf_counter()
    for _ in range(count):
        work()
    return count / (time.perf_counter() - started)


Request = Callable[[httpx.Client], httpx.Response]


def under_load(url: str, clients: int, seconds: float, request: Request) -> dict:
    """`clients` threads each sending requests for `seconds`: answered per second, failures."""
    done, failed, errors = [0] * clients, [0] * clients, [0] * clients
    stop = time.perf_counter() + seconds

    def client(i: int) -> None:
        with httpx.Client(base_url=url, timeout=30.0, headers={"Authorization": f"Bearer {TOKEN}"}) as http:
            while time.perf_counter() < stop:
                try:
                    response = request(http)
                except httpx.TransportError:
                    errors[i] += 1
                    continue
                if response.status_code < 400:
                    done[i] += 1
                else:
                    failed[i] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - started
    return {"rate": sum(done) / took, "refused": sum(failed), "transport_errors": sum(errors)}


def profile(system: System, count: int) -> list[tuple[str, float]]:
    """The functions that reports spend their time in, as shares of the whole (cumulative)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        report_in_process(system)
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = max(v[3] for v in stats.stats.values())  # type: ignore[attr-defined]
    rows = []
    for (file, line, name), (_, _, _, cum, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = file.replace(str(ROOT) + "/", "")
        if "site-packages/" in where:
            where = where.split("site-packages/", 1)[1]
        if where.startswith(("domain/", "service/", "infra/", "eventsourcing/", "psycopg/", "projections/")):
            rows.append((f"`{where}:{line}` {name}", cum / total))
    rows.sort(key=lambda r: -r[1])
    return rows[:16]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sqlite", action="store_true", help="measure on SQLite instead of PostgreSQL")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=200, help="commands per measure and round")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each concurrent run")
    args = parser.parse_args(argv)
    postgres = postgres_url(not args.sqlite)
    store = "SQLite" if args.sqlite else "PostgreSQL"
    with seeded_system(postgres) as system:
        first = report_in_process(system)
        raw = Raw(postgres, system.settings.pg_schema, system.settings.var_dir, state_size(system, first))
        desk = system.casebook.disputes
        load_before = os.getloadavg()[0]
        rounds: list[dict[str, float]] = []
        with (
            served(system) as url,
            httpx.Client(base_url=url, timeout=30.0, headers={"Authorization": f"Bearer {TOKEN}"}) as http,
        ):

            def over_http() -> None:
                body = {**REPORT, "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}
                http.post("/disputes", json=body).raise_for_status()

            for n in range(args.rounds):
                cases = [report_in_process(system) for _ in range(args.count)]
                it = iter(cases)
                rounds.append(
                    {
                        "raw": rate(raw, args.count),
                        "report": rate(lambda: report_in_process(system), args.count),
                        "session": rate(
                            lambda it=it: desk.hold_mediation_session(
                                MEDIATOR, next(it), outcome=SessionOutcome.ADJOURNED
                            ),
                            args.count,
                        ),
                        "http": rate(over_http, args.count),
                    }
                )
                print(f"round {n + 1}: " + ", ".join(f"{k} {v:,.0f}/s" for k, v in rounds[-1].items()))

            body = {**REPORT, "occurred_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}
            post: Request = lambda h: h.post("/disputes", json=body)
            commands = under_load(url, args.clients, args.seconds, post)
            health = under_load(url, args.clients, args.seconds, lambda h: h.get("/health"))
            print(f"{args.clients} clients: reports {commands}, health {health}")
        load_after = os.getloadavg()[0]
        shares = profile(system, args.count)
    section = write_up(store, raw.size, rounds, commands, health, shares, args, (load_before, load_after))
    print(section)
    write_section(section, *markers("commands", store))


def write_up(
    store: str,
    size: int,
    rounds: list[dict[str, float]],
    commands: dict,
    health: dict,
    shares: list[tuple[str, float]],
    args: argparse.Namespace,
    load: tuple[float, float],
) -> str:
    def ratios(key: str) -> str:
        values = [r[key] / r["raw"] for r in rounds]
        return f"{statistics.median(values):.2f} ({min(values):.2f}–{max(values):.2f})"

    def median(key: str) -> str:
        return f"{statistics.median(r[key] for r in rounds):,.0f}"

    begin, end = markers("commands", store)
    lines = [
        begin,
        f"## A command against a raw INSERT: {store}",
        "",
        (
            f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()} with {os.cpu_count()} cores, "
            f"{store}, "
            f"Python {platform.python_version()} (`bench/commands.py`): {args.rounds} rounds of {args.count} "
            f"commands per measure, interleaved; the baseline is a single-row autocommit INSERT of "
            f"{size} bytes (the stored size of a reported dispute's event) in the same database, same run. "
            f"Load average {load[0]:.1f} before, {load[1]:.1f} after."
        ),
        "",
        "| measure | commands/s (median) | ÷ raw INSERT: median (spread over rounds) | goal |",
        "|---|---|---|---|",
        f"| raw single-row INSERT | {median('raw')} | 1 | |",
        f"| report a dispute, in-process | {median('report')} | {ratios('report')} | ≥ 0.8 |",
        f"| record a mediation session, in-process | {median('session')} | {ratios('session')} | ≥ 0.8 |",
        f"| report a dispute, over HTTP (one client) | {median('http')} | {ratios('http')} | ≥ 0.5 |",
        "",
        (
            f"**{args.clients} concurrent clients**, {args.seconds:.0f} s each: reports answered at "
            f"{commands['rate']:,.1f}/s, `/health` at {health['rate']:,.1f}/s on the same server: "
            f"**{commands['rate'] / health['rate']:.2f}** of `/health` (goal ≥ 0.7). Connections closed "
            f"without a response: {commands['transport_errors']} (reports), {health['transport_errors']} "
            f"(health); refused reports: {commands['refused']}."
        ),
        "",
        f"Where a report's time goes in-process (cProfile over {args.count} reports, cumulative share):",
        "",
        "| function | share |",
        "|---|---|",
        *(f"| {name} | {share:.0%} |" for name, share in shares),
        "",
        "Reproduce with `.venv/bin/python -m bench.commands` (`--sqlite` for the embedded store).",
        end,
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

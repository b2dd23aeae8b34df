"""What a clock sync costs as a case's history grows.

Each time a workflow hears of a change it runs the `sync_case` activity: the keeper reads the
case, reads its whole history (to find the clocks it passed between two syncs), reads its
clocks, and records what changed. The history read grows with the case, so this measures a
steady-state sync (nothing to record) on disputes of growing history, against a baseline
measured in the same run: reading and decoding the dispute's events once (the repository's
cache would hide that cost, so the baseline goes to the event store).

It also times the scan a calendar or policy recount makes over every clock stream, per case,
with `--cases` disputes in the store.

    .venv/bin/python -m bench.sync                 # SQLite in a temporary directory
    .venv/bin/python -m bench.sync --postgres      # PostgreSQL, in a schema made and dropped for the run

PostgreSQL is found through FENGQIAO_BENCH_POSTGRES (default
postgresql://postgres@127.0.0.1:5432/postgres).

Results go to docs/benchmarks.md (the store's section between its markers is replaced).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg.conninfo import conninfo_to_dict

from bench import markers, write_section
from domain.disputes.dispute import Category, SessionOutcome, Severity
from infra.bootstrap import System, bootstrap
from infra.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
GRID = "anping.dongxi.qiaotou.g1"
GRID_MEMBER, MEDIATOR = "wang-fang", "li-ming"
LENGTHS = (2, 10, 40, 160)  # events in the dispute's history
ROUNDS = 200


def settings(var_dir: Path, postgres: str | None) -> Settings:
    shipped = {
        "var_dir": var_dir,
        "directory_file": ROOT / "config" / "dev.toml",
        "policy_dir": ROOT / "config" / "policy",
        "calendar_dir": ROOT / "config" / "calendars",
        "template_dir": ROOT / "config" / "assessment",
    }
    if postgres is None:
        return Settings(**shipped)
    url = conninfo_to_dict(postgres)
    return Settings(
        **shipped,
        store="postgres",
        pg_host=url.get("host", "127.0.0.1"),
        pg_port=int(url.get("port", 5432)),
        pg_user=url.get("user", "postgres"),
        pg_password=url.get("password", ""),
        pg_dbname=url.get("dbname", "postgres"),
        pg_schema=f"bench_sync_{uuid.uuid4().hex[:8]}",
    )


def postgres_url(wanted: bool) -> str | None:
    """The benchmark's PostgreSQL (FENGQIAO_BENCH_POSTGRES) when it was asked for, else None (SQLite)."""
    if not wanted:
        return None
    return os.environ.get("FENGQIAO_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def seeded_system(postgres: str | None) -> Iterator[System]:
    """A seeded system in a temporary var dir; on PostgreSQL, in a schema made for the run and
    dropped after it."""
    with tempfile.TemporaryDirectory() as var_dir:
        chosen = settings(Path(var_dir), postgres)
        if postgres:
            with psycopg.connect(postgres, autocommit=True) as conn:
                conn.execute(f'CREATE SCHEMA "{chosen.pg_schema}"')
        system = bootstrap(chosen)
        try:
            system.seed()
            yield system
        finally:
            system.close()
            if postgres:
                with psycopg.connect(postgres, autocommit=True) as conn:
                    conn.execute(f'DROP SCHEMA "{chosen.pg_schema}" CASCADE')


def dispute_of_length(system: System, length: int) -> uuid.UUID:
    desk = system.casebook.disputes
    dispute = desk.report(
        GRID_MEMBER,
        grid=GRID,
        parties=[{"name": "Zhang San"}, {"name": "Li Si"}],
        category=Category.NEIGHBOURHOOD,
        severity=Severity.MINOR,
        description="fence moved",
        occurred_at=datetime.now(UTC) - timedelta(days=1),
    )
    for _ in range(length - 1):
        desk.hold_mediation_session(MEDIATOR, dispute.id, outcome=SessionOutcome.ADJOURNED)
    return dispute.id


def per_call(work: Callable[[], object], rounds: int = ROUNDS) -> float:
    """The median seconds of one call, over `rounds` calls after one warm-up."""
    work()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def measure(system: System, cases: int) -> tuple[list[tuple[int, float, float]], tuple[int, float]]:
    keeper = system.casebook.keepers["dispute"]
    for _ in range(cases):
        keeper.sync(dispute_of_length(system, 1), 0)
    rows = []
    for length in LENGTHS:
        case_id = dispute_of_length(system, length)
        keeper.sync(case_id, 0)  # starts the grid clock; later syncs find nothing to record
        load = per_call(lambda case_id=case_id: list(system.casebook.events.get(case_id)))
        sync = per_call(lambda case_id=case_id: keeper.sync(case_id, 0))
        rows.append((length, load, sync))
    streams = len(system.casebook.deadlines._clock_streams())
    started = time.perf_counter()
    system.casebook.deadlines.recompute_open_clocks(reason="bench", at=datetime.now(UTC), year=2099)
    return rows, (streams, time.perf_counter() - started)


def report(store: str, rows: list[tuple[int, float, float]], scan: tuple[int, float]) -> str:
    begin, end = markers("sync", store)
    lines = [
        begin,
        f"### What a clock sync costs as a case grows: {store}",
        "",
        (
            f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()} with {os.cpu_count()} cores, "
            f"{store}, Python {platform.python_version()} (`bench/sync.py`). Median of {ROUNDS} calls each; "
            "the baseline is reading and decoding the same dispute's events from the store, in the same run."
        ),
        "",
        "| events in the dispute | read its events (ms) | sync (ms) | sync ÷ read |",
        "|---|---|---|---|",
        *(f"| {n} | {load * 1000:.2f} | {sync * 1000:.2f} | {sync / load:.1f} |" for n, load, sync in rows),
        "",
        (
            f"A recount scan over {scan[0]} clock streams took {scan[1]:.3f} s: "
            f"{scan[1] / scan[0] * 1000:.2f} ms a case, whether or not its clocks move."
        ),
        end,
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="measure on PostgreSQL instead of SQLite")
    parser.add_argument("--cases", type=int, default=1000, help="disputes in the store for the recount scan")
    args = parser.parse_args()
    postgres = postgres_url(args.postgres)
    with seeded_system(postgres) as system:
        rows, scan = measure(system, args.cases)
    store = "PostgreSQL" if postgres else "SQLite"
    section = report(store, rows, scan)
    print(section)
    write_section(section, *markers("sync", store))


if __name__ == "__main__":
    main()

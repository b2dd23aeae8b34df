"""Whether more workers drain a burst of deadlines faster (issue "Run it for a county").

A burst of disputes is reported straight into the store, all with the grid's deadline a short
while ahead (`--deadline` seconds), so that every deadline falls due within a second or two of
the others. The whole system runs as an operator runs it (`fengqiao run`: the Temporal dev
server, a worker, the dispatcher, the projector and the API, on PostgreSQL), once as it is and
once with a second `fengqiao worker` beside it; each pass on a fresh Temporal server and a
fresh schema. The figure is the lag between each deadline's due time and the recording of its
escalation (the event's effective time is the due time; its recording time is when the worker's
activity wrote it), p50, p95 and the last, and the time from the first due time to the last
escalation recorded — one worker against two, in the same run.

    .venv/bin/python -m bench.workers                    # 200 disputes, a 20-second deadline
    .venv/bin/python -m bench.workers --cases 400 --deadline 30

Needs PostgreSQL (FENGQIAO_BENCH_POSTGRES, by default the local one). Results go to
docs/benchmarks.md between this benchmark's markers.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import psycopg

from bench import markers, write_section
from bench.dispatch import report_burst
from domain.disputes.dispute import Dispute
from projections.runner import NotificationReader
from service.casebook import Casebook
from tests.support import settings_for
from tests.test_end_to_end import RunningSystem

BEGIN, END = markers("workers")
HEADING = "## More workers and a burst of deadlines (bench/workers.py)\n\n"
GRID_RULE = 'clock = "dispute.grid"\namount = 3\nunit = "seconds"'


class BurstSystem(RunningSystem):
    """`fengqiao run` on a schema of its own, the grid's deadline so many seconds long."""

    deadline = 20

    def __init__(self, var_dir: Path, postgres: str, schema: str) -> None:
        super().__init__(var_dir)
        url = urlparse(postgres)
        self.overrides = {
            "store": "postgres",
            "pg_host": url.hostname or "127.0.0.1",
            "pg_port": url.port or 5432,
            "pg_user": url.username or "postgres",
            "pg_dbname": url.path.lstrip("/") or "postgres",
            "pg_schema": schema,
        }
        self.env |= {f"FENGQIAO_{k.upper()}": str(v) for k, v in self.overrides.items()}
        self.extra: list[subprocess.Popen[bytes]] = []

    @classmethod
    def _policy(cls, var_dir: Path) -> Path:
        folder = RunningSystem._policy(var_dir)
        fast = (folder / "fast.toml").read_text(encoding="utf-8")
        (folder / "fast.toml").write_text(
            fast.replace(GRID_RULE, GRID_RULE.replace("3", str(cls.deadline))), encoding="utf-8"
        )
        return folder

    def another_worker(self) -> None:
        self.extra.append(self.spawn("worker"))

    def kill(self) -> None:
        for process in self.extra:
            process.kill()
            process.wait()
        super().kill()


def one_pass(postgres: str, cases: int, workers: int, timeout: float) -> dict[str, float]:
    schema = f"bench_workers_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            system = BurstSystem(Path(var_dir), postgres, schema)
            try:
                system.start()
                for _ in range(workers - 1):
                    system.another_worker()
                # The second worker has the deadline's seconds to start polling before the first
                # deadline falls due; a worker late to start shows as lag, not as a wrong count.
                casebook = Casebook(settings_for(Path(var_dir), **system.overrides).event_store_env())
                try:
                    report_burst(casebook, cases)
                    reader, deadline = NotificationReader(casebook), time.monotonic() + timeout
                    while True:
                        found = [e for _, e in reader.read(0, 1_000_000, (Dispute.Escalated.TOPIC,))]
                        if len(found) >= cases or time.monotonic() > deadline:
                            break
                        time.sleep(0.5)
                finally:
                    casebook.close()
            finally:
                system.kill()
    finally:
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
    if len(found) < cases:
        raise SystemExit(f"{workers} worker(s): {len(found)} of {cases} escalations within {timeout:.0f} s")
    lags = sorted((e.timestamp - e.effective_at).total_seconds() for e in found)
    first_due = min(e.effective_at for e in found)
    last_recorded = max(e.timestamp for e in found)
    return {
        "p50": statistics.median(lags),
        "p95": lags[int(0.95 * (len(lags) - 1))],
        "last": lags[-1],
        "drain": (last_recorded - first_due).total_seconds(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--deadline", type=int, default=20, help="the grid's deadline, seconds")
    parser.add_argument("--timeout", type=float, default=300)
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md")
    args = parser.parse_args()
    BurstSystem.deadline = args.deadline
    postgres = os.environ.get("FENGQIAO_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    one = one_pass(postgres, args.cases, 1, args.timeout)
    two = one_pass(postgres, args.cases, 2, args.timeout)
    rows = "\n".join(
        f"| {label} | {one[k]:.2f} | {two[k]:.2f} | {two[k] / one[k]:.2f} |"
        for k, label in (
            ("p50", "lag from due time to escalation recorded, p50 (s)"),
            ("p95", "the same, p95 (s)"),
            ("last", "the same, the last (s)"),
            ("drain", "first due time to last escalation recorded (s)"),
        )
    )
    load = os.getloadavg()[0]
    block = (
        f"{BEGIN}\n"
        f"{args.cases} disputes reported at once, each grid deadline {args.deadline} s ahead, on PostgreSQL; "
        f"`fengqiao run` with one worker, then with a second `fengqiao worker` beside it, each on a "
        f"fresh Temporal dev server; CPython {platform.python_version()}, {os.cpu_count()} cores, "
        f"load {load:.1f} at the end; the same run:\n\n"
        "| measure | 1 worker | 2 workers | 2 ÷ 1 |\n|---|---|---|---|\n" + rows + f"\n{END}\n"
    )
    print(block)
    if not args.no_write:
        write_section(
            block, BEGIN, END, heading="## More workers and a burst of deadlines (bench/workers.py)\n\n"
        )


if __name__ == "__main__":
    main()

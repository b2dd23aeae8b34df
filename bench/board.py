"""The township's supervision board and the case list at 10,000 open cases under one township,
through HTTP, against `/health` measured in the same run.

The store gets `--cases` disputes reported across the township's grids over the last three
days (so about two in three have run past their grid day: red), each with its clocks started
as the dispatcher would, and the case list read model caught up. Then the API is served by
uvicorn on a loopback port, and a client asks, in turn, round after round:

- `/health` (the baseline: the same server, middleware and connection, no read model);
- `GET /cases?limit=50` (the JSON list the board reads, with its counts per colour);
- `GET /app/board` (the whole page: filters, counts, the first 50 rows);
- `GET /app/board?colour=red` (narrowed);
- the board's list alone, as htmx asks for it after a filter changes;
- `GET /app/board?page=100` (a deep page).

Times are the client's, wall clock, p50 and p95 over the rounds; the report gives each as a
ratio to `/health`'s in the same run, and the machine's load average before and after.

    .venv/bin/python -m bench.board                  # SQLite, 10,000 cases
    .venv/bin/python -m bench.board --postgres       # PostgreSQL, a schema made and dropped for the run

Results go to docs/benchmarks.md (the store's section between its markers is replaced).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import httpx

from bench import markers, write_section
from bench.sync import postgres_url, seeded_system
from domain.directory.jurisdiction import NodeKind
from infra.bootstrap import System
from projections.runner import ProjectionRunner
from service.store import CommandMeta
from tests.browser import serve

TOWNSHIP = "anping.dongxi"
STAFF, TOKEN = "chen-jing", "dev-township-chen"  # workstation staff at the township (config/dev.toml)
ROUNDS = 60
ASKED = {
    "/health": ("/health", {}),
    "GET /cases (JSON, 50)": ("/cases?limit=50", {}),
    "board page": ("/app/board", {}),
    "board, red only": ("/app/board?colour=red", {}),
    "board list (htmx)": ("/app/board?kind=dispute", {"HX-Request": "true", "HX-Target": "board"}),
    "board, page 100": ("/app/board?page=100", {}),
}


def populate(system: System, cases: int) -> float:
    """Reports the disputes and starts their clocks; returns the seconds it took."""
    started = time.perf_counter()
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    grids = sorted(
        code for code in directory.descendants(TOWNSHIP, now) if directory.nodes[code].kind == NodeKind.GRID
    )
    desk, keeper = system.casebook.disputes, system.casebook.keepers["dispute"]
    for i in range(cases):
        at = now - timedelta(minutes=(i * 7) % (3 * 24 * 60))
        dispute = desk.report(
            STAFF,
            grid=grids[i % len(grids)],
            parties=[{"name": f"甲{i}"}, {"name": f"乙{i}"}],
            category="neighbourhood",
            severity="minor",
            description=f"case {i}",
            occurred_at=at - timedelta(hours=1),
            meta=CommandMeta(effective_at=at),
        )
        keeper.sync(dispute.id, 0)
    runner = ProjectionRunner(system.reader, system.views, system.case_list, 2000)
    runner.setup()
    runner.catch_up()
    return time.perf_counter() - started


@contextmanager
def served(system: System) -> Iterator[str]:
    """The API on a loopback port, served as the browser journeys serve it (tests/browser.py): its URL."""
    with contextmanager(serve)(system) as running:
        yield running.url


def measure(base: str, rounds: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {name: [] for name in ASKED}
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120) as client:
        for name, (path, headers) in ASKED.items():  # warm up: templates, catalogues, caches
            answer = client.get(path, headers=headers)
            assert answer.status_code == 200, (name, answer.status_code, answer.text[:300])
        for _ in range(rounds):
            for name, (path, headers) in ASKED.items():  # interleaved: each round sees the same load
                began = time.perf_counter()
                answer = client.get(path, headers=headers)
                times[name].append(time.perf_counter() - began)
                assert answer.status_code == 200
    return times


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def report(store: str, cases: int, filled: float, counts: dict[str, int], times: dict[str, list[float]],
           load: tuple[tuple[float, ...], tuple[float, ...]]) -> str:  # fmt: skip
    begin, end = markers("board", store)
    base50, base95 = quantile(times["/health"], 0.5), quantile(times["/health"], 0.95)
    lines = [
        begin,
        f"### The supervision board at {cases:,} cases ({store})",
        "",
        _about(store, cases, filled, counts, len(times["/health"]), load),
        "",
        "| request | p50 ms | p95 ms | p50 ÷ /health p50 | p95 ÷ /health p95 |",
        "|---|---|---|---|---|",
    ]
    for name, values in times.items():
        p50, p95 = quantile(values, 0.5), quantile(values, 0.95)
        lines.append(
            f"| {name} | {p50 * 1000:.1f} | {p95 * 1000:.1f} | {p50 / base50:.1f}× | {p95 / base95:.1f}× |"
        )
    lines += ["", end]
    return "\n".join(lines) + "\n"


def _about(
    store: str,
    cases: int,
    filled: float,
    counts: dict[str, int],
    rounds: int,
    load: tuple[tuple[float, ...], ...],
) -> str:
    command = "python -m bench.board" + (" --postgres" if store == "PostgreSQL" else "")
    shades = f"{counts['red']:,} red, {counts['yellow']:,} yellow, {counts['green']:,} green"
    before, after = (" / ".join(f"{x:.2f}" for x in avg) for avg in load)
    return (
        f"`{command}`: {cases:,} open disputes under one township ({shades}), {rounds} interleaved rounds "
        f"over HTTP (uvicorn on loopback, one client); {platform.python_implementation()} "
        f"{platform.python_version()}, {os.cpu_count()} cores. Load average before {before}, after {after} "
        "(1/5/15 min): the machine is shared with other work, so read the ratios, not the milliseconds. "
        f"Filling the store took {filled:.0f} s."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres", action="store_true", help="measure on PostgreSQL instead of SQLite")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    args = parser.parse_args()
    postgres = postgres_url(args.postgres)
    with seeded_system(postgres) as system:
        filled = populate(system, args.cases)
        from api.routes.cases import case_board

        counts = case_board(system, STAFF, node=TOWNSHIP, limit=1).counts
        before = os.getloadavg()
        with served(system) as base:
            times = measure(base, args.rounds)
        after = os.getloadavg()
    store = "PostgreSQL" if postgres else "SQLite"
    section = report(store, args.cases, filled, counts, times, (before, after))
    print(section)
    write_section(section, *markers("board", store))


if __name__ == "__main__":
    main()

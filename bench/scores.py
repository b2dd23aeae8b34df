"""What a village's score costs, as it stands, as of a business date and as known on a recording
date, measured in one run against a raw indexed read of the village's facts.

The county history of bench.rebuild (disputes, the tree, the townships' templates) gets a
directory with a long past: village secretaries and directors taking and leaving their posts,
`--churn` directory events in all, as a county's directory has after some years. Then, in
rounds that interleave every measure (so a busy machine slows them alike):

- raw: reading the village's facts for the year from the scoring facts table by its index;
- current: `Scores.card(unit, year)`;
- as of: the same, as of a random business date of the year;
- as known on: the same, as known on a random moment of the directory's recorded past;
- as known on, replayed: the same question answered the way it was before the directory kept
  its history (`DirectoryHistory`): the whole directory stream read and replayed per card.

    .venv/bin/python -m bench.scores                      # 200,000 events, PostgreSQL
    .venv/bin/python -m bench.scores --events 1000000 --database fengqiao_bench

PostgreSQL is found through FENGQIAO_BENCH_POSTGRES, as for bench.rebuild, whose generated
history (database `--database`, schema `county_<events>`) is reused when it is there. The
result goes between its markers in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import markers, rebuild, write_section
from bench.county import villages
from domain.directory.access import Post
from domain.directory.jurisdiction import NodeKind
from domain.directory.tree import DIRECTORY_ID, Directory, Tenure
from projections.scores import Scores
from projections.scoring_facts import ScoringFacts
from service.store import CommandMeta

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = markers("scores")
YEAR = 2025


def churn(casebook: Any, target: int) -> None:
    """Posts taken and left in the villages until the directory holds `target` events."""
    desk = casebook.directory
    have = sum(1 for _ in casebook.repository.event_store.get(DIRECTORY_ID))
    if have >= target:
        return
    rng, units = random.Random(11), [v for v, _ in villages()]
    at, n = datetime(2024, 1, 2, tzinfo=UTC), have
    holders: dict[tuple[str, Post], str] = {}
    print(f"directory: {have:,} events, adding posts up to {target:,} …", flush=True)
    while n < target:
        unit, post = rng.choice(units), rng.choice((Post.BRANCH_SECRETARY, Post.VILLAGE_DIRECTOR))
        at += timedelta(hours=6)
        meta = CommandMeta(command_id=f"bench:churn:{n}", effective_at=at)
        held = holders.pop((unit, post), None)
        if held is not None:
            d = desk.cb.current_directory()
            if any(t.person_id == held and t.node == unit and t.end is None for t in d.tenures):
                desk.cb.change(
                    Directory,
                    DIRECTORY_ID,
                    "directory",
                    "leave_post",
                    desk.cb.stamp("system:seed", meta),
                    lambda d, s, held=held, unit=unit, post=post: d.leave_post(
                        person_id=held, post=post, node=unit, reason="term ended", **s
                    ),
                    meta,
                )
                n += 1
                continue
        person = f"p{n}"
        desk.register_person(
            "system:seed", person_id=person, name=person, phone=None, node=unit, authorise=False, meta=meta
        )
        desk.take_post(
            "system:seed",
            person_id=person,
            post=post,
            node=unit,
            authorise=False,
            meta=CommandMeta(command_id=f"bench:churn:{n}:post", effective_at=at),
        )
        holders[(unit, post)] = person
        n += 2


def replayed_directory(casebook: Any, recorded_by: datetime) -> Directory:
    """How the directory as known on a moment was found before it kept its history."""
    version = 0
    for event in casebook.repository.event_store.get(DIRECTORY_ID):
        if event.timestamp > recorded_by:
            break
        version = event.originator_version
    return casebook.repository.get(DIRECTORY_ID, version=version)


class Replaying(Scores):
    """Scores whose directory as known on a moment is replayed per card, as before."""

    def _tenures(self, known_on: datetime | None) -> list[Tenure]:
        if known_on is None:
            return self.cb.current_directory().tenures
        return replayed_directory(self.cb, known_on).tenures


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def measure(
    casebook: Any, views: Any, facts: ScoringFacts, queries: int, seed: int
) -> dict[str, list[float]]:
    scores, legacy = Scores(casebook, views, facts), Replaying(casebook, views, facts)
    stamps = [e.timestamp for e in casebook.repository.event_store.get(DIRECTORY_ID)]
    rng, units = random.Random(seed), [v for v, _ in villages()]
    timings: dict[str, list[float]] = {
        k: [] for k in ("raw", "current", "as of", "as known on", "as known on, replayed")
    }

    def timed(name: str, work: Callable[[], Any]) -> None:
        started = time.perf_counter()
        work()
        timings[name].append(time.perf_counter() - started)

    for _ in range(queries):
        unit = rng.choice(units)
        as_of = datetime(YEAR, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(365))
        known_on = stamps[0] + (stamps[-1] - stamps[0]) * rng.random()

        def raw(unit: str = unit) -> None:
            with views.reading() as cur:
                facts.facts(cur, unit, YEAR)

        timed("raw", raw)
        timed("current", lambda unit=unit: scores.card(unit, YEAR))
        timed("as of", lambda unit=unit, as_of=as_of: scores.card(unit, YEAR, as_of=as_of))
        timed("as known on", lambda unit=unit, k=known_on: scores.card(unit, YEAR, known_on=k))
        timed("as known on, replayed", lambda unit=unit, k=known_on: legacy.card(unit, YEAR, known_on=k))
    return timings


def section(runs: list[dict[str, list[float]]], events: int, directory: int, note: str) -> str:
    lines = [
        BEGIN,
        "## A village's score: as it stands, as of a date, as known on a date",
        "",
        (
            f"{events:,} events in the store, {directory:,} of them the directory's; "
            f"{len(runs)} runs of {len(runs[0]['raw'])} rounds, each round one of each measure for a random "
            f"village of {YEAR}. {note} Ratios are to the raw indexed read of the village's facts and to "
            "the current score, in the same run; the spread is the lowest and highest of the runs."
        ),
        "",
        "| measure | p50 ms | p95 ms | p95 / raw | p95 / current |",
        "|---|---|---|---|---|",
    ]
    for name in runs[0]:
        p50 = [percentile(r[name], 0.5) * 1000 for r in runs]
        p95 = [percentile(r[name], 0.95) * 1000 for r in runs]
        to_raw = [percentile(r[name], 0.95) / percentile(r["raw"], 0.95) for r in runs]
        to_current = [percentile(r[name], 0.95) / percentile(r["current"], 0.95) for r in runs]
        lines.append(
            f"| {name} | {statistics.median(p50):.1f} | {statistics.median(p95):.1f} | "
            f"{statistics.median(to_raw):.1f}× ({min(to_raw):.1f}–{max(to_raw):.1f}) | "
            f"{statistics.median(to_current):.2f}× ({min(to_current):.2f}–{max(to_current):.2f}) |"
        )
    lines += ["", "Reproduce with `.venv/bin/python -m bench.scores` (see its docstring).", END]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--database", default=rebuild.DATABASE)
    parser.add_argument("--churn", type=int, default=1800, help="directory events to reach")
    parser.add_argument("--queries", type=int, default=60, help="rounds per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    url = os.environ.get("FENGQIAO_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    schema = f"county_{args.events}"
    casebook = rebuild.prepare(url, schema, args.events, args.database)
    churn(casebook, args.churn)
    views = rebuild.views_of(url, schema, args.database)
    facts = ScoringFacts(
        lambda node, at: casebook.current_directory().ancestor_of_kind(node, NodeKind.VILLAGE, at),
        suffix="_bench",
    )
    rebuild.ours(casebook, views, facts, 5000, "scoring facts", keep=True)
    measure(casebook, views, facts, 2, seed=99)  # warm: templates read, the directory's history built
    runs = []
    for run in range(args.runs):
        timings = measure(casebook, views, facts, args.queries, seed=run)
        runs.append(timings)
        print(
            f"run {run + 1}: "
            + ", ".join(f"{k} p95 {percentile(v, 0.95) * 1000:.1f} ms" for k, v in timings.items()),
            flush=True,
        )
    total = casebook.recorder.max_notification_id() or 0
    directory = sum(1 for _ in casebook.repository.event_store.get(DIRECTORY_ID))
    load = os.getloadavg()[0]
    views.close()
    casebook.close()
    note = (
        f"Measured {datetime.now(UTC):%Y-%m-%d} on PostgreSQL, {os.cpu_count()} cores, "
        f"load average {load:.1f} when it ended."
    )
    write_section(section(runs, total, directory, note), BEGIN, END, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

"""What a village's score costs, as it stands, as of a business date and as known on a recording
date, at two sizes of county history, through HTTP and in-process, each against a baseline
measured in the same rounds.

For each size, the county history of bench.rebuild (disputes, the tree, the townships'
templates), spread at `--per-day` dispute events a day before 2026-11-01 — so the larger history
is the longer one, every year as busy, and a village's year has as many facts at both sizes —
gets a directory with a long past: village secretaries and directors taking and
leaving their posts, `--churn` such directory events in all, as a county's directory has after some
years; and an assessor at the county, whose token the client sends. The scoring facts read model
is caught up, the API is served by uvicorn on a loopback port (as tests/browser.py serves it,
TCP_NODELAY on), and then, in rounds that interleave every measure (so a busy machine slows them
alike), for a random village of the year:

- in-process: the raw read of the village's facts from the scoring facts table by its index
  (the baseline); `Scores.card` as it stands (current), as of a random business date of the
  year, as known on a random moment of the directory's recorded past after the year's templates
  were (the question the directory's history, `DirectoryHistory`, answers without a replay);
- over HTTP: `/health` (the baseline: the same server, middleware and connection, no read);
  `GET /units/{village}/scores/{year}`, with `as_of=`, with `as_known_on=`.

Each size is measured `--runs` times; the report gives the median over the runs of each p50 and
p95, each p95 as a ratio to its baseline's p95 and to the current score's in the same run, with
the lowest and highest of the runs, and the p95 at the larger size as a ratio to the smaller;
then where a current card's time goes at the larger size (cProfile).

    .venv/bin/python -m bench.scores                           # 250,000 and 1,000,000 events
    .venv/bin/python -m bench.scores --sizes 100000 --runs 1   # a quicker look

PostgreSQL is found through FENGQIAO_BENCH_POSTGRES, as for bench.rebuild, whose generated
histories (database `--database`, schema `county_<events>_<per-day>pd`) are made when missing
(1,000,000 events in about a minute and a half) and reused
when there (with the churn and the scoring facts they got). The result goes between its markers
in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bench import markers, rebuild, write_section
from bench.county import TOWNSHIPS, villages
from domain.directory.access import Post
from domain.directory.tree import DIRECTORY_ID, Directory
from infra.bootstrap import System
from infra.directory import Credentials, DirectoryFile
from infra.logging import configure_logging
from infra.settings import Settings
from projections.runner import ProjectionRunner
from service.store import CommandMeta
from tests.browser import serve

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = markers("scores")
YEAR = 2025
READER, TOKEN = "bench-assessor", "bench-scores-assessor"  # an assessor at the county
IN_PROCESS = ("raw indexed read", "current", "as of", "as known on")
OVER_HTTP = ("/health", "HTTP current", "HTTP as of", "HTTP as known on")
CHURN_BATCH = 60  # directory events per command of the churn


def churn(casebook: Any, target: int) -> None:
    """Posts taken and left in the villages until the directory holds `target` events about
    people and posts (the tree's are not counted: 1,814 of them would have left no churn at
    all), a few dozen events per command: a command per post deep-copied the whole directory."""
    people = (Directory.PersonRegistered, Directory.PostTaken, Directory.PostLeft)
    have = sum(isinstance(e, people) for e in casebook.repository.event_store.get(DIRECTORY_ID))
    if have >= target:
        return
    print(f"directory: {have:,} events about posts, adding posts up to {target:,} …", flush=True)
    rng, units = random.Random(11), [v for v, _ in villages()]
    state = {"n": have, "at": datetime(2024, 1, 2, tzinfo=UTC)}
    holders: dict[tuple[str, Post], str] = {}

    def some_posts(d: Directory, stamp: Any) -> None:
        made = 0
        while made < CHURN_BATCH and state["n"] < target:
            unit, post = rng.choice(units), rng.choice((Post.BRANCH_SECRETARY, Post.VILLAGE_DIRECTOR))
            state["at"] += timedelta(hours=6)
            s = {**stamp, "effective_at": state["at"]}
            held = holders.pop((unit, post), None)
            if held is not None and any(
                t.person_id == held and t.node == unit and t.end is None for t in d.tenures
            ):
                d.leave_post(person_id=held, post=post, node=unit, reason="term ended", **s)
                state["n"], made = state["n"] + 1, made + 1
                continue
            person = f"p{state['n']}"
            d.register_person(person_id=person, name=person, phone=None, **s)
            d.take_post(person_id=person, post=post, node=unit, **s)
            holders[(unit, post)] = person
            state["n"], made = state["n"] + 2, made + 2

    while state["n"] < target:
        meta = CommandMeta(command_id=f"bench:churn:{state['n']}", effective_at=state["at"])
        stamp = casebook.stamp("system:seed", meta)
        casebook.change(Directory, DIRECTORY_ID, "directory", "take_post", stamp, some_posts, meta)


def enrol_reader(casebook: Any) -> None:
    """The assessor at the county who asks for the scores over HTTP (idempotent)."""
    if READER in casebook.current_directory().people:
        return
    desk, at = casebook.directory, datetime(2023, 12, 2, tzinfo=UTC)
    desk.register_person(
        "system:seed",
        person_id=READER,
        name="assessor",
        phone=None,
        node="c",
        authorise=False,
        meta=CommandMeta(command_id="bench:reader", effective_at=at),
    )
    desk.take_post(
        "system:seed",
        person_id=READER,
        post=Post.ASSESSOR,
        node="c",
        authorise=False,
        meta=CommandMeta(command_id="bench:reader:post", effective_at=at),
    )


@contextmanager
def county_system(url: str, database: str, events: int, churned: int, per_day: int) -> Iterator[System]:
    """The system on the county history of `events` events, about `per_day` a day (so a larger
    history is a longer one, each year as busy), its scoring facts caught up."""
    schema = f"county_{events}_{per_day}pd"
    casebook = rebuild.prepare(url, schema, events, database, per_day)
    churn(casebook, churned)
    enrol_reader(casebook)
    views = rebuild.views_of(url, schema, database)
    with tempfile.TemporaryDirectory() as var_dir:
        settings = Settings(var_dir=Path(var_dir), directory_file=ROOT / "config" / "dev.toml")
        file = DirectoryFile(
            since=datetime(2023, 12, 1, tzinfo=UTC),
            nodes=[],
            people=[],
            credentials=Credentials({hashlib.sha256(TOKEN.encode()).hexdigest(): READER}),
            token_holders=(READER,),
        )
        system = System(settings=settings, directory_file=file, casebook=casebook, views=views)
        try:
            runner = ProjectionRunner(system.reader, views, system.scoring_facts, 5000)
            runner.setup()
            started = time.perf_counter()
            if caught := runner.catch_up():
                print(
                    f"scoring facts: {caught:,} events in {time.perf_counter() - started:.0f} s", flush=True
                )
            yield system
        finally:
            system.close()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


@dataclass
class Run:
    events: int
    timings: dict[str, list[float]]
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average at its start and end
    seconds: float = 0.0

    def p(self, name: str, q: float) -> float:
        return percentile(self.timings[name], q)


@dataclass
class Size:
    events: int
    directory: int
    first_year: int  # of the disputes
    facts: float  # scoring facts of a village's year, on average
    runs: list[Run] = field(default_factory=list)
    profile: list[str] = field(default_factory=list)


def measure(system: System, client: httpx.Client, rounds: int, seed: int) -> dict[str, list[float]]:
    scores, views, facts = system.scores, system.views, system.scoring_facts
    # As known on a moment after every township's template for the year was recorded (before,
    # there is no score to know) and before the directory's last change: the posts' churn.
    since = max(a.recorded_at for t in range(1, TOWNSHIPS + 1) for a in scores.versions(f"c.t{t:02d}", YEAR))
    until = max(e.timestamp for e in system.casebook.repository.event_store.get(DIRECTORY_ID))
    assert since < until, "the directory's churn is recorded after the templates"
    rng, units = random.Random(seed), [v for v, _ in villages()]
    timings: dict[str, list[float]] = {k: [] for k in IN_PROCESS + OVER_HTTP}

    def timed(name: str, work: Callable[[], Any]) -> None:
        started = time.perf_counter()
        work()
        timings[name].append(time.perf_counter() - started)

    def card(unit: str, **when: datetime) -> Callable[[], None]:
        def scored() -> None:
            assert scores.card(unit, YEAR, **when) is not None, (unit, when)

        return scored

    def get(path: str, **params: str) -> Callable[[], None]:
        def asked() -> None:
            answer = client.get(path, params=params)
            assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])

        return asked

    for _ in range(rounds):
        unit = rng.choice(units)
        as_of = datetime(YEAR, 1, 1, tzinfo=UTC) + timedelta(days=rng.randrange(365))
        known_on = since + (until - since) * rng.random()

        def raw(unit: str = unit) -> None:
            with views.reading() as cur:
                facts.facts(cur, unit, YEAR)

        path = f"/units/{unit}/scores/{YEAR}"
        timed("raw indexed read", raw)
        timed("current", card(unit))
        timed("as of", card(unit, as_of=as_of))
        timed("as known on", card(unit, known_on=known_on))
        timed("/health", get("/health"))
        timed("HTTP current", get(path))
        timed("HTTP as of", get(path, as_of=as_of.isoformat()))
        timed("HTTP as known on", get(path, as_known_on=known_on.isoformat()))
    return timings


def profile(system: System, cards: int = 30) -> list[str]:
    """Where a current card's time goes: cProfile over `cards` cards of random villages, the
    functions with the largest cumulative share of the cards' time (markdown lines)."""
    import cProfile
    import pstats

    rng, units, scores = random.Random(7), [v for v, _ in villages()], system.scores
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(cards):
        scores.card(rng.choice(units), YEAR)
    profiler.disable()
    stats: dict[Any, Any] = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    whole = max(cum for _, _, _, cum, _ in stats.values())
    rows = sorted(stats.items(), key=lambda kv: kv[1][3], reverse=True)
    lines = [
        (
            f"Where a current card's time goes at {system.casebook.recorder.max_notification_id():,} events "
            f"(cProfile, {cards} cards, each function's cumulative time as a share of the cards'):"
        ),
        "",
        "| function | calls | cumulative share |",
        "|---|---|---|",
    ]
    shown = 0
    for (file, line, name), (_, calls, _, cum, _) in rows:
        where = Path(file)
        if ROOT not in where.parents or name in ("<listcomp>", "<genexpr>", "<lambda>"):
            continue  # the project's own functions; the libraries' show as their callers' time
        lines.append(f"| `{where.relative_to(ROOT)}:{line} {name}` | {calls:,} | {cum / whole:.0%} |")
        shown += 1
        if shown == 14:
            break
    return lines


def measure_size(
    url: str, database: str, events: int, churned: int, per_day: int, runs: int, rounds: int
) -> Size:
    with county_system(url, database, events, churned, per_day) as system:
        directory = sum(1 for _ in system.casebook.repository.event_store.get(DIRECTORY_ID))
        with system.views.reading() as cur:
            table = system.scoring_facts.table
            cur.execute(
                f"SELECT MIN(year) AS first, COUNT(*) AS n FROM {table} WHERE kind LIKE ?", ("dispute.%",)
            )
            found = cur.fetchall()[0]
            cur.execute(
                f"SELECT COUNT(*) AS n, COUNT(DISTINCT unit) AS units FROM {table} WHERE year = ?", (YEAR,)
            )
            year = cur.fetchall()[0]
        facts = year["n"] / year["units"] if year["units"] else 0.0
        size = Size(system.casebook.recorder.max_notification_id() or 0, directory, found["first"], facts)
        with (
            contextmanager(serve)(system) as running,
            httpx.Client(
                base_url=running.url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120
            ) as client,
        ):
            measure(system, client, 2, seed=99)  # warm: templates read, the directory's history built
            for n in range(runs):
                load, started = os.getloadavg()[0], time.perf_counter()
                timings = measure(system, client, rounds, seed=n)
                run = Run(size.events, timings, (load, os.getloadavg()[0]), time.perf_counter() - started)
                size.runs.append(run)
                print(
                    f"{events:,} run {n + 1}: "
                    + ", ".join(f"{k} p95 {run.p(k, 0.95) * 1000:.1f}" for k in timings)
                    + f" ms; load {run.load[0]:.1f}→{run.load[1]:.1f}",
                    flush=True,
                )
        size.profile = profile(system)
    return size


def _spread(values: list[float], digits: int = 2) -> str:
    return f"{statistics.median(values):.{digits}f}× ({min(values):.{digits}f}–{max(values):.{digits}f})"


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.1f}"


def _load(size: Size) -> str:
    loads = [x for r in size.runs for x in r.load]
    return f"{min(loads):.1f}–{max(loads):.1f}"


def goal_tables(sizes: list[Size], limit_ms: float, limit_ratio: float) -> list[str]:
    lines = [
        (
            f"**p95 ≤ {limit_ms:.0f} ms and ≤ {limit_ratio}× the current score.** Milliseconds are the "
            "median over the runs; ratios are per run (each p95 to its baseline's p95 and to the current "
            "score's p95, in the same rounds), the median with the lowest and highest run."
        ),
        "",
        (
            "| path | measure | history | p50 ms | p95 ms | baseline p95 ms | p95 ÷ baseline | p95 ÷ current "
            "| load (1 min) |"
        ),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for path, names, base, current in (
        ("in-process", IN_PROCESS[1:], IN_PROCESS[0], "current"),
        ("HTTP", OVER_HTTP[1:], OVER_HTTP[0], "HTTP current"),
    ):
        for size in sizes:
            for name in names:
                runs = size.runs
                lines.append(
                    f"| {path} | {name.removeprefix('HTTP ')} | {size.events:,} | "
                    f"{_ms([r.p(name, 0.5) for r in runs])} | {_ms([r.p(name, 0.95) for r in runs])} | "
                    f"{_ms([r.p(base, 0.95) for r in runs])} ({base}) | "
                    f"{_spread([r.p(name, 0.95) / r.p(base, 0.95) for r in runs], 1)} | "
                    f"{_spread([r.p(name, 0.95) / r.p(current, 0.95) for r in runs])} | {_load(size)} |"
                )
    return lines


def growth_table(small: Size, large: Size) -> list[str]:
    lines = [
        (
            f"**Cost constant as the history grows.** The p95 at {large.events:,} events over the p95 "
            f"at {small.events:,}, run *i* of one size against run *i* of the other (median, "
            "lowest–highest); the baselines' own ratio says how much of a difference is the machine's."
        ),
        "",
        (
            f"| measure | p95 ms at {small.events:,} | p95 ms at {large.events:,} | ratio "
            "| its baseline's ratio |"
        ),
        "|---|---|---|---|---|",
    ]
    for names, base in ((IN_PROCESS, IN_PROCESS[0]), (OVER_HTTP, OVER_HTTP[0])):
        for name in names:
            pairs = list(zip(small.runs, large.runs, strict=False))
            ratio = [b.p(name, 0.95) / a.p(name, 0.95) for a, b in pairs]
            based = [b.p(base, 0.95) / a.p(base, 0.95) for a, b in pairs]
            lines.append(
                f"| {name} | {_ms([r.p(name, 0.95) for r in small.runs])} | "
                f"{_ms([r.p(name, 0.95) for r in large.runs])} | {_spread(ratio)} | "
                f"{'—' if name == base else _spread(based)} |"
            )
    return lines


def section(sizes: list[Size], note: str, extra: list[str]) -> str:
    rounds = len(sizes[0].runs[0].timings["current"])
    lines = [
        BEGIN,
        "## A village's score: as it stands, as of a date, as known on a date",
        "",
        (
            "`python -m bench.scores`: "
            + "; ".join(
                f"{s.events:,} events from {s.first_year} to 2026 ({s.directory:,} of them the directory's; "
                f"{s.facts:.0f} scoring facts a village's {YEAR} on average)"
                for s in sizes
            )
            + f". {len(sizes[0].runs)} runs per size of {rounds} rounds, each round one of every measure "
            f"for a random village of {YEAR}: in-process against the raw indexed read of the village's "
            f"facts, over HTTP (uvicorn on loopback, one client) against `/health`. {note}"
        ),
        "",
        *goal_tables(sizes, 50, 1.5),
    ]
    if len(sizes) > 1:
        lines += ["", *growth_table(sizes[0], sizes[-1])]
    lines += [
        "",
        *sizes[-1].profile,
        *([""] if extra else []),
        *extra,
        "",
        "Reproduce with `.venv/bin/python -m bench.scores` (see its docstring).",
        END,
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="250000,1000000", help="history sizes in events, comma-separated, smaller first"
    )
    parser.add_argument("--database", default=rebuild.DATABASE)
    parser.add_argument("--churn", type=int, default=1800, help="directory events about posts to reach")
    parser.add_argument(
        "--per-day", type=int, default=240, help="dispute events a day: a larger size is a longer history"
    )
    parser.add_argument("--rounds", type=int, default=60, help="rounds per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--extra", type=Path, help="markdown put under the tables (e.g. a profile)")
    args = parser.parse_args(argv)
    configure_logging("warning")  # not a line per request
    url = os.environ.get("FENGQIAO_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    sizes = [
        measure_size(url, args.database, int(n), args.churn, args.per_day, args.runs, args.rounds)
        for n in args.sizes.split(",")
    ]
    note = (
        f"Measured {datetime.now(UTC):%Y-%m-%d} on PostgreSQL 15, {os.cpu_count()} cores shared with other "
        "work (the load column: the 1-minute load average at the start and end of each run): read the "
        "ratios, not the milliseconds."
    )
    extra = args.extra.read_text(encoding="utf-8").splitlines() if args.extra else []
    write_section(section(sizes, note, extra), BEGIN, END, args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

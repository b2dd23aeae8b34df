"""Deadlines on time while people are working (issue 15): the clocks under a sustained mixed load,
and a burst of deadlines falling due in the same second, each against bare Temporal timers on the
same server in the same run.

The whole system runs as an operator runs it (`fengqiao run`: the Temporal dev server, a worker,
the dispatcher, the projector and the API) on a PostgreSQL schema of its own, with the shipped
policy but a short grid deadline (`--deadline`, 30 s by default). Beside it, on the same Temporal
server, a worker of bare timers runs in a process of its own (bench/timers.py): a workflow that
only sleeps until given moments and, at each, runs an activity that notes the time — the baseline.

1. Sustained mixed load (`--seconds`, `--clients`, `--rate`): HTTP clients, all together at
   `--rate` commands a second (0: each as fast as the API answers it), each reporting a dispute,
   recording a mediation session on it, reading it, and for one case in four reaching an oral
   agreement between its two reminders (its clock stops; the reminder still to come is no longer
   owed). For every dispute reported the bench starts a bare
   timer sleeping until the same moments: the grid clock's two reminders (0.5 and 0.8 of the
   period) and its due time (`--deadline`). Measured, p50 and p99:
   (a) report → the case's clock workflow started (Temporal's start time), against report → the
       bare timer workflow started (started by the bench itself as soon as the report answered);
       and report → the grid clock recorded by the workflow's first activity;
   (b) due time → escalation recorded (`Dispute.Escalated`: recording time − effective time),
       against due time → the bare timer's activity at that moment;
   (c) reminder due → recorded (`ReminderRecorded`), against the bare timer's reminder moments;
       the reminders owed counted: recorded, recorded late (more than a minute, as a clock's
       explanation says), recorded as skipped, lost (neither: 0 expected).
2. A burst (`--burst` disputes, written straight into the store like bench.dispatch, every report
   stamped with the same instant, so that every grid deadline falls due in the same second,
   `--burst-deadline` seconds after; no reminders, so that only the deadlines fall due), against
   as many bare timers due in that same second. How long the run-up took (every clock recorded,
   every bare timer started) is printed and written: it must end before the due time.

Each part on a fresh Temporal dev server and a fresh schema. The goal (issue 15): p99 of (b)
within 1.5× the bare timers' p99 and under 5 s, and no reminder lost.

    .venv/bin/python -m bench.load                       # 180 s, 20 clients, 6 commands/s; a burst of 2,000
    .venv/bin/python -m bench.load --seconds 0 --burst 10000 --burst-deadline 1500  # the burst alone
    .venv/bin/python -m bench.load --rate 0 --burst 0    # the load alone, as fast as the API answers
    .venv/bin/python -m bench.load --seconds 90 --burst 0 --compare-pollers 5,20   # worker tuning

`--compare-pollers N,M` runs one part twice, the system's worker with N and then M workflow-task
polls (FENGQIAO_WORKER_WORKFLOW_POLLERS), and writes the two side by side in a section of its own.

Needs PostgreSQL (FENGQIAO_BENCH_POSTGRES, by default the local one). Results go to
docs/benchmarks.md between this benchmark's markers (one section per part).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import itertools
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from bench import markers, write_section
from bench.dispatch import report_burst
from bench.timers import BareTimerWorkflow, Moments, Woke
from bench.workers import GRID_RULE, BurstSystem
from domain.disputes.dispute import Dispute
from domain.time.clocks import CaseClocks, clocks_id
from domain.time.explain import LATE
from projections.runner import NotificationReader
from service.casebook import Casebook
from tests.support import GRID, TOKENS, settings_for
from tests.test_end_to_end import RunningSystem, children_of

BEGIN, END = markers("load")
BURST_BEGIN, BURST_END = markers("load", "burst")
HEADING = "## Deadlines on time while people are working (bench/load.py)\n\n"
BURST_HEADING = "## Deadlines falling due in the same second (bench/load.py)\n\n"
FRACTIONS = (0.5, 0.8)  # the shipped grid rule's reminders (the policy's default)
GRID_CLOCK = "dispute.grid"
SAMPLE = 300  # workflows whose histories are read for the stages of the lag
REPORT = {
    "grid": GRID,
    "parties": [{"name": "Zhang San"}, {"name": "Li Si"}],
    "category": "neighbourhood",
    "severity": "minor",
    "description": "A fence moved onto the neighbour's field",
    "occurred_at": "2026-03-01T18:00:00+08:00",
}
AUTH = {role: {"Authorization": f"Bearer {TOKENS[role]}"} for role in ("grid_member", "mediator", "township")}


class LoadSystem(BurstSystem):
    """`fengqiao run` on a schema of its own; the grid's deadline `deadline` seconds, its reminders
    the shipped ones, or none."""

    reminders = True

    @classmethod
    def _policy(cls, var_dir: Path) -> Path:
        folder = RunningSystem._policy(var_dir)
        rule = GRID_RULE.replace("3", str(cls.deadline)) + ("" if cls.reminders else "\nreminders = []")
        fast = (folder / "fast.toml").read_text(encoding="utf-8")
        (folder / "fast.toml").write_text(fast.replace(GRID_RULE, rule), encoding="utf-8")
        return folder


@dataclass
class Running:
    system: LoadSystem
    casebook: Casebook
    client: Client
    bare_queue: str
    env: dict[str, str]  # the store's, for another casebook on it
    timers_pid: int


def spawn_timers(log_path: Path, address: str, task_queue: str) -> subprocess.Popen[bytes]:
    """The bare timers' worker, in a process of its own."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bench.timers", address, task_queue],
            cwd=Path(__file__).resolve().parent.parent,
            stdout=log,
            stderr=log,
        )


@contextlib.asynccontextmanager
async def running(
    postgres: str, deadline: int, reminders: bool, pollers: int | None = None
) -> AsyncIterator[Running]:
    """The system on a fresh schema and Temporal server, and the bare timers' worker beside it;
    the system's worker with `pollers` workflow-task polls, if given, else as configured."""
    schema = f"loadbench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    LoadSystem.deadline, LoadSystem.reminders = deadline, reminders
    try:
        with tempfile.TemporaryDirectory() as var_dir:
            system = LoadSystem(Path(var_dir), postgres, schema)
            if pollers is not None:
                system.env["FENGQIAO_WORKER_WORKFLOW_POLLERS"] = str(pollers)
            timers: subprocess.Popen[bytes] | None = None
            casebook: Casebook | None = None
            try:
                await asyncio.to_thread(system.start)
                address = system.env["FENGQIAO_TEMPORAL_ADDRESS"]
                bare_queue = f"bare-{uuid.uuid4().hex[:8]}"
                timers = spawn_timers(Path(var_dir) / "timers.log", address, bare_queue)
                client = await Client.connect(address, data_converter=pydantic_data_converter)
                settings = settings_for(Path(var_dir), **system.overrides)
                casebook = Casebook(settings.event_store_env())
                yield Running(system, casebook, client, bare_queue, settings.event_store_env(), timers.pid)
            finally:
                if casebook is not None:
                    casebook.close()
                if timers is not None:
                    timers.kill()
                    timers.wait()
                system.kill()
    finally:
        with psycopg.connect(postgres, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


TICK = os.sysconf("SC_CLK_TCK")


def processes(run: Running) -> dict[int, str]:
    """The system's processes (the supervisor's tree) and the bare timers' worker, by what they run."""
    assert run.system.process is not None
    found, todo = {}, [run.system.process.pid]
    while todo:
        pid = todo.pop()
        todo += children_of(pid)
        try:
            argv = (Path("/proc") / str(pid) / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode() for a in argv if a]
        if "server" in words and "start-dev" in words:
            found[pid] = "temporal server"
        elif "infra.cli" in words:
            found[pid] = f"fengqiao {words[words.index('infra.cli') + 1]}"
    found[run.timers_pid] = "bare timers' worker"
    return found


def cpu_seconds(pids: dict[int, str]) -> dict[str, float]:
    """CPU time (user + system) each process has used so far; PostgreSQL's, all its backends'."""
    used: dict[str, float] = collections.defaultdict(float)
    for pid, name in pids.items():
        with contextlib.suppress(OSError):
            fields = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
            used[name] += (int(fields[11]) + int(fields[12])) / TICK
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                stat = (entry / "stat").read_text()
                if "(postgres)" in stat:
                    fields = stat.rsplit(")", 1)[1].split()
                    used["postgres (all its clients')"] += (int(fields[11]) + int(fields[12])) / TICK
    used["the bench (clients, starts)"] = sum(os.times()[:2])
    return dict(used)


def cpu_between(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {k: after.get(k, 0) - before.get(k, 0) for k in after}


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


@dataclass
class Bare:
    """The bare timers started: their moments, and when their workflows were started."""

    moments: dict[str, list[datetime]] = field(default_factory=dict)  # by workflow id
    woke: dict[str, list[float]] = field(default_factory=dict)  # by workflow id: when each activity ran
    pending: set[asyncio.Task[Any]] = field(default_factory=set)

    def start(self, run: Running, key: str, moments: list[datetime]) -> None:
        workflow_id = f"bare-{key}"
        self.moments[workflow_id] = moments
        task = asyncio.create_task(
            run.client.start_workflow(
                BareTimerWorkflow.run, Moments(moments=moments), id=workflow_id, task_queue=run.bare_queue
            )
        )
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)

    async def woken(self, run: Running) -> dict[str, list[float]]:
        """Each bare timer's lags (seconds after each of its moments), once all have run."""
        gate = asyncio.Semaphore(50)

        async def one(workflow_id: str) -> tuple[str, list[float]]:
            async with gate:
                woke: Woke = await run.client.get_workflow_handle(workflow_id, result_type=Woke).result()
            moments, self.woke[workflow_id] = self.moments[workflow_id], woke.at
            return workflow_id, [at - m.timestamp() for at, m in zip(woke.at, moments, strict=True)]

        return dict(await asyncio.gather(*(one(w) for w in self.moments)))


STAGES = (
    "due time → its timer fired (workflows that had a timer for it)",
    "due time → the workflow task that acts on it scheduled",
    "workflow task scheduled → started (waiting for a worker)",
    "workflow task started → completed (the worker's work)",
    "workflow task completed → activity started (waiting for a worker)",
    "activity started → recorded",
)


async def stages(client: Client, due: dict[str, tuple[datetime, datetime]], sample: int) -> list[list[float]]:
    """Where the lag from a due time to its record goes, stage by stage, in the workflows' histories
    (a sample of them): `due` maps a workflow id to its due time and the time its activity recorded it.
    Read backwards from the record: the activity that made it, the workflow task that scheduled that
    activity, and the timer that fired for the due time before that task, if the workflow had one
    (a workflow that learned of the moment only after it came had none)."""
    chosen = random.Random(15).sample(sorted(due), min(sample, len(due)))
    gate = asyncio.Semaphore(20)

    async def one(workflow_id: str) -> list[float | None] | None:
        async with gate:
            history = await client.get_workflow_handle(workflow_id).fetch_history()
        moment, recorded = due[workflow_id]
        by_id = {e.event_id: e for e in history.events}
        made = [
            e
            for e in history.events
            if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED and _time(e) <= recorded
        ]
        if not made:
            return None
        activity = made[-1]
        scheduled = by_id[activity.activity_task_started_event_attributes.scheduled_event_id]
        completed = by_id[scheduled.activity_task_scheduled_event_attributes.workflow_task_completed_event_id]
        started = by_id[completed.workflow_task_completed_event_attributes.started_event_id]
        task = by_id[started.workflow_task_started_event_attributes.scheduled_event_id]
        fired = [
            e
            for e in history.events
            if e.event_type == EventType.EVENT_TYPE_TIMER_FIRED
            and moment - MS <= _time(e) <= _time(task)
            and e.event_id < task.event_id
        ]
        points = [moment, _time(task), _time(started), _time(completed), _time(activity), recorded]
        timer = (_time(fired[0]) - moment).total_seconds() if fired else None
        return [timer] + [(b - a).total_seconds() for a, b in itertools.pairwise(points)]

    found = [s for s in await asyncio.gather(*(one(w) for w in chosen)) if s is not None]
    return [[v[i] for v in found if v[i] is not None] for i in range(len(STAGES))]


MS = timedelta(milliseconds=1)


def _time(event: Any) -> datetime:
    return event.event_time.ToDatetime(tzinfo=UTC)


def due_of_escalations(found: Iterable[Any], cases: set[str]) -> dict[str, tuple[datetime, datetime]]:
    return {
        f"dispute-{e.originator_id}": (e.effective_at, e.timestamp)
        for e in found
        if str(e.originator_id) in cases
    }


def due_of_bare(bare: Bare) -> dict[str, tuple[datetime, datetime]]:
    return {w: (m[-1], datetime.fromtimestamp(bare.woke[w][-1], UTC)) for w, m in bare.moments.items()}


def stage_table(fengqiao: list[list[float]], timers: list[list[float]]) -> str:
    rows = "\n".join(
        f"| {name}{f' ({len(f)} and {len(b)})' if i == 0 else ''} | {quantile(f, 0.5):.2f} "
        f"| {quantile(f, 0.99):.2f} | {quantile(b, 0.5):.2f} | {quantile(b, 0.99):.2f} |"
        for i, (name, f, b) in enumerate(zip(STAGES, fengqiao, timers, strict=True))
    )
    return (
        f"| stage (seconds; {len(fengqiao[1])} and {len(timers[1])} workflows' histories) "
        "| fengqiao p50 | fengqiao p99 | bare p50 | bare p99 |\n|---|---|---|---|---|\n" + rows
    )


async def start_times(client: Client, workflow_type: str) -> dict[str, datetime]:
    found = {}
    async for execution in client.list_workflows(f'WorkflowType="{workflow_type}"'):
        found[execution.id] = execution.start_time
    return found


def events(casebook: Casebook, *topics: str) -> list[Any]:
    return [e for _, e in NotificationReader(casebook).read(0, 10_000_000, topics)]


def grid_ended(casebook: Casebook) -> int:
    """How many grid clocks have ended: missed (escalated) or stopped."""
    ended = events(casebook, CaseClocks.DeadlineMissed.TOPIC, CaseClocks.ClockStopped.TOPIC)
    return len({e.originator_id for e in ended if e.key.startswith(GRID_CLOCK + "@")})


async def wait_for(what: str, done: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await asyncio.to_thread(done):
        if time.monotonic() > deadline:
            raise SystemExit(f"not within {timeout:.0f} s: {what}")
        await asyncio.sleep(1)


# -- 1. the sustained mixed load ------------------------------------------------------------------


@dataclass
class Load:
    reported: dict[str, datetime] = field(default_factory=dict)  # dispute id → reported_at
    agreed: set[str] = field(default_factory=set)
    answered: collections.Counter[str] = field(default_factory=collections.Counter)
    refused: collections.Counter[str] = field(default_factory=collections.Counter)


async def drive(run: Running, bare: Bare, seconds: float, clients: int, deadline: int, rate: float) -> Load:
    """The clients, each as fast as the API answers it, or all together at most `rate` commands a
    second (reads not counted), if `rate`."""
    load = Load()
    began = time.monotonic()
    stop_at = began + seconds
    base = f"http://127.0.0.1:{run.system.api_port}"
    issued = 0

    async def send(api: httpx.AsyncClient, what: str, method: str, path: str, **kw: Any) -> httpx.Response:
        nonlocal issued
        if rate and method == "POST":
            issued += 1
            await asyncio.sleep(max(0.0, began + issued / rate - time.monotonic()))
        response = await api.request(method, path, **kw)
        (load.answered if response.is_success else load.refused)[what] += 1
        return response

    async def one_client(api: httpx.AsyncClient) -> None:
        waiting: collections.deque[tuple[str, float]] = collections.deque()  # to agree on, when
        n = 0
        while time.monotonic() < stop_at:
            reported = await send(
                api, "report", "POST", "/disputes", json=REPORT, headers=AUTH["grid_member"]
            )
            if reported.status_code != 201:
                continue
            dispute = reported.json()
            at = datetime.fromisoformat(dispute["reported_at"])
            load.reported[dispute["id"]] = at
            bare.start(run, dispute["id"], [at + timedelta(seconds=deadline * f) for f in (*FRACTIONS, 1.0)])
            path = f"/disputes/{dispute['id']}"
            session = {"outcome": "adjourned", "notes": "both came"}
            await send(
                api, "session", "POST", f"{path}/mediation-sessions", json=session, headers=AUTH["mediator"]
            )
            await send(api, "read", "GET", path, headers=AUTH["township"])
            if n % 4 == 0:
                waiting.append((dispute["id"], time.monotonic()))
            n += 1
            # An agreement between the two reminders: after 0.6 of the period, before 0.75 of it.
            while waiting and time.monotonic() - waiting[0][1] >= 0.6 * deadline:
                case, since = waiting.popleft()
                if time.monotonic() - since < 0.75 * deadline:
                    body = {"form": "oral", "terms": "fence back"}
                    agreed = await send(
                        api,
                        "agreement",
                        "POST",
                        f"/disputes/{case}/agreement",
                        json=body,
                        headers=AUTH["mediator"],
                    )
                    if agreed.is_success:
                        load.agreed.add(case)

    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as api:
        await asyncio.gather(*(one_client(api) for _ in range(clients)))
    return load


def lags_of(found: Iterable[Any], cases: set[str]) -> list[float]:
    return [(e.timestamp - e.effective_at).total_seconds() for e in found if str(e.originator_id) in cases]


async def mixed(
    postgres: str, seconds: float, clients: int, deadline: int, rate: float, pollers: int | None = None
) -> dict[str, Any]:
    async with running(postgres, deadline, reminders=True, pollers=pollers) as run:
        bare = Bare()
        load_before = os.getloadavg()
        pids = processes(run)
        cpu_before = cpu_seconds(pids)
        started = time.monotonic()
        load = await drive(run, bare, seconds, clients, deadline, rate)
        took = time.monotonic() - started
        load_during = os.getloadavg()
        if bare.pending:
            await asyncio.gather(*bare.pending)
        cases = set(load.reported)
        await wait_for(
            "every grid clock ended", lambda: grid_ended(run.casebook) >= len(cases), deadline + 600
        )
        cpu = cpu_between(cpu_before, cpu_seconds(pids))
        ended = time.monotonic() - started
        woken = await bare.woken(run)
        clock_starts = await start_times(run.client, "CaseClockWorkflow")
        bare_starts = await start_times(run.client, "BareTimerWorkflow")
        found = await asyncio.to_thread(events, run.casebook, Dispute.Escalated.TOPIC)
        escalations = lags_of(found, cases)
        stages_of = await stages(run.client, due_of_escalations(found, cases), SAMPLE)
        stages_bare = await stages(run.client, due_of_bare(bare), SAMPLE)
        stream = {clocks_id("dispute", c): c for c in cases}
        recorded = {
            stream[e.originator_id]: e.timestamp
            for e in await asyncio.to_thread(events, run.casebook, CaseClocks.ClockStarted.TOPIC)
            if e.clock == GRID_CLOCK and e.originator_id in stream
        }
        reminders = await asyncio.to_thread(account_for_reminders, run.casebook, cases)
        to_start = [(clock_starts[f"dispute-{c}"] - at).total_seconds() for c, at in load.reported.items()]
        to_bare = [(bare_starts[f"bare-{c}"] - at).total_seconds() for c, at in load.reported.items()]
        to_recorded = [(recorded[c] - at).total_seconds() for c, at in load.reported.items()]
    commands = sum(load.answered[k] for k in ("report", "session", "agreement"))
    return {
        "clients": clients,
        "rate": rate,
        "seconds": took,
        "cases": len(cases),
        "agreed": len(load.agreed),
        "commands": commands,
        "answered": dict(load.answered),
        "refused": dict(load.refused),
        "to_start": to_start,
        "to_bare_start": to_bare,
        "to_recorded": to_recorded,
        "escalations": escalations,
        "bare_due": [lags[-1] for lags in woken.values()],
        "bare_reminders": [lag for lags in woken.values() for lag in lags[:-1]],
        "load": (load_before[0], load_during[0], os.getloadavg()[0]),
        "cpu": cpu,
        "cpu_window": ended,
        "stages": (stages_of, stages_bare),
        **reminders,
    }


def account_for_reminders(casebook: Casebook, cases: set[str]) -> dict[str, Any]:
    """Every reminder owed by the grid clocks: recorded (and how late), skipped, or lost."""
    lags, skipped, lost, owed = [], 0, 0, 0
    for case in cases:
        clocks = casebook.repository.get(clocks_id("dispute", case))
        [grid] = [c for c in clocks.clocks.values() if c.clock == GRID_CLOCK]
        ended = grid.ended_at or datetime.now(UTC)
        owed += sum(1 for at in grid.reminders_at if at <= ended and at < grid.due_at)
        lags += [(r["recorded_at"] - r["at"]).total_seconds() for r in grid.reminders_sent]
        skipped += len(grid.reminders_skipped)
        lost += len(grid.reminders_owed(ended))
    return {
        "reminder_lags": lags,
        "reminders_owed": owed,
        "reminders_late": sum(1 for lag in lags if lag > LATE.total_seconds()),
        "reminders_skipped": skipped,
        "reminders_lost": lost,
    }


# -- 2. a burst of deadlines in the same second ---------------------------------------------------


def grid_clocks_started(casebook: Casebook) -> int:
    return sum(1 for e in events(casebook, CaseClocks.ClockStarted.TOPIC) if e.clock == GRID_CLOCK)


async def burst(postgres: str, cases: int, deadline: int, pollers: int | None = None) -> dict[str, Any]:
    async with running(postgres, deadline, reminders=False, pollers=pollers) as run:
        load_before = os.getloadavg()
        instant = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
        due = instant + timedelta(seconds=deadline)
        # The same store as the system's, every report stamped with the same instant: every grid
        # clock starts then, and every deadline falls due at `due`.
        stamped = Casebook(run.env, clock=lambda: instant)
        started = time.monotonic()
        try:
            ids = await asyncio.to_thread(report_burst, stamped, cases)
        finally:
            stamped.close()
        reported = time.monotonic() - started
        bare = Bare()
        gate = asyncio.Semaphore(32)

        async def start_one(key: str) -> None:
            async with gate:
                workflow_id = f"bare-{key}"
                bare.moments[workflow_id] = [due]
                await run.client.start_workflow(
                    BareTimerWorkflow.run, Moments(moments=[due]), id=workflow_id, task_queue=run.bare_queue
                )

        await asyncio.gather(*(start_one(c) for c in ids))
        bare_started = time.monotonic() - started
        await wait_for(
            "every grid clock recorded", lambda: grid_clocks_started(run.casebook) >= cases, deadline + 600
        )
        run_up = time.monotonic() - started
        pids = processes(run)
        ahead = (due - datetime.now(UTC)).total_seconds()
        print(
            f"burst of {cases}: reported in {reported:.1f} s, bare timers started by {bare_started:.1f} s, "
            f"every clock recorded by {run_up:.1f} s; the deadline falls due {ahead:.1f} s later",
            flush=True,
        )
        await asyncio.sleep(max(0.0, ahead - 1))
        cpu_before, window = cpu_seconds(pids), time.monotonic()
        await wait_for("every grid clock ended", lambda: grid_ended(run.casebook) >= cases, ahead + 900)
        cpu, window = cpu_between(cpu_before, cpu_seconds(pids)), time.monotonic() - window
        woken = await bare.woken(run)
        found = await asyncio.to_thread(events, run.casebook, Dispute.Escalated.TOPIC)
        escalations = lags_of(found, set(ids))
        stages_of = await stages(run.client, due_of_escalations(found, set(ids)), SAMPLE)
        stages_bare = await stages(run.client, due_of_bare(bare), SAMPLE)
        clocks = [e for e in await asyncio.to_thread(events, run.casebook, CaseClocks.ClockStarted.TOPIC)]
    return {
        "cases": cases,
        "deadline": deadline,
        "reported": reported,
        "run_up": run_up,
        "ahead": ahead,
        "due_elsewhere": sum(1 for e in clocks if e.clock == GRID_CLOCK and e.due_at != due),
        "escalations": escalations,
        "bare": [lags[0] for lags in woken.values()],
        "load": (load_before[0], os.getloadavg()[0]),
        "cpu": cpu,
        "cpu_window": window,
        "stages": (stages_of, stages_bare),
    }


# -- the tables -----------------------------------------------------------------------------------


def row(label: str, measured: list[float], baseline: list[float] | None, q: float) -> str:
    m = quantile(measured, q)
    if baseline is None:
        return f"| {label} | {m:.2f} | – | – |"
    b = quantile(baseline, q)
    return (
        f"| {label} | {m:.2f} | {b:.2f} | {m / b:.2f}× |" if b > 0 else f"| {label} | {m:.2f} | {b:.2f} | – |"
    )


def cpu_table(cpu: dict[str, float], window: float) -> str:
    rows = "\n".join(
        f"| {name} | {used:.1f} | {used / window:.2f} |"
        for name, used in sorted(cpu.items(), key=lambda i: -i[1])
    )
    return f"| process | CPU seconds | cores, on average |\n|---|---|---|\n{rows}"


def verdict(escalations: list[float], bare: list[float]) -> str:
    p99, b99 = quantile(escalations, 0.99), quantile(bare, 0.99)
    within = p99 <= 1.5 * b99
    under = p99 < 5
    met = "met" if within and under else "missed"
    return (
        f"Goal (p99 of due → escalation within 1.5× the bare timers' p99 and under 5 s): **{met}** — "
        f"{p99:.2f} s is {p99 / b99:.2f}× the bare timers' {b99:.2f} s"
        + ("" if under else f", {p99 / 5:.1f}× the 5 s")
        + "."
    )


def mixed_part(r: dict[str, Any]) -> list[str]:
    rate = r["commands"] / r["seconds"]
    pace = f"paced at {r['rate']:g} commands/s in all" if r["rate"] else "each as fast as the API answers it"
    intro = (
        f"**Sustained mixed load**: {r['clients']} HTTP clients for {r['seconds']:.0f} s, {pace}, each in "
        "turn reporting a dispute, recording a session on it, reading it, and reaching an oral agreement "
        f"on one case in four between its reminders: {r['cases']} disputes ({r['agreed']} agreed), "
        f"{r['commands']} commands acknowledged ({rate:.1f}/s), {r['answered'].get('read', 0)} reads, "
        f"{sum(r['refused'].values())} refused; grid deadline {r['deadline']} s, reminders at 0.5 and 0.8 "
        f"of it. Load average {r['load'][0]:.1f} before, {r['load'][1]:.1f} when the load ended, "
        f"{r['load'][2]:.1f} after. Seconds:"
    )
    rows = [
        row("(a) report → clock workflow started, p50", r["to_start"], r["to_bare_start"], 0.5),
        row("(a) report → clock workflow started, p99", r["to_start"], r["to_bare_start"], 0.99),
        row("report → grid clock recorded by the workflow, p50", r["to_recorded"], None, 0.5),
        row("report → grid clock recorded by the workflow, p99", r["to_recorded"], None, 0.99),
        row("(b) due time → escalation recorded, p50", r["escalations"], r["bare_due"], 0.5),
        row("(b) due time → escalation recorded, p99", r["escalations"], r["bare_due"], 0.99),
        row("(c) reminder due → recorded, p50", r["reminder_lags"], r["bare_reminders"], 0.5),
        row("(c) reminder due → recorded, p99", r["reminder_lags"], r["bare_reminders"], 0.99),
    ]
    note = (
        "For (a) the bare timer's workflow is started by the bench itself as soon as the report is "
        "answered; the clock workflow by the dispatcher, following the log."
    )
    reminders = (
        f"Reminders owed: {r['reminders_owed']}; recorded {len(r['reminder_lags'])} "
        f"({r['reminders_late']} of them late, more than {LATE.total_seconds():.0f} s after they came), "
        f"recorded as skipped {r['reminders_skipped']}, **lost {r['reminders_lost']}**."
    )
    cpu = (
        "Where the CPU went, from the load's start until every grid clock had ended "
        f"({r['cpu_window']:.0f} s; 2 cores, shared with other work):"
    )
    return [
        intro,
        HEAD + "\n".join(rows),
        note,
        reminders,
        verdict(r["escalations"], r["bare_due"]),
        cpu,
        cpu_table(r["cpu"], r["cpu_window"]),
        STAGES_NOTE,
        stage_table(*r["stages"]),
    ]


def burst_part(r: dict[str, Any]) -> list[str]:
    n = f"{r['cases']:,}"
    intro = (
        f"**{n} deadlines due in the same second**: {n} disputes written straight into the store in "
        f"{r['reported']:.0f} s, every one stamped with the same instant, its grid deadline "
        f"{r['deadline']} s later (no reminders); every clock workflow started and its clock recorded "
        f"{r['run_up']:.0f} s after the first report, {r['ahead']:.0f} s before the due time "
        f"({r['due_elsewhere']} clocks due at another time). Against {n} bare timers due in the same "
        f"second. Load average {r['load'][0]:.1f} before, {r['load'][1]:.1f} after. Seconds after due:"
    )
    rows = [
        row("due time → escalation recorded, p50", r["escalations"], r["bare"], 0.5),
        row("due time → escalation recorded, p99", r["escalations"], r["bare"], 0.99),
        row("due time → the last", r["escalations"], r["bare"], 1.0),
    ]
    cpu = (
        "Where the CPU went, from a second before the due time until the last escalation "
        f"({r['cpu_window']:.0f} s):"
    )
    return [
        intro,
        HEAD + "\n".join(rows),
        verdict(r["escalations"], r["bare"]),
        cpu,
        cpu_table(r["cpu"], r["cpu_window"]),
        STAGES_NOTE,
        stage_table(*r["stages"]),
    ]


STAGES_NOTE = (
    "Where the lag from a due time to its record goes, stage by stage, from the workflows' histories "
    "(the timer's firing, the workflow task that handles it, the activity it schedules, and the "
    "activity's own time until the record — the escalation's recording time, or the bare timer's note):"
)
HEAD = "| measure | fengqiao | bare timers, same run | ratio |\n|---|---|---|---|\n"


def table(part: list[str], begin: str, end: str) -> str:
    machine = (
        f"CPython {platform.python_version()}, {os.cpu_count()} cores shared with other work, PostgreSQL."
    )
    return begin + "\n" + "\n\n".join([machine, *part]) + "\n" + end + "\n"


def compare_part(
    name: str, before: dict[str, Any], after: dict[str, Any], polls: tuple[int, int]
) -> list[str]:
    def rows(key: str, bare: str) -> list[str]:
        out = []
        for q, label in ((0.5, "p50"), (0.99, "p99")):
            b, a = quantile(before[key], q), quantile(after[key], q)
            out.append(f"| due time → escalation recorded, {label} | {b:.2f} | {a:.2f} | {a / b:.2f}× |")
            b, a = quantile(before[bare], q), quantile(after[bare], q)
            out.append(f"| bare timers in the same pass, {label} | {b:.2f} | {a:.2f} | {a / b:.2f}× |")
        b = quantile(before[key], 0.99) / quantile(before[bare], 0.99)
        a = quantile(after[key], 0.99) / quantile(after[bare], 0.99)
        out.append(f"| p99 ÷ the bare timers' p99 | {b:.2f}× | {a:.2f}× | {a / b:.2f}× |")
        return out

    bare = "bare_due" if "bare_due" in before else "bare"
    head = (
        f"| measure (seconds) | {polls[0]} workflow-task polls | {polls[1]} | {polls[1]} ÷ {polls[0]} |\n"
        "|---|---|---|---|\n"
    )
    load = (
        f"load average {before['load'][0]:.1f} before the first pass, {after['load'][-1]:.1f} after the last"
    )
    intro = (
        f"**The worker's workflow-task polls, {polls[0]} (the SDK's default) against {polls[1]}**, "
        f"the {name} run twice in one run, each pass on a fresh Temporal server and schema; the bare "
        f"timers' worker keeps the SDK's defaults in both; {load}:"
    )
    return [intro, head + "\n".join(rows("escalations", bare))]


async def main_async(args: argparse.Namespace) -> None:
    postgres = os.environ.get("FENGQIAO_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    if args.compare_pollers:
        polls = tuple(int(n) for n in args.compare_pollers.split(","))
        if args.burst > 0:
            passes = [await burst(postgres, args.burst, args.burst_deadline, pollers=n) for n in polls]
            name = f"burst of {args.burst:,} deadlines"
        else:
            passes = []
            for n in polls:
                result = await mixed(
                    postgres, args.seconds, args.clients, args.deadline, args.rate, pollers=n
                )
                result["deadline"] = args.deadline
                print(f"{n} workflow-task polls:\n" + table(mixed_part(result), "", ""), flush=True)
                passes.append(result)
            name = f"mixed load ({args.seconds:.0f} s at {args.rate:g} commands/s)"
        begin, end = markers("load", "pollers")
        block = table(compare_part(name, passes[0], passes[1], polls), begin, end)
        print(block, flush=True)
        if not args.no_write:
            write_section(block, begin, end, heading="")
        return
    if args.seconds > 0:
        result = await mixed(postgres, args.seconds, args.clients, args.deadline, args.rate)
        result["deadline"] = args.deadline
        block = table(mixed_part(result), BEGIN, END)
        print(block, flush=True)
        if not args.no_write:
            write_section(block, BEGIN, END, heading=HEADING)
    if args.burst > 0:
        block = table(
            burst_part(await burst(postgres, args.burst, args.burst_deadline)), BURST_BEGIN, BURST_END
        )
        print(block, flush=True)
        if not args.no_write:
            write_section(block, BURST_BEGIN, BURST_END, heading=BURST_HEADING)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180, help="how long the mixed load runs (0: none)")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument(
        "--rate",
        type=float,
        default=6,
        help="commands a second, all clients together (0: as fast as answered)",
    )
    parser.add_argument("--deadline", type=int, default=30, help="the grid deadline under load, seconds")
    parser.add_argument("--burst", type=int, default=2000, help="deadlines due in the same second (0: none)")
    parser.add_argument("--burst-deadline", type=int, default=360, help="the burst's grid deadline, seconds")
    parser.add_argument(
        "--compare-pollers",
        metavar="N,M",
        help="the burst (or, with --burst 0, the load) twice: the worker with N, then M workflow-task polls",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()

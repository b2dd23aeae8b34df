"""The followers of the log (the read models and the dispatcher) never stop silently: they start
together on a fresh PostgreSQL database, go on after their connections are dropped, give up
loudly (the projector exits 1) when they cannot recover, and /health and /ready say when one is
dead or lagging. Verification changes nothing and says how far behind the live model is.

The PostgreSQL faults are made for real: backends of the test's own database are terminated
(what a restart of the server does to every connection); the server itself is never restarted."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import structlog.testing
from fastapi.testclient import TestClient

from domain.disputes.dispute import Category, Severity
from infra import components
from infra.bootstrap import System, bootstrap
from infra.settings import Settings
from projections import followers, tracking
from projections.followers import Retry
from projections.node_statistics import NodeStatistics
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from service.store import CommandMeta
from tests.conftest import _pg_settings
from tests.support import GRID, TOKENS, VILLAGE, Clock, person, settings_for, wait_until
from workflows.dispatcher import Dispatcher

TOWNSHIP = {"Authorization": f"Bearer {TOKENS['township']}"}
QUICK = Retry(first=0.01, longest=0.05, give_up_after=0.3)


def report(system: System) -> None:
    system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": "A"}, {"name": "B"}],
        category=Category.LABOUR,
        severity=Severity.GENERAL,
        description="unpaid wages",
        occurred_at=system.casebook.clock() - timedelta(days=1),
        meta=CommandMeta(),
    )


class Temporal:
    """Stands in for the Temporal client: records the starts and signals the dispatcher sends."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.signalled: list[str] = []

    async def start_workflow(self, _run: Any, _arg: Any, *, id: str, **_: Any) -> Any:
        self.started.append(id)
        return SimpleNamespace(result_run_id="run")

    def get_workflow_handle(self, workflow_id: str) -> Any:
        async def signal(*_: Any) -> None:
            self.signalled.append(workflow_id)

        return SimpleNamespace(signal=signal)


class Running:
    """The projector's read models and the dispatcher, following the log on threads of the test."""

    def __init__(self, system: System, poll_interval: float = 0.05, retry: Retry | None = None) -> None:
        self.system = system
        self.temporal = Temporal()
        self.stopping = threading.Event()
        self.failed: list[str] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._dispatcher_stop: asyncio.Event | None = None
        self._threads = [
            threading.Thread(target=self._follow, args=(poll_interval, retry), daemon=True),
            threading.Thread(target=self._dispatch, args=(poll_interval, retry), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def _follow(self, poll_interval: float, retry: Retry | None) -> None:
        self.failed = components.follow(self.system, self.stopping, poll_interval, retry)

    def _dispatch(self, poll_interval: float, retry: Retry | None) -> None:
        async def run() -> None:
            self._loop, self._dispatcher_stop = asyncio.get_running_loop(), asyncio.Event()
            dispatcher = Dispatcher(
                self.system.reader,
                self.system.views,
                self.temporal,
                task_queue="q",  # type: ignore[arg-type]
            )
            await dispatcher.run(self._dispatcher_stop, poll_interval, retry)

        asyncio.run(run())

    def stop(self) -> None:
        self.stopping.set()
        wait_until(lambda: self._loop is not None, 10, "the dispatcher's loop")
        assert self._loop is not None and self._dispatcher_stop is not None
        self._loop.call_soon_threadsafe(self._dispatcher_stop.set)
        for thread in self._threads:
            thread.join(30)
            assert not thread.is_alive()


def states(system: System, **bounds: Any) -> dict[str, str]:
    with system.views.reading() as cur:
        found = followers.statuses(
            cur,
            system.followers,
            system.reader.head(),
            max_lag=bounds.get("max_lag", 0),
            silence=bounds.get("silence", 60),
            now=bounds.get("now"),
        )
    return {f.name: f.state for f in found}


def all_caught_up(system: System) -> bool:
    try:
        return set(states(system).values()) == {"running"}
    except Exception:  # noqa: BLE001 - the tables may not exist yet, or the connection is being dropped
        return False


def village_reported(system: System) -> int:
    with system.views.reading() as cur:
        return system.statistics.village(cur, VILLAGE)["reported"]


# -- PostgreSQL, faults made for real ---------------------------------------------------------


@pytest.fixture(params=[pytest.param("postgres", marks=pytest.mark.postgres)])
def pg(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[System]:
    """A seeded system on a fresh PostgreSQL schema: no read-model table exists yet."""
    settings = _pg_settings(request.getfixturevalue("pg_database"), tmp_path)
    settings = settings.model_copy(update={"pg_connect_timeout": 1})  # a down database is seen soon
    built = bootstrap(settings, Clock(datetime.now(UTC)))
    built.seed()
    yield built
    built.close()


@contextmanager
def database_down(settings: Settings) -> Iterator[None]:
    """The test's own database refuses connections (and drops those it had) until the block ends."""
    with _admin(settings, "postgres") as admin:
        admin.execute(f'ALTER DATABASE "{settings.pg_dbname}" WITH ALLOW_CONNECTIONS false')
        try:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (settings.pg_dbname,),
            )
            yield
        finally:
            admin.execute(f'ALTER DATABASE "{settings.pg_dbname}" WITH ALLOW_CONNECTIONS true')


def _admin(settings: Settings, dbname: str) -> Any:
    import psycopg

    return psycopg.connect(
        host=settings.pg_host,
        port=settings.pg_port,
        user=settings.pg_user,
        password=settings.pg_password,
        dbname=dbname,
        autocommit=True,
    )


def terminate_backends(settings: Settings) -> int:
    """What a restart of PostgreSQL does to every connection, done to the test's own database only."""
    import psycopg

    with psycopg.connect(
        host=settings.pg_host,
        port=settings.pg_port,
        user=settings.pg_user,
        password=settings.pg_password,
        dbname=settings.pg_dbname,
        autocommit=True,
    ) as admin:
        row = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (settings.pg_dbname,),
        ).fetchone()
    assert row is not None
    return int(row[0])


def test_the_shared_tables_are_made_once_when_every_part_starts_at_the_same_moment(pg: System):
    # The API, the dispatcher and each read model prepare the read-model tables when they start.
    parts = 6
    together = threading.Barrier(parts)
    failures: list[BaseException] = []

    def start() -> None:
        together.wait()
        try:
            followers.prepare(pg.views, pg.projections)
        except BaseException as failure:  # noqa: BLE001
            failures.append(failure)

    threads = [threading.Thread(target=start) for _ in range(parts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures


def test_every_read_model_follows_the_log_after_a_first_start_on_a_fresh_database(pg: System):
    report(pg)
    running = Running(pg)
    try:
        wait_until(lambda: all_caught_up(pg), 30, "every follower running and caught up")
        assert village_reported(pg) == 1
        assert running.failed is None
    finally:
        running.stop()


@pytest.mark.http
def test_the_followers_and_the_api_go_on_after_every_connection_to_the_database_is_dropped(pg: System):
    # As in production, the API is a process of its own, with pools of its own.
    front = bootstrap(pg.settings, pg.casebook.clock)
    report(front)
    running = Running(pg)
    try:
        with TestClient(_api(front)) as api:
            wait_until(lambda: all_caught_up(pg), 30, "every follower running and caught up")
            assert api.get(f"/villages/{VILLAGE}/statistics", headers=TOWNSHIP).status_code == 200
            started = len(running.temporal.started)

            assert terminate_backends(pg.settings) > 0  # the API's, the followers', the store's
            answer = api.get(f"/villages/{VILLAGE}/statistics", headers=TOWNSHIP)
            assert answer.status_code == 200, answer.text  # a dead pooled connection is not handed out
            report(front)  # the event store's pooled connections were dropped too

            wait_until(lambda: village_reported(pg) == 2, 30, "the statistics counting the new dispute")
            wait_until(lambda: len(running.temporal.started) == started + 1, 30, "the dispatcher going on")
            with structlog.testing.capture_logs() as said, database_down(pg.settings):
                # A restart's downtime: no connection is accepted until it ends.
                def retrying(what: str) -> bool:
                    return any(e["event"] == f"{what}.retrying" for e in list(said))

                wait_until(lambda: retrying("dispatcher"), 60, "the dispatcher retrying")
                wait_until(lambda: retrying("projection"), 60, "the read models retrying")
            report(front)
            wait_until(lambda: village_reported(pg) == 3, 30, "the statistics counting the third")
            wait_until(lambda: len(running.temporal.started) == started + 2, 30, "the dispatcher going on")
            wait_until(lambda: all_caught_up(pg), 30, "every follower running and caught up again")
            assert running.failed is None
            # the API's own pool reconnects with back-off after an outage: ready once it has
            wait_until(lambda: api.get("/ready").status_code == 200, 60, "the API ready again")
    finally:
        running.stop()
        front.close()


def _api(system: System) -> Any:
    from api.app import create_api

    return create_api(system)


# -- either store -----------------------------------------------------------------------------


@pytest.mark.http
def test_a_read_model_that_cannot_recover_gives_up_and_the_projector_exits_1(
    system: System, monkeypatch: pytest.MonkeyPatch
):
    report(system)

    def broken(self: Any, cur: Any, events: Any) -> None:
        cur.execute("SELECT * FROM a_table_that_is_not_there")

    monkeypatch.setattr(NodeStatistics, "apply", broken)
    monkeypatch.setattr(components.signal, "signal", lambda *_: None)  # the test runs it on its thread
    with pytest.raises(SystemExit) as exited:
        components.run_projector(system.settings, retry=QUICK)
    assert exited.value.code == 1
    said = states(system)
    assert said[system.node_statistics.name] == "failed"
    assert said[system.statistics.name] == "stopped"  # the others were stopped with it
    with TestClient(_api(system)) as api:
        answer = api.get("/ready")
        assert answer.status_code == 503
        assert any(r.startswith(f"{system.node_statistics.name}: failed") for r in answer.json()["reasons"])
        health = api.get("/health")
        assert health.status_code == 200 and health.json()["status"] == "degraded"


@pytest.mark.http
def test_ready_only_when_every_follower_runs_within_the_lag_bound(tmp_path: Path, clock: Clock):
    system = bootstrap(settings_for(tmp_path, ready_max_lag=1), clock)
    system.seed()
    with TestClient(_api(system)) as api:
        answer = api.get("/ready")
        assert answer.status_code == 503
        assert sorted(r.split(":")[0] for r in answer.json()["reasons"]) == sorted(system.followers)
        assert all("not started" in r for r in answer.json()["reasons"])
        assert api.get("/health").json()["status"] == "degraded"

        running = Running(system, poll_interval=60)  # each catches up, then waits a minute
        try:
            wait_until(lambda: api.get("/ready").status_code == 200, 30, "ready")
            assert api.get("/health").json()["status"] == "ok"
            report(system)
            report(system)
            lagging = api.get("/ready")
            assert lagging.status_code == 503
            assert {f["state"] for f in lagging.json()["followers"]} == {"lagging"}
            assert all(f["behind"] >= 2 for f in lagging.json()["followers"])
        finally:
            running.stop()
        stopped = api.get("/ready")
        assert stopped.status_code == 503
        assert {f["state"] for f in stopped.json()["followers"]} == {"stopped"}
    system.close()


def test_a_follower_not_heard_from_for_longer_than_the_silence_bound_is_taken_for_dead(system: System):
    running = Running(system, poll_interval=60)
    try:
        wait_until(lambda: all_caught_up(system), 30, "every follower running")
        assert set(states(system, now=time.time() + 61, silence=60).values()) == {"silent"}
    finally:
        running.stop()


def test_verification_changes_nothing_and_says_how_far_behind_the_log_the_live_model_is(system: System):
    for _ in range(5):
        report(system)
    live = ProjectionRunner(system.reader, system.views, system.statistics, batch_size=2)
    live.setup()
    live.step()  # then it froze
    frozen = live.position()
    with system.views.reading() as cur:
        rows_before = system.statistics.rows(cur)
    found = rebuild(system.reader, system.views, system.statistics, switch=False)
    assert found.equal and not found.switched
    assert live.position() == frozen, "verification moved the live read model"
    with system.views.reading() as cur:
        assert system.statistics.rows(cur) == rows_before
    assert found.live_position == frozen and found.head == system.reader.head()
    assert found.behind == 3  # the three reports it has not applied
    with system.views.reading() as cur:
        assert tracking.position(cur, system.statistics.name) == frozen

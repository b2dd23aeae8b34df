"""Fixtures: every store-backed test runs on SQLite, and on PostgreSQL when it is switched on.

PostgreSQL tests run when FENGQIAO_TEST_POSTGRES holds a libpq URL of a role that may
create databases, e.g. postgresql://postgres@127.0.0.1:5432/postgres (what .ci/run uses).
Each test session creates a database of its own and drops it at the end; each test gets
a fresh schema in it. Unset, the PostgreSQL variants are skipped with that reason.

A seeded store is seeded once per session and copied for each test (tests/seeds.py).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from fastapi.testclient import TestClient

from infra.bootstrap import System, bootstrap
from infra.settings import Settings
from tests import support
from tests.seeds import Seeds
from tests.support import Clock, Interleaved, settings_for

# A test that runs the command line in-process configures logging as a component does, with
# loggers cached on first use; a cached logger no longer sees structlog.testing.capture_logs, so
# every later test that reads the logs would read nothing. In tests, loggers are never cached.
_configure = structlog.configure


def _configure_uncached(*args: object, **kwargs: object) -> None:
    kwargs["cache_logger_on_first_use"] = False
    _configure(*args, **kwargs)  # type: ignore[arg-type]


structlog.configure = _configure_uncached

PG_URL = os.environ.get("FENGQIAO_TEST_POSTGRES", "").strip()


@pytest.fixture(scope="session")
def pg_database() -> Iterator[dict[str, object]]:
    if not PG_URL:
        pytest.skip("PostgreSQL tests are off: set FENGQIAO_TEST_POSTGRES to a libpq URL")
    import psycopg
    from psycopg.conninfo import conninfo_to_dict

    name = f"fengqiao_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    params = conninfo_to_dict(PG_URL)
    yield {
        "pg_host": params.get("host", "127.0.0.1"),
        "pg_port": int(params.get("port", 5432)),
        "pg_user": params.get("user", "postgres"),
        "pg_password": params.get("password", ""),
        "pg_dbname": name,
    }
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _pg_settings(pg_database: dict[str, object], tmp_path: Path) -> Settings:
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    settings = settings_for(
        tmp_path,
        store="postgres",
        pg_schema=schema,
        **pg_database,
    )
    with psycopg.connect(
        host=settings.pg_host,
        port=settings.pg_port,
        user=settings.pg_user,
        password=settings.pg_password,
        dbname=settings.pg_dbname,
        autocommit=True,
    ) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return settings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "postgres":
        return _pg_settings(request.getfixturevalue("pg_database"), tmp_path)
    return settings_for(tmp_path, store="sqlite")


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path, store="sqlite")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The test's clock: the business time of commands, and the recording time of the events
    they record (the event store stamps events with the library's clock: this is that clock)."""
    import eventsourcing.domain

    now = Clock()
    monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: now.now)
    return now


@pytest.fixture(scope="session")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    """The seeded template stores of the session (tests/seeds.py): seeded once, copied per test."""
    return Seeds(tmp_path_factory.mktemp("seeds"))


def seeded(settings: Settings, clock: Clock) -> System:
    """A system seeded afresh (a test with the `seeds` fixture gets a copy of a seeded one)."""
    built = bootstrap(settings, clock)
    built.seed()
    return built


@pytest.fixture
def system(settings: Settings, clock: Clock, seeds: Seeds) -> Iterator[System]:
    """A system whose directory holds config/dev.toml, in effect from the file's `since`, and
    whose policy, calendars and templates are the shipped ones, recorded at the clock's time."""
    built = seeds.system(settings, clock, stamped=True)
    yield built
    built.close()


@pytest.fixture
def sqlite_system(sqlite_settings: Settings, clock: Clock, seeds: Seeds) -> Iterator[System]:
    built = seeds.system(sqlite_settings, clock, stamped=True)
    yield built
    built.close()


@pytest.fixture
def sqlite(tmp_path: Path, seeds: Seeds) -> Iterator[tuple[System, Clock]]:
    """A seeded system on SQLite with a clock of its own, for the time-skipping tests (which set
    the clock to the test server's time; the event store stamps events with the real time)."""
    clock = Clock()
    built = seeds.system(settings_for(tmp_path), clock, stamped=False)
    yield built, clock
    built.close()


@pytest.fixture
def rival(system: System) -> Iterator[Interleaved]:
    """A second casebook on the same store, to interleave a competing command with a test's."""
    rival = Interleaved(
        system.settings.event_store_env(), system.casebook.clock, id_key=system.casebook.id_key
    )
    yield rival
    rival.close()


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    """The HTTP API over the `system` fixture (a test module may define its own)."""
    from api.app import create_api

    with TestClient(create_api(system)) as client:
        yield client


_client_init = TestClient.__init__


def _marked_client(self: TestClient, *args: object, **kwargs: object) -> None:
    """A TestClient only in a test marked http (make test-fast leaves those out)."""
    test = support.current_test
    if test is not None and test.get_closest_marker("http") is None:
        raise AssertionError(f"{test.nodeid} goes through the HTTP API: mark it @pytest.mark.http")
    _client_init(self, *args, **kwargs)  # type: ignore[arg-type]


TestClient.__init__ = _marked_client  # type: ignore[method-assign]


@pytest.hookimpl(tryfirst=True)  # before -m selects by markers
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that goes through the HTTP API is marked http: one that takes the `api` fixture,
    or lives in a test_*_api.py or test_web*.py file (a test that builds a TestClient itself
    says so itself)."""
    for item in items:
        name = item.path.name
        if (
            "api" in getattr(item, "fixturenames", ())
            or name.endswith("_api.py")
            or name.startswith("test_web")
        ):
            item.add_marker(pytest.mark.http)


@pytest.hookimpl(tryfirst=True)  # before the test's fixtures are set up
def pytest_runtest_setup(item: pytest.Item) -> None:
    support.current_test = item  # for tests/timeskipping.py, which checks the test's markers


def pytest_runtest_teardown(item: pytest.Item) -> None:
    support.current_test = None


def pytest_report_header() -> str:
    if PG_URL:
        return f"PostgreSQL tests: on ({PG_URL})"
    return "PostgreSQL tests: off (set FENGQIAO_TEST_POSTGRES, e.g. postgresql://postgres@127.0.0.1:5432/postgres)"


@pytest.fixture(scope="session", autouse=True)
def time_skipping_server() -> Iterator[None]:
    """Stops the session's shared time-skipping test server, if a test started one
    (tests/timeskipping.py; not imported by a run without workflow tests)."""
    yield
    shared = sys.modules.get("tests.timeskipping")
    if shared is not None:
        shared.stop()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run that passed nothing, or that was asked for PostgreSQL and ran none of it, fails."""
    if exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    passed = [r.nodeid for r in reporter.stats.get("passed", [])] if reporter else []
    wanted_pg = PG_URL and any(item.get_closest_marker("postgres") for item in session.items)
    problem = None
    if not passed:
        problem = "no test passed"
    elif wanted_pg and not any("[postgres" in nodeid for nodeid in passed):
        problem = "FENGQIAO_TEST_POSTGRES is set but no PostgreSQL test passed"
    if problem:
        if reporter:
            reporter.write_line(f"FAILED: {problem}", red=True, bold=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Keeps each phase's report on the test item, so that a fixture's teardown can tell whether
    the test failed (the browser journeys save screenshots then)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report

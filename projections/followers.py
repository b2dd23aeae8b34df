"""The followers of the notification log (the read models and the dispatcher): the shared tables
they need, made once; how each keeps going through database failures; and what each says about
itself, so that /health and /ready in another process can tell a follower that runs from one that
is dead, retrying or lagging.

Each follower writes a heartbeat row (`fq_followers`): its state, the last notification it has
seen (applied, or read past because it is not among its topics) and when it last said so. A
follower that stops writing — its process or thread died — is silent once its last word is older
than the silence bound."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import structlog

from infra.sql import Cursor, Database
from projections import tracking

log = structlog.get_logger()

HEARTBEAT_DDL = (
    "CREATE TABLE IF NOT EXISTS fq_followers (name TEXT PRIMARY KEY, state TEXT NOT NULL, "
    "seen BIGINT NOT NULL, beat_at DOUBLE PRECISION NOT NULL, detail TEXT NOT NULL)"
)
HEARTBEAT_SECONDS = 5.0  # an idle follower says it is alive this often
DDL_LOCK = 4_707_101  # PostgreSQL advisory lock key serialising the read models' DDL across processes

SILENCE_SECONDS = 30.0  # a follower not heard from for longer is taken for dead
DISPATCHER = "dispatcher"  # the dispatcher's name among the followers (and its tracking row)

RUNNING, RETRYING, FAILED, STOPPED = "running", "retrying", "failed", "stopped"


def prepare(
    db: Database, projections: Sequence[Any] = (), also: Sequence[Callable[[Cursor], None]] = ()
) -> None:
    """Creates the tables every follower shares (tracking, heartbeats) and each read model's own,
    in one transaction, before any follower starts. On PostgreSQL the DDL is serialised by an
    advisory lock: `CREATE TABLE IF NOT EXISTS` run at once by several sessions on a new table
    fails in all but one (a unique violation on `pg_type_typname_nsp_index`)."""
    with db.transaction() as cur:
        if cur.dialect == "postgres":
            cur.execute("SELECT pg_advisory_xact_lock(?)", (DDL_LOCK,))
        tracking.create_table(cur)
        cur.execute(HEARTBEAT_DDL)
        for projection in projections:
            projection.create(cur)
        for create in also:  # other tables the API shares (sessions, sign-in failures)
            create(cur)


class FollowerFailed(Exception):
    """A follower gave up: it failed for longer than its retry budget."""


@dataclass(frozen=True)
class Retry:
    """Back-off between attempts after a failure, doubling from `first` to `longest`; after
    failing without a success for `give_up_after` seconds the follower gives up, so that its
    process exits and is restarted by whatever supervises it."""

    first: float = 0.5
    longest: float = 15.0
    give_up_after: float = 120.0

    def delay(self, attempt: int) -> float:
        return min(self.longest, self.first * 2 ** max(0, attempt - 1))


class Heartbeat:
    """What one follower says about itself, at most every HEARTBEAT_SECONDS unless its state changes."""

    def __init__(self, db: Database, name: str, every: float = HEARTBEAT_SECONDS) -> None:
        self.db, self.name, self.every = db, name, every
        self._said: tuple[str, float] | None = None

    def beat(self, state: str, seen: int, detail: str = "", *, force: bool = False) -> None:
        now = time.time()
        if not force and self._said and self._said[0] == state and now - self._said[1] < self.every:
            return
        try:
            with self.db.transaction() as cur:
                write_heartbeat(cur, self.name, state, seen, now, detail)
        except Exception as failure:  # noqa: BLE001 - the database may be what failed: say it next time
            log.debug("follower.heartbeat_unwritten", follower=self.name, error=type(failure).__name__)
            self._said = None
            return
        self._said = (state, now)


def write_heartbeat(cur: Cursor, name: str, state: str, seen: int, at: float, detail: str) -> None:
    cur.execute(
        "INSERT INTO fq_followers (name, state, seen, beat_at, detail) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET state = excluded.state, seen = excluded.seen, "
        "beat_at = excluded.beat_at, detail = excluded.detail",
        (name, state, seen, at, detail[:500]),
    )


class Supervision:
    """The retry loop shared by the followers: counts consecutive failures, logs each with the
    back-off it waits, and raises FollowerFailed once the budget is spent."""

    def __init__(self, name: str, retry: Retry, event: str) -> None:
        self.name, self.retry, self.event = name, retry, event
        self.attempt = 0
        self.failing_since: float | None = None

    def succeeded(self) -> None:
        if self.attempt:
            log.info(f"{self.event}.recovered", follower=self.name, after_attempts=self.attempt)
        self.attempt, self.failing_since = 0, None

    def failed(self, failure: BaseException) -> float:
        """The back-off to wait before trying again; raises FollowerFailed when it is time to give up."""
        now = time.monotonic()
        self.attempt += 1
        self.failing_since = self.failing_since if self.failing_since is not None else now
        detail = f"{type(failure).__name__}: {failure}".strip()
        if now - self.failing_since >= self.retry.give_up_after:
            log.error(
                f"{self.event}.gave_up",
                follower=self.name,
                attempts=self.attempt,
                error=detail[:300],
                action="exiting non-zero so that the supervisor restarts the process",
            )
            raise FollowerFailed(
                f"{self.name}: failed {self.attempt} times, last {detail[:300]}"
            ) from failure
        delay = self.retry.delay(self.attempt)
        log.warning(
            f"{self.event}.retrying",
            follower=self.name,
            attempt=self.attempt,
            retry_in=delay,
            error=detail[:300],
        )
        return delay


def run_all(
    targets: dict[str, Callable[[threading.Event], None]],
    stopping: threading.Event,
) -> list[str]:
    """Runs each follower in a thread of its own until `stopping` is set or one of them fails;
    a failure stops the others. Returns the names of those that failed (empty on a clean stop)."""
    failed: list[str] = []
    lock = threading.Lock()

    def guarded(name: str, target: Callable[[threading.Event], None]) -> None:
        try:
            target(stopping)
        except BaseException as failure:  # noqa: BLE001 - any death of a follower stops the process
            with lock:
                failed.append(name)
            if not isinstance(failure, FollowerFailed):
                log.error("follower.died", follower=name, error=f"{type(failure).__name__}: {failure}"[:300])
            stopping.set()

    threads = [
        threading.Thread(target=guarded, args=(name, target), name=name, daemon=True)
        for name, target in targets.items()
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return failed


@dataclass(frozen=True)
class FollowerStatus:
    name: str
    state: str  # running, retrying, lagging, silent, failed, stopped, not started
    seen: int | None
    behind: int | None
    last_heard_seconds: float | None
    detail: str

    @property
    def ok(self) -> bool:
        return self.state == RUNNING


def statuses(
    cur: Cursor, names: Sequence[str], head: int, *, max_lag: int, silence: float, now: float | None = None
) -> list[FollowerStatus]:
    """Each expected follower's state, judged from its heartbeat against the log's head."""
    now = time.time() if now is None else now
    cur.execute("SELECT name, state, seen, beat_at, detail FROM fq_followers")
    rows = {r["name"]: r for r in cur.fetchall()}
    cur.execute("SELECT name, position FROM fq_tracking")
    positions = {r["name"]: int(r["position"]) for r in cur.fetchall()}
    found = []
    for name in names:
        row = rows.get(name)
        if row is None:
            found.append(FollowerStatus(name, "not started", None, None, None, "no heartbeat yet"))
            continue
        seen = max(int(row["seen"]), positions.get(name, 0))
        behind = max(0, head - seen)
        heard = round(now - float(row["beat_at"]), 1)
        state, detail = row["state"], row["detail"]
        if state in (RUNNING, RETRYING) and heard > silence:
            state, detail = "silent", f"no heartbeat for {heard:g} s: its process or thread is not running"
        elif state == RUNNING and behind > max_lag:
            state, detail = "lagging", f"{behind} notifications behind the log (bound {max_lag})"
        found.append(FollowerStatus(name, state, seen, behind, heard, detail))
    return found

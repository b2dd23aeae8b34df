"""The case store: one event store for every case stream, and the machinery every command
shares — authorised, atomic, idempotent by command id, safe under concurrency."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, TypedDict, TypeVar
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError
from eventsourcing.utils import Environment, EnvType

from domain.directory.access import Right
from domain.directory.tree import DIRECTORY_ID, Directory, Tenure
from domain.errors import (
    AccessDenied,
    CaseNotFound,
    CommandBodyDiffers,
    CommandIdReused,
    ConcurrentChanges,
    InvalidValue,
    StaleVersion,
)
from domain.receipts import SYSTEM_PREFIX, CommandReceipt, legacy_receipt_id, receipt_id
from domain.time import backdating
from service.telemetry import current_trace

MAX_ATTEMPTS = 5
FRESH_IDS_KEPT = 4096  # command ids this process made up, remembered so their receipts are not looked up
CLOCK_SKEW = timedelta(minutes=5)
Clock = Callable[[], datetime]
A = TypeVar("A", bound=Aggregate)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class CommandMeta:
    """What every command carries besides its facts."""

    command_id: str | None = None
    effective_at: datetime | None = None
    expected_version: int | None = None
    digest: str | None = None  # of the command's body, so a key replayed with another body is refused
    late_reason: str | None = None  # why a command dated in the past is recorded only now
    from_person: bool = False  # sent by a person (API, workbench): its business time is limited


# The business time of the person's command being decided, when it lies further back than the
# grace: every authorisation through the store during the decision is asked then as well as now.
_BUSINESS_TIME: ContextVar[datetime | None] = ContextVar("business_time", default=None)


def body_digest(body: Mapping[str, Any]) -> str:
    """A digest of a command's body as sent (JSON values), the same for the same body."""
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


NO_META = CommandMeta()


class Stamp(TypedDict):
    """Who, when and which command: written on every event a command records."""

    actor: str
    effective_at: datetime
    command_id: str


# What a decision returns: None to save the case, False when there is nothing to record,
# or other aggregates to save in the same transaction as the case.
Decision = Callable[[Any, Stamp], "bool | None | Sequence[Aggregate]"]


class CaseStore(Application[UUID]):
    """Every case stream of the system, in one event store with one notification log.
    The desks take their commands through it; it knows none of them."""

    name = "casebook"
    env: ClassVar[dict[str, str]] = {"AGGREGATE_CACHE_MAXSIZE": "2000"}

    def __init__(self, env: EnvType | None, clock: Clock = utc_now, id_key: bytes | None = None) -> None:
        super().__init__(env)
        self.clock = clock
        self.id_key = id_key  # for petitioner ids (domain/petitions/petitioner.py); from the composition root
        # Command ids made up here for commands sent without one: a fresh UUID has no receipt, so
        # looking one up would cost a read for nothing (bench/commands.py: about a quarter of a
        # report). Bounded; an id forgotten is only looked up again, which finds nothing.
        self._fresh_ids: OrderedDict[str, None] = OrderedDict()
        self._fresh_lock = threading.Lock()
        # Where each kind of case is read (its home node), as its desk registers it: a person who
        # may not read there is told the case does not exist (`require_readable`).
        self._homes: dict[type[Aggregate], Callable[[Any], str]] = {}

    def construct_env(self, name: str, env: EnvType | None = None) -> Environment:
        # Configuration comes only from the settings the composition root passes in,
        # never from stray process environment variables.
        return Environment(name, {**type(self).env, **(env or {})})

    # -- the directory, for every authorisation ---------------------------------

    def current_directory(self) -> Directory:
        """The directory as it stands (shared, read-only: never mutate the result)."""
        try:
            return self.repository.get(DIRECTORY_ID, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return Directory.open(actor="system", effective_at=self.clock(), command_id="none")

    def authorise(
        self, actor: str, right: Right, node: str, meta: CommandMeta | None = None, action: str = ""
    ) -> Tenure:
        """The post through which the person may exercise the right at the node now and, for a
        command dated in the past, at its business time too: the command being decided (inside
        `create` and `change`), or the `action` with `meta` about to be, which is first checked
        against the backdating policy (so a date out of bounds is refused as such, not as a post
        not held then)."""
        return self.authorise_in(self.current_directory(), actor, right, node, meta, action)

    def authorise_in(
        self,
        directory: Directory,
        actor: str,
        right: Right,
        node: str,
        meta: CommandMeta | None = None,
        action: str = "",
    ) -> Tenure:
        """`authorise`, in the given directory (the one a directory change is deciding on)."""
        if meta is not None and self.is_persons(actor, meta):
            backdating.check(action, meta.effective_at, self.clock(), meta.late_reason)
        tenure = directory.authorise(actor, right, node, self.clock())
        then = self.business_time(actor, meta) if meta is not None else _BUSINESS_TIME.get()
        if then is not None:
            try:
                directory.authorise(actor, right, node, then)
            except AccessDenied as refused:
                raise AccessDenied(
                    actor,
                    refused.right,
                    refused.node,
                    f"at {then.isoformat()}, when the command is dated: {refused.message}",
                ) from None
        return tenure

    def business_time(self, actor: str, meta: CommandMeta) -> datetime | None:
        """When a person's command is dated, if further back than the grace (else None): then, as
        well as now, the person must have held a post with the right."""
        at = meta.effective_at
        if not self.is_persons(actor, meta) or at is None or not backdating.is_late(at, self.clock()):
            return None
        return at

    @staticmethod
    def is_persons(actor: str, meta: CommandMeta) -> bool:
        """Whether a command is a person's, whose business time the policy limits: sent by a person
        (not the system's workflows, sweeps, schedules or files loaded)."""
        return meta.from_person and not actor.startswith(SYSTEM_PREFIX)

    @contextmanager
    def deciding(self, action: str, stamp: Stamp, meta: CommandMeta) -> Iterator[None]:
        """Checks a person's command against the backdating policy (domain/time/backdating.py) and,
        while it is decided, has every authorisation asked at its business time as well."""
        if not self.is_persons(stamp["actor"], meta):
            yield
            return
        backdating.check(action, meta.effective_at, self.clock(), meta.late_reason)
        token = _BUSINESS_TIME.set(self.business_time(stamp["actor"], meta))
        try:
            yield
        finally:
            _BUSINESS_TIME.reset(token)

    # -- who may know a case exists ---------------------------------------------

    def guard(self, kind: type[Aggregate], home: Callable[[Any], str]) -> None:
        """Cases of `kind` are read at `home(case)`: from now on every read through `read` and
        every command through `change` by a person who may not read there finds no such case."""
        self._homes[kind] = home

    def may_read(self, person: str, node: str) -> bool:
        """Whether a post the person holds now has the right to read at the node (or above it)."""
        directory, now = self.current_directory(), self.clock()
        return any(
            directory.contains(t.node, node, now) for t in directory.posts_with_right(person, Right.READ, now)
        )

    def require_readable(self, person: str, case: Aggregate, label: str) -> None:
        """A case the person may not read is, to them, a case that does not exist: the same
        CaseNotFound, with the same words, as for an id nobody ever used — so neither the status
        nor the text tells a person with no business with it that it exists, or where it is.
        The system's own commands (deadlines, schedules) are not a person's and are not asked."""
        home = self._homes.get(type(case))
        if home is None or person.startswith(SYSTEM_PREFIX):
            return
        if not self.may_read(person, home(case)):
            raise CaseNotFound(label, case.id)

    def read(self, kind: type[A], case_id: UUID, label: str, reader: str | None) -> A:
        """The case, for a reader who may read it (None: for the desks' own use)."""
        case = self.load(kind, case_id, label)
        if reader is not None:
            self.require_readable(reader, case, label)
        return case

    def discreet(self, refusal: AccessDenied, actor: str, case: Aggregate, label: str) -> AccessDenied:
        """A refusal of a command on a case the actor may read, naming no node they may not read:
        where a case is acted on above the actor's own posts, the refusal says so without naming
        the node (which would tell them what they may not read)."""
        if type(case) not in self._homes or refusal.node is None or self.may_read(actor, refusal.node):
            return refusal
        right = refusal.right
        if repr(refusal.node) not in refusal.message:  # the reason is their own (a right they lack)
            return AccessDenied(actor, right, None, refusal.message)
        directory, now = self.current_directory(), self.clock()
        held = directory.posts_with_right(actor, right, now) if isinstance(right, Right) else []
        where = ", ".join(f"{t.post.value} at {t.node}" for t in held) or "no post with that right"
        return AccessDenied(
            actor,
            right,
            None,
            f"{directory.name_of(actor)} may not {str(right).replace('_', ' ')} on this {label} where it "
            f"is handled now: that is outside their jurisdiction ({where})",
        )

    # -- the machinery of a change ----------------------------------------------

    def stamp(self, actor: str, meta: CommandMeta) -> Stamp:
        now = self.clock()
        if meta.effective_at is not None and meta.effective_at > now + CLOCK_SKEW:
            raise InvalidValue("effective_at", "cannot be in the future")
        command_id = meta.command_id
        if command_id is None:
            command_id = uuid4().hex
            with self._fresh_lock:
                self._fresh_ids[command_id] = None
                if len(self._fresh_ids) > FRESH_IDS_KEPT:
                    self._fresh_ids.popitem(last=False)
        return Stamp(actor=actor, effective_at=meta.effective_at or now, command_id=command_id)

    def load(self, kind: type[A], case_id: UUID, label: str) -> A:
        try:
            case = self.repository.get(case_id)
        except AggregateNotFoundError:
            raise CaseNotFound(label, case_id) from None
        if not isinstance(case, kind):
            raise CaseNotFound(label, case_id)
        return case

    def shared(self, kind: type[A], case_id: UUID, label: str) -> A:
        """The case as it stands, shared with the cache (read-only: never mutate the result). A
        command decides on a copy of its own (`load`); a read need not pay for one (a score's
        template and assessment year: bench/scores.py)."""
        try:
            case = self.repository.get(case_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            raise CaseNotFound(label, case_id) from None
        if not isinstance(case, kind):
            raise CaseNotFound(label, case_id)
        return case

    def create(
        self,
        action: str,
        stamp: Stamp,
        build: Callable[[], A],
        kind: type[A],
        label: str,
        digest: str | None = None,
        meta: CommandMeta = NO_META,
    ) -> A:
        """Starts a new stream; a command id the same person sent before returns the stream it
        started. The same id from another person is their own command, decided afresh."""
        digest = digest or meta.digest
        earlier = self.receipt(stamp, action, digest=digest)
        if earlier is not None:
            return self.load(kind, UUID(earlier.stream_id), label)
        with self.deciding(action, stamp, meta):
            case = build()
        try:
            self.save(case, self.receipt_for(stamp, action, case.id, digest, self.late_reason(stamp, meta)))
        except IntegrityError:
            earlier = self.receipt(stamp, action, digest=digest)
            if earlier is None:
                raise
            return self.load(kind, UUID(earlier.stream_id), label)
        return case

    def change(
        self,
        kind: type[A],
        case_id: UUID,
        label: str,
        action: str,
        stamp: Stamp,
        decide: Decision,
        meta: CommandMeta = NO_META,
    ) -> A:
        """Loads the case, decides, and saves the new events with a receipt, atomically.
        On a concurrent write the decision is taken again on what is now true, unless
        the caller pinned the version it decided on."""
        for _ in range(MAX_ATTEMPTS):
            case = self.load(kind, case_id, label)
            self.require_readable(stamp["actor"], case, label)
            if self.receipt(stamp, action, case.id, meta.digest) is not None:
                return case
            if meta.expected_version is not None and case.version != meta.expected_version:
                raise StaleVersion(meta.expected_version, case.version)
            try:
                with self.deciding(action, stamp, meta):
                    outcome = decide(case, stamp)
            except AccessDenied as refused:
                raise self.discreet(refused, stamp["actor"], case, label) from None
            if outcome is False:
                return case
            others = list(outcome) if isinstance(outcome, Sequence) else []
            try:
                receipt = self.receipt_for(stamp, action, case.id, meta.digest, self.late_reason(stamp, meta))
                self.save(case, *others, receipt)
            except IntegrityError:
                if meta.expected_version is not None:
                    current = self.load(kind, case_id, label).version
                    raise StaleVersion(meta.expected_version, current) from None
                continue
            return case
        raise ConcurrentChanges(MAX_ATTEMPTS)

    def receipt(
        self, stamp: Stamp, action: str, stream_id: UUID | None = None, digest: str | None = None
    ) -> CommandReceipt | None:
        """The receipt of this person's command id, if it took effect; refused when the id was
        used for another command or, by the same person, with another body."""
        command_id = stamp["command_id"]
        if command_id in self._fresh_ids:
            return None  # made up here for this command: no receipt can have it yet
        found = self._find_receipt(stamp["actor"], command_id)
        if found is None:
            return None
        if found.action != action or (stream_id is not None and found.stream_id != str(stream_id)):
            raise CommandIdReused(command_id, found.action)
        if digest and found.digest and found.digest != digest:
            raise CommandBodyDiffers(command_id, found.action)
        return found

    def receipt_for(
        self, stamp: Stamp, action: str, stream_id: UUID, digest: str | None, late_reason: str | None = None
    ) -> CommandReceipt:
        return CommandReceipt.record(
            stamp["actor"], stamp["command_id"], action, stream_id, digest, current_trace(), late_reason
        )

    def _find_receipt(self, sender: str, command_id: str) -> CommandReceipt | None:
        ids = [receipt_id(sender, command_id)]
        if sender.startswith(SYSTEM_PREFIX):
            # The system's own ids (deadlines, schedules) keep their effect across the change of
            # receipt key; a person's old receipt, which named no one, is not honoured for anyone.
            ids.append(legacy_receipt_id(command_id))
        for candidate in ids:
            try:
                found: CommandReceipt = self.repository.get(candidate)
            except AggregateNotFoundError:
                continue
            return found
        return None

    def late_reason(self, stamp: Stamp, meta: CommandMeta) -> str | None:
        """The reason to keep on the command's receipt: the one given, when it is recorded late."""
        reason = (meta.late_reason or "").strip()
        return reason if reason and backdating.is_late(stamp["effective_at"], self.clock()) else None

    def late_reason_of(self, event: Any) -> str | None:
        """The reason a person gave for recording the event's command late (on its receipt), if any."""
        actor, command_id = getattr(event, "actor", None), getattr(event, "command_id", None)
        if not actor or not command_id:
            return None
        found = self._find_receipt(actor, command_id)
        return getattr(found, "late_reason", None) if found is not None else None

    def history(self, case_id: UUID, version: int) -> list[Any]:
        return list(self.repository.event_store.get(case_id, lte=version))

"""A sweep (排查): the survey of unstable factors that a grid or a village workstation owes for
one period, by the cadence the policy sets. Its member records what was found, linking the cases
opened from it, or an explicit zero-report (零报告: nothing found); a sweep not recorded by its
due time is recorded missed, and may still be recorded late (the miss stays on the record)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue, TransitionNotAllowed

# Periods are counted from a Monday at midnight, Beijing time: a weekly cadence runs Monday to Monday.
ANCHOR = datetime(2024, 1, 1, 0, 0, tzinfo=UTC) - timedelta(hours=8)
MAX_FINDINGS = 4000


class SweepStatus(StrEnum):
    OPEN = "open"
    RECORDED = "recorded"  # findings recorded
    ZERO_REPORTED = "zero_reported"  # nothing found, said so
    MISSED = "missed"  # not recorded by the due time (may still be recorded: late)


ALLOWED: dict[SweepStatus, frozenset[str]] = {
    SweepStatus.OPEN: frozenset({"record_findings", "report_zero", "record_missed"}),
    SweepStatus.MISSED: frozenset({"record_findings", "report_zero"}),
    SweepStatus.RECORDED: frozenset(),
    SweepStatus.ZERO_REPORTED: frozenset(),
}


def period_start(at: datetime, step: timedelta) -> datetime:
    """The start of the period of length `step` that `at` falls in (counted from ANCHOR)."""
    periods = (at - ANCHOR) // step
    return ANCHOR + periods * step


def sweep_id(node: str, start: datetime) -> UUID:
    """One sweep per unit and period: its id says which."""
    return uuid5(NAMESPACE_URL, f"fengqiao:sweep:{node}:{start.astimezone(UTC).isoformat()}")


class Sweep(Aggregate):
    TOPIC = "fengqiao.sweep:Sweep"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Opened(Aggregate.Created, Event):
        """A unit owes a sweep for a period: opened when the period began, by the policy in force."""

        TOPIC = "fengqiao.sweep:SweepOpened"
        node: str
        level: str
        village: str | None
        period_start: datetime
        period_end: datetime
        owed_by: list[str]  # the posts at the node that owe it (and are reminded)
        policy_version: str

    Created = Opened

    class FindingsRecorded(Event):
        """The sweep found something: what, and the cases opened from it."""

        TOPIC = "fengqiao.sweep:FindingsRecorded"
        findings: str
        cases: list[str]
        late: bool

        def apply(self, s: Sweep) -> None:
            s.status = SweepStatus.RECORDED
            s.findings, s.cases = self.findings, list(self.cases)
            s.recorded_by, s.recorded_at, s.late = self.actor, self.effective_at, self.late

    class ZeroReported(Event):
        """The sweep found nothing, and said so (零报告)."""

        TOPIC = "fengqiao.sweep:ZeroReported"
        note: str
        late: bool

        def apply(self, s: Sweep) -> None:
            s.status = SweepStatus.ZERO_REPORTED
            s.findings = self.note
            s.recorded_by, s.recorded_at, s.late = self.actor, self.effective_at, self.late

    class Missed(Event):
        """Nobody recorded the sweep by its due time."""

        TOPIC = "fengqiao.sweep:SweepMissed"
        due_at: datetime

        def apply(self, s: Sweep) -> None:
            s.status = SweepStatus.MISSED
            s.missed_at = self.due_at

    def __init__(
        self,
        *,
        node: str,
        level: str,
        village: str | None,
        period_start: datetime,
        period_end: datetime,
        owed_by: list[str],
        policy_version: str,
        actor: str,
        effective_at: datetime,
        command_id: str,
    ) -> None:
        self.node, self.level, self.village = node, level, village
        self.period_start, self.period_end = period_start, period_end
        self.owed_by = list(owed_by)
        self.policy_version = policy_version
        self.opened_at = effective_at
        self.status = SweepStatus.OPEN
        self.findings = ""
        self.cases: list[str] = []
        self.recorded_by: str | None = None
        self.recorded_at: datetime | None = None
        self.late = False
        self.missed_at: datetime | None = None

    @classmethod
    def open(
        cls,
        *,
        node: str,
        level: str,
        village: str | None,
        period_start: datetime,
        period_end: datetime,
        owed_by: Sequence[str],
        policy_version: str,
        **stamp: Any,
    ) -> Sweep:
        if period_end <= period_start:
            raise InvalidValue("period_end", "a period ends after it starts")
        return cls._create(
            cls.Opened,
            id=sweep_id(node, period_start),
            node=node,
            level=level,
            village=village,
            period_start=period_start,
            period_end=period_end,
            owed_by=list(owed_by),
            policy_version=policy_version,
            **stamp,
        )

    # -- commands -----------------------------------------------------------

    def record_findings(self, *, findings: str, cases: Sequence[str], **stamp: Any) -> None:
        self._check("record_findings", stamp)
        text = findings.strip()
        if not text:
            raise InvalidValue("findings", "say what the sweep found, or make a zero-report")
        if len(text) > MAX_FINDINGS:
            raise InvalidValue("findings", "at most {max_findings} characters", max_findings=MAX_FINDINGS)
        linked = list(dict.fromkeys(str(c) for c in cases))
        self.trigger_event(self.FindingsRecorded, findings=text, cases=linked, late=self._late(), **stamp)

    def report_zero(self, *, note: str = "", **stamp: Any) -> None:
        self._check("report_zero", stamp)
        self.trigger_event(self.ZeroReported, note=note.strip()[:MAX_FINDINGS], late=self._late(), **stamp)

    def record_missed(self, *, due_at: datetime, **stamp: Any) -> None:
        self._check("record_missed", stamp)
        self.trigger_event(self.Missed, due_at=due_at, **stamp)

    # -- questions ----------------------------------------------------------

    @property
    def recorded(self) -> bool:
        return self.status in (SweepStatus.RECORDED, SweepStatus.ZERO_REPORTED)

    def allowed_actions(self) -> frozenset[str]:
        return ALLOWED[self.status]

    def _late(self) -> bool:
        return self.status == SweepStatus.MISSED

    def _check(self, action: str, stamp: dict[str, Any]) -> None:
        if action not in ALLOWED[self.status]:
            raise TransitionNotAllowed(action, self.status.value, self.allowed_actions())
        if stamp["effective_at"] < self.period_start:
            raise InvalidValue(
                "effective_at",
                "the sweep's period begins at {period_start}",
                period_start=self.period_start.isoformat(),
            )


EVENT_CLASSES = (Sweep.Opened, Sweep.FindingsRecorded, Sweep.ZeroReported, Sweep.Missed)
EVENT_TOPICS = tuple(cls.TOPIC for cls in EVENT_CLASSES)

"""The incident's time: the reporting-upward deadline, by the policy's rule for the incident's
kind (`incident.report_upward`).

The clock counts from when the incident was reported, not from when it happened: the limit
is on the unit that knows of the incident (as in the safety-accident reporting rules, where
the hour runs from when the unit's head received the report), the moment of reporting is
recorded by the system while `occurred_at` is the reporter's estimate, and an incident
found late would otherwise start with its deadline already passed.

It stops, met, when the incident is first reported upward by its due time. When the due time
passes first, it is recorded missed — "not reported upward in time" — which the township's
veto and safety scoring read. A first upward report recorded after the due time (the clock's
worker was behind) is recorded missed too: what counts is when the report took effect. Once
the incident is reported upward, however late, the missed deadline is settled by that report
(to which level, when): it stays missed in the record, and leaves the overdue lists.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.directory.access import Right
from domain.incidents.incident import Incident
from domain.time.clocks import ClockState
from service.kinds import INCIDENT
from service.timekeeping import CaseTime, ClockPlan, keep_in_step

if TYPE_CHECKING:
    from service.deadlines import DeadlineDesk
    from service.incidents.desk import IncidentDesk
    from service.store import CaseStore

KIND = INCIDENT
REPORT_UPWARD = "incident.report_upward"
MISSED = "not reported upward in time"
HANDLING = frozenset({Right.HANDLE_INCIDENT})  # who is reminded


def first_report_upward(incident: Incident) -> datetime | None:
    return incident.reported_to[0]["at"] if incident.reported_to else None


def required_clock(incident: Incident) -> ClockPlan:
    return ClockPlan(REPORT_UPWARD, incident.node, {"kind": incident.kind.value}, incident.reported_at)


class IncidentClocks:
    """Keeps an incident's reporting-upward clock in step with the incident."""

    def __init__(self, store: CaseStore, incidents: IncidentDesk, deadlines: DeadlineDesk) -> None:
        self.cb = store
        self.incidents = incidents
        self.deadlines = deadlines

    def sync(self, incident_id: UUID, episode: int) -> CaseTime:
        """The clock is started (even when the first sync comes after the upward report, so
        that a late report is still judged), then settled once the incident was reported up:
        stopped met, or — when it was missed — missed and settled by the late report. Until
        that report a missed clock keeps the case's time going (the workflow waits for it)."""
        incident = self.incidents.get(None, incident_id)
        time = keep_in_step(
            self.deadlines,
            KIND,
            incident_id,
            version=incident.version,
            ended=True,
            plans=[required_clock(incident)],
            changed_at=incident.reported_at,
            why_stopped=lambda _: "no longer applies",
        )
        first = first_report_upward(incident)
        if first is None:
            # a missed deadline waits for the report that settles it: the case's time goes on
            missed = self.deadlines.clocks(KIND, incident_id)
            waiting = bool(missed and missed.overdue())
            return CaseTime(time.version, time.ended and not waiting, time.clocks)
        level = incident.reported_to[0]["level"]
        for clock in time.clocks:
            if first > clock.due_at:
                self._miss(incident_id, clock)
            else:
                self.deadlines.stop(
                    KIND,
                    incident_id,
                    key=clock.key,
                    at=max(first, clock.started_at),
                    outcome=f"met: reported upward to the {level} at {first.isoformat()}",
                )
        missed = self.deadlines.clocks(KIND, incident_id)
        for clock in missed.overdue() if missed else []:
            late = ", after the due time" if first > clock.due_at else ""
            self.deadlines.settle(
                KIND,
                incident_id,
                key=clock.key,
                at=max(first, clock.ended_at or clock.due_at),
                outcome=f"reported upward to the {level} at {first.isoformat()}{late}",
            )
        return CaseTime(incident.version, True, [])

    def due(self, incident_id: UUID, episode: int, key: str, fraction: float | None) -> CaseTime:
        """A reminder time or the due time came for the incident's clock."""
        clocks = self.deadlines.clocks(KIND, incident_id)
        clock = clocks.clock(key) if clocks else None
        if clock is not None and clock.open:
            if fraction is not None:
                self.deadlines.remind(
                    KIND,
                    incident_id,
                    key=key,
                    fraction=fraction,
                    at=clock.reminder_at(fraction),
                    rights=HANDLING,
                )
            else:
                first = first_report_upward(self.incidents.get(None, incident_id))
                if first is None or first > clock.due_at:
                    self._miss(incident_id, clock)
        return self.sync(incident_id, episode)

    def _miss(self, incident_id: UUID, clock: ClockState) -> None:
        self.deadlines.miss(KIND, incident_id, key=clock.key, consequence=MISSED, at=clock.due_at)

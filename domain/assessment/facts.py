"""Scoring facts: the events a responsibility book can score, each reduced to a fact of a
village (its "unit") with the business time it took effect and the time it was recorded, and
the id of the event it came from. Facts are append-only: a later correction is a new fact,
so a score can be asked for as it stood on any business date, or as it was known on any
recording date.

A fact whose `case_id` is set describes the state of a case (an incident's kind and
casualties); the scoring takes the latest such fact of each case. Other facts are
occurrences, each counting once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from domain.disputes.dispute import AgreementForm, Dispute
from domain.incidents.incident import Incident
from domain.patrols.patrol import Shift
from domain.petitions.petition import Petition
from domain.sweeps.sweep import Sweep
from domain.time.calendar import CHINA

VERSION = 1
STATEFUL = frozenset({"incident.state"})


@dataclass(frozen=True)
class Fact:
    # "<stream id>:<version>" of the event it came from; a second fact of the same event
    # adds ":<what>" (a failed mediation concluded by a conversion, an absentee of a meeting)
    fact_id: str
    unit: str  # the village
    kind: str
    effective_at: datetime  # business time: as of when the fact (or this state of a case) holds
    recorded_at: datetime
    attributes: dict[str, Any] = field(default_factory=dict)
    case_id: str | None = None
    occurred_at: datetime | None = None  # when what it describes happened, if not effective_at

    @property
    def occurred(self) -> datetime:
        """When what the fact describes happened: it picks the year and the template version
        that scores it (an incident reported late, or corrected later, is the occurrence's)."""
        return self.occurred_at or self.effective_at

    @property
    def year(self) -> int:
        return self.occurred.astimezone(CHINA).year


def _id(event: Any) -> str:
    return f"{event.originator_id}:{event.originator_version}"


def _fact(event: Any, unit: str, fact_kind: str, case_id: str | None = None, **attributes: Any) -> Fact:
    return Fact(_id(event), unit, fact_kind, event.effective_at, event.timestamp, attributes, case_id)


def _second(fact: Fact, fact_kind: str) -> Fact:
    """Another fact of the same event, with an identity of its own: the event's, and what it is."""
    return replace(
        fact, fact_id=f"{fact.fact_id}:{fact_kind.rpartition('.')[2]}", kind=fact_kind, attributes={}
    )


@dataclass
class DisputeMemory:
    """What the facts of a dispute's later events need to know of its earlier ones."""

    village: str
    sessions: int = 0
    agreed: bool = False  # an agreement in effect
    concluded: bool = False  # closed, referred out or converted (until it is reopened)
    pending_level: str | None = None  # a written agreement reached there, not yet signed and sealed


def dispute_facts(event: Any, memory: DisputeMemory | None) -> tuple[list[Fact], DisputeMemory | None]:
    """The facts one dispute event gives, and the memory to keep for the next."""
    if isinstance(event, Dispute.Reported):
        fact = _fact(
            event, event.village, "dispute.reported", category=event.category, severity=event.severity
        )
        return [fact], DisputeMemory(event.village)
    if memory is None:
        return [], None
    unit = memory.village
    if isinstance(event, Dispute.MediationSessionHeld):
        memory.sessions += 1
        return [], memory
    if isinstance(event, Dispute.AgreementReached):
        if event.form == AgreementForm.WRITTEN:  # in effect once every party signed and it is sealed
            memory.pending_level = event.level
            return [], memory
        memory.agreed = True
        return [_fact(event, unit, "dispute.agreed", level=event.level)], memory
    if isinstance(event, Dispute.AgreementSealed) and memory.pending_level is not None:
        level, memory.pending_level, memory.agreed = memory.pending_level, None, True
        return [_fact(event, unit, "dispute.agreed", level=level)], memory
    if isinstance(event, Dispute.Escalated):
        return [
            _fact(
                event,
                unit,
                "dispute.escalated",
                from_level=event.from_level,
                to_level=event.to_level,
                without_first_mediation=not event.mediated_at_level,
                trigger=event.trigger,
            )
        ], memory
    if isinstance(event, (Dispute.Closed, Dispute.ReferredOut, Dispute.ConvertedToCriminalCase)):
        # One conclusion counts once: a conversion of a dispute already closed or referred out
        # is a conversion, not a second failure.
        failed = not memory.agreed and memory.sessions > 0 and not memory.concluded
        memory.concluded = True
        if isinstance(event, Dispute.ConvertedToCriminalCase):
            converted = _fact(event, unit, "dispute.converted_to_criminal")
            return [
                converted,
                *([_second(converted, "dispute.failed_after_mediation")] if failed else []),
            ], memory
        return ([_fact(event, unit, "dispute.failed_after_mediation")] if failed else []), memory
    if isinstance(event, Dispute.Reopened):
        memory.agreed = memory.concluded = False
        memory.pending_level = None
        return [], memory
    if isinstance(event, Dispute.FollowUpVisitMade):
        return [
            _fact(
                event,
                unit,
                "dispute.follow_up",
                satisfaction=event.satisfaction,
                performance=event.performance,
            )
        ], memory
    return [], memory


def petition_facts(event: Any, village: str | None) -> list[Fact]:
    if isinstance(event, Petition.Registered) and village:
        return [
            _fact(
                event,
                village,
                "petition.registered",
                channel=event.channel,
                type=event.type,
                people_count=event.people_count,
                group=event.people_count >= 5,
                reached_level=event.reached_level,
                leapfrog=event.leapfrog,
                repeat=event.repeat_of is not None,
            )
        ]
    return []


def incident_facts(event: Any, memory: dict[str, Any] | None) -> tuple[list[Fact], dict[str, Any] | None]:
    """An incident's state, again after each correction (the latest state of a case counts).

    An incident is scored by when it occurred, however late it was reported: the report's
    state holds from the occurrence, a correction's from when it took effect, and both are of
    the occurrence's year and template version. Recorded when they were (as known on a date
    follows that); the reporting-upward clock keeps the report's own time."""
    if isinstance(event, Incident.Reported):
        state = {
            "village": event.village,
            "occurred_at": event.occurred_at.isoformat(),
            "kind": event.kind,
            "markers": list(event.markers),
            "people_involved": event.people_involved,
            "injured": event.injured,
            "dead": event.dead,
            "fatal": event.fatal,
            "offence": event.offence,
        }
    elif memory is not None and type(event).__name__ in ("CasualtiesCorrected", "MassIncidentFactsCorrected"):
        state = dict(memory)
        for name in ("injured", "dead", "fatal", "markers", "people_involved"):
            if hasattr(event, name):
                state[name] = getattr(event, name)
    else:
        return [], memory
    occurred = datetime.fromisoformat(state["occurred_at"])
    attributes = {k: v for k, v in state.items() if k not in ("village", "occurred_at")}
    fact = _fact(event, state["village"], "incident.state", case_id=str(event.originator_id), **attributes)
    holds_from = occurred if isinstance(event, Incident.Reported) else event.effective_at
    return [replace(fact, effective_at=holds_from, occurred_at=occurred)], state


def shift_facts(event: Any, village: str | None) -> list[Fact]:
    if village is None:
        return []
    if isinstance(event, Shift.Missed):
        return [_fact(event, village, "patrol.shift_missed")]
    if isinstance(event, Shift.CheckpointMissed):
        return [_fact(event, village, "patrol.checkpoint_missed", checkpoint=event.checkpoint)]
    return []


def sweep_facts(event: Any, village: str | None) -> list[Fact]:
    """A sweep missed counts against the village it belongs to (a grid's, its village's)."""
    if village is None or not isinstance(event, Sweep.Missed):
        return []
    return [_fact(event, village, "sweep.missed")]


def iter_kinds() -> Iterator[str]:
    yield from (
        "dispute.reported",
        "dispute.agreed",
        "dispute.escalated",
        "dispute.failed_after_mediation",
        "dispute.converted_to_criminal",
        "dispute.follow_up",
        "petition.registered",
        "incident.state",
        "patrol.shift_missed",
        "patrol.checkpoint_missed",
        "sweep.missed",
        "activity.held",
        "activity.absence",
    )

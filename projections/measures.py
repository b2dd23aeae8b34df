"""What the node statistics count: each event reduced to counts of a measure, at the leaf node
where its case lives and on the business day (China Standard Time) it took effect, with a
small memory per stream for what later events need of earlier ones. Pure: no I/O.

A count is (node, day, measure, detail, n); `detail` is the measure's dimensions as
"key=value;key=value" (sorted keys), so counts add up under any grouping.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, NamedTuple

from domain.disputes.dispute import AgreementForm, Dispute
from domain.incidents.incident import Incident
from domain.patrols.patrol import Shift
from domain.petitions.petition import GROUP_MIN_PEOPLE, AcceptanceDecision, Petition
from domain.receipts import SYSTEM_PREFIX
from domain.time.backdating import is_late
from domain.time.calendar import CHINA
from domain.time.clocks import CaseClocks

DISPUTE_REPORTED = "dispute.reported"  # category, severity
DISPUTE_ENDED = "dispute.ended"  # outcome, level, mediated
DISPUTE_ESCALATED = "dispute.escalated"  # from, to, first_mediation, trigger
DISPUTE_CONVERTED = "dispute.converted"
DISPUTE_REOPENED = "dispute.reopened"  # previous
DISPUTE_FOLLOW_UP = "dispute.follow_up"  # satisfaction
PETITION_REGISTERED = "petition.registered"  # level, repeat, leapfrog, group
PETITION_NOT_ACCEPTED = "petition.not_accepted"  # why: decided (by the receiving body) | concluded (Art. 36)
INCIDENT_REPORTED = "incident.reported"  # kind
SHIFT_SCHEDULED, SHIFT_CANCELLED = "shift.scheduled", "shift.cancelled"  # on the planned day
SHIFT_DONE, SHIFT_MISSED = "shift.done", "shift.missed"
CHECKPOINT_SCHEDULED, CHECKPOINT_CANCELLED = "checkpoint.scheduled", "checkpoint.cancelled"
CHECKPOINT_DONE, CHECKPOINT_MISSED = "checkpoint.done", "checkpoint.missed"
CLOCK_STARTED, CLOCK_MET, CLOCK_LATE = "clock.started", "clock.met", "clock.late"  # clock
CLOCK_MISSED, CLOCK_SETTLED = "clock.missed", "clock.settled"  # clock
BACKLOG_IN, BACKLOG_OUT = "backlog.in", "backlog.out"  # kind, since (the day it entered)
RECORDED_LATE = "record.late"  # kind: a person's event counted here, recorded after the grace
STOCKS = (BACKLOG_IN, BACKLOG_OUT, CLOCK_MISSED, CLOCK_SETTLED)  # read up to a day, not over a range

DISPUTE_EVENTS = (
    Dispute.Reported,
    Dispute.MediationSessionHeld,
    Dispute.AgreementReached,
    Dispute.AgreementSealed,
    Dispute.FollowUpVisitMade,
    Dispute.Escalated,
    Dispute.ReferredOut,
    Dispute.ConvertedToCriminalCase,
    Dispute.Closed,
    Dispute.Reopened,
    Dispute.MarkedDuplicate,
)
PETITION_EVENTS = (
    Petition.Registered,
    Petition.AcceptanceDecided,
    Petition.NotAcceptedAsConcluded,
    Petition.DivertedToLegalProcedure,
    Petition.Concluded,
)
SHIFT_EVENTS = (
    Shift.Scheduled,
    Shift.Cancelled,
    Shift.SignedInAtStart,
    Shift.Missed,
    Shift.SignedInAtCheckpoint,
    Shift.CheckpointMissed,
    Shift.Closed,
)
CLOCK_EVENTS = (
    CaseClocks.ClockStarted,
    CaseClocks.ClockPaused,
    CaseClocks.ClockResumed,
    CaseClocks.ClockExtended,
    CaseClocks.DueDateRecomputed,
    CaseClocks.DeadlineMissed,
    CaseClocks.ClockStopped,
    CaseClocks.MissedDeadlineSettled,
)
EVENTS = (*DISPUTE_EVENTS, *PETITION_EVENTS, Incident.Reported, *SHIFT_EVENTS, *CLOCK_EVENTS)
TOPICS = tuple(e.TOPIC for e in EVENTS)
CREATIONS = (Dispute.Reported, Petition.Registered, Incident.Reported, Shift.Scheduled)
Memory = dict[str, Any]


class Count(NamedTuple):
    node: str
    day: str
    measure: str
    detail: str
    n: int = 1


def day_of(moment: datetime) -> str:
    return moment.astimezone(CHINA).date().isoformat()


def detail(**dimensions: object) -> str:
    return ";".join(f"{k}={_text(v)}" for k, v in sorted(dimensions.items()))


def dimensions(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split(";")) if text else {}


def _text(value: object) -> str:
    return ("1" if value else "0") if isinstance(value, bool) else str(value)


def counts(event: Any, memory: Memory | None) -> tuple[list[Count], Memory | None]:
    """The counts one event gives, and the stream's memory after it (None: forget it)."""
    found, after = _counts(event, memory)
    return found + _recorded_late(event, memory, after), after


LATE_KINDS: tuple[tuple[type, str], ...] = (
    (Dispute.Event, "dispute"),
    (Petition.Event, "petition"),
    (Incident.Event, "incident"),
    (Shift.Event, "shift"),
)


def _recorded_late(event: Any, before: Memory | None, after: Memory | None) -> list[Count]:
    """A person's event recorded more than the grace after it took effect (a back-dated record,
    domain/time/backdating.py), at its case's node on the day it took effect, by kind of case.
    The system's own records (deadlines, schedules, sweeps) and the clocks are left out."""
    kind = next((name for cls, name in LATE_KINDS if isinstance(event, cls)), None)
    actor = str(getattr(event, "actor", ""))
    if kind is None or actor.startswith(SYSTEM_PREFIX) or not is_late(event.effective_at, event.timestamp):
        return []
    if isinstance(event, Incident.Reported):
        node = event.grid or event.village
    else:
        node = (after or before or {}).get("node")
    return [Count(node, day_of(event.effective_at), RECORDED_LATE, detail(kind=kind))] if node else []


def _counts(event: Any, memory: Memory | None) -> tuple[list[Count], Memory | None]:
    if isinstance(event, Dispute.Event):
        return _dispute(event, memory)
    if isinstance(event, Petition.Event):
        return _petition(event, memory)
    if isinstance(event, Incident.Reported):
        return [
            Count(
                event.grid or event.village,
                day_of(event.effective_at),
                INCIDENT_REPORTED,
                detail(kind=event.kind),
            )
        ], None
    if isinstance(event, Shift.Event):
        return _shift(event, memory)
    if isinstance(event, CaseClocks.Event):
        return _clock(event, memory or {})
    return [], memory


# -- disputes ---------------------------------------------------------------------------------

DISPUTE_ENDINGS = {
    Dispute.AgreementReached: "agreement",  # an oral one; a written one ends it when sealed
    Dispute.AgreementSealed: "agreement",
    Dispute.Closed: "no_agreement",
    Dispute.ReferredOut: "referred_out",
    Dispute.ConvertedToCriminalCase: "converted",
    Dispute.MarkedDuplicate: "duplicate",
}


def _dispute(event: Any, m: Memory | None) -> tuple[list[Count], Memory | None]:
    day = day_of(event.effective_at)
    if isinstance(event, Dispute.Reported):
        m = {
            "node": event.grid or event.village,
            "level": event.level,
            "open": True,
            "since": day,
            "sessions": 0,
        }
        return [
            Count(m["node"], day, DISPUTE_REPORTED, detail(category=event.category, severity=event.severity)),
            _backlog_in(m["node"], "dispute", day),
        ], m
    if m is None:
        return [], None
    node, found = m["node"], []
    if isinstance(event, Dispute.MediationSessionHeld):
        m["sessions"] += 1
    elif isinstance(event, Dispute.Escalated):
        m["level"] = event.to_level
        found.append(
            Count(
                node,
                day,
                DISPUTE_ESCALATED,
                detail(
                    **{
                        "from": event.from_level,
                        "to": event.to_level,
                        "first_mediation": event.mediated_at_level,
                        "trigger": event.trigger,
                    }
                ),
            )
        )
    elif isinstance(event, Dispute.FollowUpVisitMade):
        found.append(Count(node, day, DISPUTE_FOLLOW_UP, detail(satisfaction=event.satisfaction)))
    elif isinstance(event, Dispute.AgreementReached) and event.form == AgreementForm.WRITTEN:
        m["pending_agreement"] = event.level  # in effect, and the dispute resolved, once sealed
        return found, m
    elif isinstance(event, Dispute.AgreementSealed):
        if m.get("pending_agreement") is None:
            return found, m
    elif isinstance(event, Dispute.Reopened):
        m["pending_agreement"] = None
        found.append(Count(node, day, DISPUTE_REOPENED, detail(previous=event.previous_status)))
        if not m["open"]:
            m["open"], m["since"] = True, day
            found.append(_backlog_in(node, "dispute", day))
    if isinstance(event, Dispute.ConvertedToCriminalCase):
        found.append(Count(node, day, DISPUTE_CONVERTED, ""))
    if type(event) in DISPUTE_ENDINGS and m["open"]:
        level = getattr(event, "level", None) or m.get("pending_agreement") or m["level"]
        found.append(
            Count(
                node,
                day,
                DISPUTE_ENDED,
                detail(outcome=DISPUTE_ENDINGS[type(event)], level=level, mediated=m["sessions"] > 0),
            )
        )
        found.append(Count(node, day, BACKLOG_OUT, detail(kind="dispute", since=m["since"])))
        m["open"] = False
        m["pending_agreement"] = None
    return found, m


def _backlog_in(node: str, kind: str, day: str) -> Count:
    return Count(node, day, BACKLOG_IN, detail(kind=kind, since=day))


# -- petitions --------------------------------------------------------------------------------


def _petition(event: Any, m: Memory | None) -> tuple[list[Count], Memory | None]:
    day = day_of(event.effective_at)
    if isinstance(event, Petition.Registered):
        flags = detail(
            level=event.reached_level,
            repeat=event.repeat_of is not None,
            leapfrog=event.leapfrog,
            group=event.people_count >= GROUP_MIN_PEOPLE,
        )
        return [
            Count(event.node, day, PETITION_REGISTERED, flags),
            _backlog_in(event.node, "petition", day),
        ], {"node": event.node, "since": day}
    if m is None:
        return [], None
    refused = isinstance(event, Petition.NotAcceptedAsConcluded)
    not_accepted = refused or (
        isinstance(event, Petition.AcceptanceDecided) and event.decision == AcceptanceDecision.NOT_ACCEPTED
    )
    if not (not_accepted or isinstance(event, (Petition.DivertedToLegalProcedure, Petition.Concluded))):
        return [], m
    out = [Count(m["node"], day, BACKLOG_OUT, detail(kind="petition", since=m["since"]))]
    if not_accepted:
        why = "concluded" if refused else "decided"
        out.append(Count(m["node"], day, PETITION_NOT_ACCEPTED, detail(why=why)))
    return out, None


# -- patrol shifts ----------------------------------------------------------------------------


def _shift(event: Any, m: Memory | None) -> tuple[list[Count], Memory | None]:
    if isinstance(event, Shift.Scheduled):
        m = {
            "node": event.node,
            "planned": day_of(event.planned_start),
            "checkpoints": len(event.checkpoints),
        }
        return [
            Count(m["node"], m["planned"], SHIFT_SCHEDULED, ""),
            Count(m["node"], m["planned"], CHECKPOINT_SCHEDULED, "", m["checkpoints"]),
        ], m
    if m is None:
        return [], None
    node, day = m["node"], day_of(event.effective_at)
    if isinstance(event, Shift.Cancelled):
        return [
            Count(node, m["planned"], SHIFT_CANCELLED, ""),
            Count(node, m["planned"], CHECKPOINT_CANCELLED, "", m["checkpoints"]),
        ], None
    if isinstance(event, Shift.Missed):
        return [Count(node, day, SHIFT_MISSED, "")], None
    if isinstance(event, Shift.Closed):
        return [], None
    if isinstance(event, Shift.SignedInAtStart) and event.opens_shift:
        return [Count(node, day, SHIFT_DONE, "")], m
    if isinstance(event, Shift.SignedInAtCheckpoint) and event.first_at_checkpoint:
        return [Count(node, day, CHECKPOINT_DONE, "")], m
    if isinstance(event, Shift.CheckpointMissed):
        return [Count(node, day, CHECKPOINT_MISSED, "")], m
    return [], m


# -- clocks -----------------------------------------------------------------------------------


def _clock(event: Any, m: Memory) -> tuple[list[Count], Memory | None]:
    clocks: dict[str, Any] = dict(m.get("clocks", {}))
    if isinstance(event, CaseClocks.ClockStarted):
        clocks[event.key] = {
            "clock": event.clock,
            "node": event.node,
            "due": event.due_at.isoformat(),
            "paused": False,
        }
        return [Count(event.node, day_of(event.effective_at), CLOCK_STARTED, detail(clock=event.clock))], {
            "clocks": clocks
        }
    state = clocks.get(event.key)
    if state is None:
        return [], m or None
    state = clocks[event.key] = dict(state)
    measure = None
    if isinstance(event, CaseClocks.ClockPaused):
        state["paused"] = True
    elif isinstance(event, (CaseClocks.ClockResumed, CaseClocks.ClockExtended, CaseClocks.DueDateRecomputed)):
        state["due"] = event.due_at.isoformat()
        state["paused"] = state["paused"] and not isinstance(event, CaseClocks.ClockResumed)
    elif isinstance(event, CaseClocks.DeadlineMissed):
        measure = CLOCK_MISSED
    elif isinstance(event, CaseClocks.ClockStopped):
        in_time = state["paused"] or event.effective_at <= datetime.fromisoformat(state["due"])
        measure = CLOCK_MET if in_time else CLOCK_LATE
        del clocks[event.key]
    elif isinstance(event, CaseClocks.MissedDeadlineSettled):
        measure = CLOCK_SETTLED
        del clocks[event.key]
    found = (
        [Count(state["node"], day_of(event.effective_at), measure, detail(clock=state["clock"]))]
        if measure
        else []
    )
    return found, ({"clocks": clocks} if clocks else None)


def stream_ids(events: list[Any]) -> Iterator[str]:
    """The streams whose memory a batch needs (a creation starts its own)."""
    for event in events:
        if not isinstance(event, CREATIONS):
            yield str(event.originator_id)

"""The case streams whose time the clock workflows keep: which event starts a case's first
episode, which starts a new one, and which keeper (in the domain) knows its rules of time.
A stream joins by adding one entry here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain import dispute
from domain.dispute_clocks import DisputeClocks
from domain import incident
from domain.incident_clocks import IncidentClocks


@dataclass(frozen=True)
class CaseKind:
    kind: str
    created: type[Any]  # starts the case's first episode
    reopened: type[Any] | None  # carries `reopening`: starts episode n
    topics: tuple[str, ...]
    keeper: type[Any]


CASE_KINDS = [
    CaseKind("dispute", dispute.Dispute.Reported, dispute.Dispute.Reopened, dispute.EVENT_TOPICS, DisputeClocks),
    CaseKind("incident", incident.Incident.Reported, None, incident.EVENT_TOPICS, IncidentClocks),
]
BY_TOPIC = {topic: kind for kind in CASE_KINDS for topic in kind.topics}
TOPICS = tuple(BY_TOPIC)

"""The case streams whose time the workflows keep: which event starts a case's first
episode and which starts a new one; the keeper that knows a kind's rules of time is
`casebook.keepers[kind]`, in the service layer. A stream joins by adding one entry here. A kind whose time is
not a set of clocks names its
own workflow (which hears the same `notice`), what it is started with, under which id, and
how its events name their episode."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from domain.disputes import dispute
from domain.incidents import incident
from domain.patrols import patrol
from domain.petitions import petition
from domain.sweeps import sweep
from service import kinds
from workflows.case_clock import CaseClockWorkflow
from workflows.contracts import CaseRef, case_workflow_id
from workflows.patrol_contracts import ScheduleRun, schedule_workflow_id
from workflows.patrol_schedule import PatrolScheduleWorkflow


def _clock_workflow_id(ref: CaseRef) -> str:
    return case_workflow_id(ref.kind, ref.case_id, ref.episode)


@dataclass(frozen=True)
class CaseKind:
    kind: str
    created: type[Any]  # starts the case's first episode
    reopened: type[Any] | None  # carries `reopening`: starts episode n
    topics: tuple[str, ...]
    workflow: type[Any] = CaseClockWorkflow
    opening: Callable[[CaseRef], Any] = lambda ref: ref  # the workflow's input
    workflow_id: Callable[[CaseRef], str] = _clock_workflow_id
    episode: Callable[[Any], int] | None = None  # when every event names its episode itself


CASE_KINDS = [
    CaseKind(kinds.DISPUTE, dispute.Dispute.Reported, dispute.Dispute.Reopened, dispute.EVENT_TOPICS),
    CaseKind(kinds.PETITION, petition.Petition.Registered, None, petition.EVENT_TOPICS),
    CaseKind(kinds.INCIDENT, incident.Incident.Reported, None, incident.EVENT_TOPICS),
    CaseKind(kinds.PATROL_SHIFT, patrol.Shift.Scheduled, None, patrol.SHIFT_TOPICS),
    CaseKind(kinds.SWEEP, sweep.Sweep.Opened, None, sweep.EVENT_TOPICS),
    CaseKind(
        kinds.PATROL_SCHEDULE,
        patrol.Route.ScheduleStarted,
        None,
        (patrol.Route.ScheduleStarted.TOPIC, patrol.Route.ScheduleStopped.TOPIC),
        workflow=PatrolScheduleWorkflow,
        opening=lambda ref: ScheduleRun(ref=ref),
        workflow_id=schedule_workflow_id,
        episode=lambda event: event.schedule,
    ),
]
BY_TOPIC = {topic: kind for kind in CASE_KINDS for topic in kind.topics}
BY_KIND = {kind.kind: kind for kind in CASE_KINDS}
TOPICS = tuple(BY_TOPIC)

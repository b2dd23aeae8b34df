"""An office's assignments (交办, Art. 22): the petitions a letters-and-visits office assigned
to the body in charge, and whether each body's report of the result came back. Saved in the same
transaction as the petition it follows, so the office's view never disagrees with the petitions.
It holds no content: a petition id, the receiving body, when it was assigned and reported."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

_NAMESPACE = uuid.UUID("6f1d0c52-2f0a-4d4e-9a7e-0b8f3c1e2a11")


def assignments_id(office: str) -> UUID:
    """The id of the record of the assignments made by the office at this node."""
    return uuid.uuid5(_NAMESPACE, f"assignments:{office}")


class OfficeAssignments(Aggregate):
    """What one office assigned, and what came back."""

    TOPIC = "fengqiao.petition:OfficeAssignments"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Opened(Aggregate.Created, Event):
        """An office's record of assignments began with its first assignment."""

        TOPIC = "fengqiao.petition:OfficeAssignmentsOpened"
        office: str

    Created = Opened

    class AssignmentNoted(Event):
        """The office assigned a petition to a body, which is to report the result back."""

        TOPIC = "fengqiao.petition:AssignmentNoted"
        petition_id: str
        to_node: str

        def apply(self, a: OfficeAssignments) -> None:
            a.assigned[self.petition_id] = {
                "petition_id": self.petition_id,
                "to_node": self.to_node,
                "assigned_at": self.effective_at,
                "reported_at": None,
            }

    class ResultReceived(Event):
        """The body's report of the result of an assignment reached the office."""

        TOPIC = "fengqiao.petition:AssignmentResultReceived"
        petition_id: str

        def apply(self, a: OfficeAssignments) -> None:
            a.assigned[self.petition_id] = {**a.assigned[self.petition_id], "reported_at": self.effective_at}

    def __init__(self, *, office: str, actor: str, effective_at: datetime, command_id: str) -> None:
        self.office = office
        self.assigned: dict[str, dict[str, Any]] = {}

    @classmethod
    def open(cls, office: str, **stamp: Any) -> OfficeAssignments:
        return cls._create(cls.Opened, id=assignments_id(office), office=office, **stamp)

    def note(self, *, petition_id: UUID, to_node: str, **stamp: Any) -> None:
        self.trigger_event(self.AssignmentNoted, petition_id=str(petition_id), to_node=to_node, **stamp)

    def receive(self, *, petition_id: UUID, **stamp: Any) -> None:
        self.trigger_event(self.ResultReceived, petition_id=str(petition_id), **stamp)


EVENT_CLASSES = (
    OfficeAssignments.Opened,
    OfficeAssignments.AssignmentNoted,
    OfficeAssignments.ResultReceived,
)

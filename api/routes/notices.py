"""The inbox: the notices delivered to the person asking (reminders, overdue deadlines, briefings)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import CurrentPerson, SystemDep
from projections import tracking

router = APIRouter(prefix="/notices", tags=["notices"])


class InboxItem(BaseModel):
    notice_id: str
    what: str = Field(description="reminder, overdue, briefing or message")
    subject: str
    body: str
    link: str
    node: str
    sent_at: datetime


class InboxList(BaseModel):
    items: list[InboxItem]
    as_of_notification: int = Field(description="The last event the inbox includes.")


@router.get("/mine", response_model=InboxList)
def my_inbox(person: CurrentPerson, system: SystemDep, limit: int = Query(50, ge=1, le=500)) -> InboxList:
    """The notices delivered to my inbox, newest first."""
    with system.views.reading() as cur:
        rows = system.inbox.of(cur, person, limit)
        position = tracking.position(cur, system.inbox.name)
    return InboxList(items=[InboxItem(**r) for r in rows], as_of_notification=position)

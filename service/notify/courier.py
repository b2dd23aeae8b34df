"""Delivering a notice: which (channel, recipient) pairs it goes to, and one delivery, recorded
on the notice's stream as NotificationSent or NotificationFailed. A delivery already recorded as
sent is not sent again, so the activity that calls this may run any number of times."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import structlog

from domain.directory.access import SYSTEM_ACTOR
from domain.notices import Notice
from service import telemetry
from service.notify.channels import Message
from service.notify.config import Routing
from service.notify.desk import NoticeDesk
from service.store import Stamp

log = structlog.get_logger()


@dataclass
class Courier:
    desk: NoticeDesk
    routing: Routing

    def plan(self, notice_id: UUID) -> list[tuple[str, str]]:
        notice = self.desk.get(notice_id)
        message = self.message(notice)
        return [(c.name, r) for c in self.routing.channels_for(notice.what) for r in c.recipients(message)]

    def message(self, notice: Notice) -> Message:
        return Message(
            notice_id=str(notice.id),
            what=notice.what,
            subject=notice.subject,
            body=notice.body,
            link=notice.link,
            people=tuple(self.desk.people(notice)),
            node=notice.node,
        )

    def deliver(self, notice_id: UUID, channel: str, recipient: str, attempt: int) -> str:
        """Sends once and records it; on failure records the attempt and raises, to be retried."""
        notice = self.desk.get(notice_id)
        if notice.was_sent(channel, recipient):
            telemetry.NOTIFICATIONS.labels(channel, "already_sent").inc()
            return "already sent"
        try:
            detail = self.routing.channels[channel].send(self.message(notice), recipient)
        except Exception as failure:
            error = f"{type(failure).__name__}: {failure}"[:300]
            self._record(
                notice_id,
                lambda n, s: n.record_failed(
                    channel=channel, recipient=recipient, attempt=attempt, error=error, **s
                ),
                f"{channel}:{recipient}:failed:{attempt}",
            )
            telemetry.NOTIFICATIONS.labels(channel, "failed").inc()
            log.warning(
                "notice.failed", notice_id=str(notice_id), channel=channel, attempt=attempt, error=error
            )
            raise
        self._record(
            notice_id,
            lambda n, s: n.record_sent(
                channel=channel, recipient=recipient, attempt=attempt, detail=str(detail)[:200], **s
            ),
            f"{channel}:{recipient}:sent",
        )
        telemetry.NOTIFICATIONS.labels(channel, "sent").inc()
        log.info(
            "notice.sent", notice_id=str(notice_id), channel=channel, recipient=recipient, attempt=attempt
        )
        return "sent"

    def _record(self, notice_id: UUID, decide: object, action: str) -> None:
        cb = self.desk.cb
        stamp = Stamp(actor=SYSTEM_ACTOR, effective_at=cb.clock(), command_id=f"notice:{notice_id}:{action}")
        cb.change(Notice, notice_id, "notice", "deliver", stamp, decide)  # type: ignore[arg-type]

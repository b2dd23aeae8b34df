"""The notices desk: the one seam for sending a message to posts and people (`notify`), and the
notices the case clocks give rise to (a reminder, a missed deadline). Asking records a `Notice`;
the dispatcher sees it in the log and starts its delivery workflow (workflows/notice.py), so a
caller never talks to Temporal and a notice asked for twice under one key is one notice."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError

from domain.directory.access import SYSTEM_ACTOR
from domain.notices import Notice, notice_id
from domain.time.clocks import CaseClocks
from service.notify.texts import text
from service.store import Stamp

if TYPE_CHECKING:
    from service.store import CaseStore

Post = tuple[str, str]  # (node code, post): everyone holding that post at that node


class NoticeDesk:
    def __init__(self, cb: CaseStore, language: str = "zh-CN") -> None:
        self.cb, self.language = cb, language

    def notify(
        self,
        posts: Iterable[Post],
        subject: str,
        body: str,
        link: str = "",
        *,
        key: str,
        what: str = "message",
        people: Iterable[str] = (),
        node: str = "",
        at: datetime | None = None,
    ) -> Notice:
        """Sends `subject` and `body` (and a link into the workbench) to whoever holds each post
        when it is delivered, and to `people`, on the inbox and the channels configured for
        `what`. `key` makes it idempotent: the same key is the same notice. `node` is what the
        notice is about, for channels that go to a place (a WeCom group robot)."""
        stamp = Stamp(actor=SYSTEM_ACTOR, effective_at=at or self.cb.clock(), command_id=f"notice:{key}")

        def build() -> Notice:
            return Notice.request(
                key=key,
                what=what,
                subject=subject,
                body=body,
                link=link,
                posts=[{"node": n, "post": p} for n, p in posts],
                people=sorted(set(people)),
                node=node,
                **stamp,
            )

        return self.cb.create("notify", stamp, build, Notice, "notice")

    def get(self, id_: Any) -> Notice:
        found: Notice = self.cb.repository.get(id_)
        return found

    def people(self, notice: Notice) -> list[str]:
        """The people a notice goes to now: those named, and the holders of its posts."""
        directory, now = self.cb.current_directory(), self.cb.clock()
        held = {
            t.person_id
            for post in notice.posts
            for t in directory.holders(post["node"], now)
            if t.post == post["post"]
        }
        return sorted(held | set(notice.people))

    def from_clock_event(self, event: Any) -> Notice | None:
        """The notice a reminder or a missed deadline gives rise to: to the people the reminder
        named, or, for a missed deadline, to those its clock's reminders named (else to everyone
        holding a post at the clock's node)."""
        try:
            clocks: CaseClocks = self.cb.repository.get(event.originator_id, version=event.originator_version)
        except AggregateNotFoundError:
            return None
        clock = clocks.clocks[event.key]
        values = {
            "clock": clock.clock,
            "case_kind": clocks.case_kind,
            "case_id": clocks.case_id,
            "due_at": event.due_at.isoformat(timespec="minutes"),
        }
        link = f"/app/{clocks.case_kind}s/{clocks.case_id}"
        if isinstance(event, CaseClocks.ReminderRecorded):
            what, people, posts = "reminder", list(event.notify), []
            values["percent"] = round(event.fraction * 100)
        elif isinstance(event, CaseClocks.DeadlineMissed):
            what = "overdue"
            people = sorted({p for r in clock.reminders_sent for p in r["notify"]})
            posts = [] if people else self._posts_at(clock.node)
            values["consequence"] = event.consequence
        else:
            return None
        return self.notify(
            posts,
            text(self.language, f"{what}.subject", **values),
            text(self.language, f"{what}.body", **values),
            link,
            key=f"{event.originator_id}:{event.originator_version}",
            what=what,
            people=people,
            node=clock.node,
            at=event.effective_at,
        )

    def _posts_at(self, node: str) -> list[Post]:
        directory, now = self.cb.current_directory(), self.cb.clock()
        return sorted({(node, t.post) for t in directory.holders(node, now)})


__all__ = ["NoticeDesk", "Post", "notice_id"]

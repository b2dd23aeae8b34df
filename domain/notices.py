"""Notices: a message to people (a reminder, an overdue deadline, a briefing) and every attempt to
deliver it on each channel, so that who was told, when and how is part of the record."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

NOTICES_NAMESPACE = uuid5(NAMESPACE_URL, "https://fengqiao.example/notices")


def notice_id(key: str) -> UUID:
    """One notice per business key (the event that caused it, or the caller's key)."""
    return uuid5(NOTICES_NAMESPACE, key)


class Notice(Aggregate):
    TOPIC = "fengqiao.notices:Notice"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Requested(Aggregate.Created, Event):
        """A notice was asked for: what it says, to which posts and people, about what."""

        TOPIC = "fengqiao.notices:Requested"
        key: str
        what: str
        subject: str
        body: str
        link: str
        posts: list[dict[str, str]]
        people: list[str]
        node: str

    Created = Requested

    class NotificationSent(Event):
        """A channel accepted the notice for a recipient (a person, a group robot, a webhook)."""

        TOPIC = "fengqiao.notices:NotificationSent"
        channel: str
        recipient: str
        attempt: int
        detail: str

        def apply(self, n: Notice) -> None:
            n.sent.add((self.channel, self.recipient))

    class NotificationFailed(Event):
        """An attempt to deliver on a channel failed, with why; Temporal tries again by its policy."""

        TOPIC = "fengqiao.notices:NotificationFailed"
        channel: str
        recipient: str
        attempt: int
        error: str

        def apply(self, n: Notice) -> None:
            n.failures.append({"channel": self.channel, "recipient": self.recipient, "attempt": self.attempt})

    def __init__(
        self,
        *,
        key: str,
        what: str,
        subject: str,
        body: str,
        link: str,
        posts: list[dict[str, str]],
        people: list[str],
        node: str,
        **_stamp: Any,
    ) -> None:
        self.key, self.what, self.subject, self.body, self.link = key, what, subject, body, link
        self.posts, self.people, self.node = posts, people, node
        self.sent: set[tuple[str, str]] = set()
        self.failures: list[dict[str, Any]] = []

    @staticmethod
    def create_id(key: str, **_: object) -> UUID:
        return notice_id(key)

    @classmethod
    def request(cls, **fields: Any) -> Notice:
        return cls._create(cls.Requested, **fields)

    def was_sent(self, channel: str, recipient: str) -> bool:
        return (channel, recipient) in self.sent

    def record_sent(self, *, channel: str, recipient: str, attempt: int, detail: str, **stamp: Any) -> bool:
        if self.was_sent(channel, recipient):
            return False
        self.trigger_event(
            self.NotificationSent,
            channel=channel,
            recipient=recipient,
            attempt=attempt,
            detail=detail,
            **stamp,
        )
        return True

    def record_failed(self, *, channel: str, recipient: str, attempt: int, error: str, **stamp: Any) -> None:
        self.trigger_event(
            self.NotificationFailed,
            channel=channel,
            recipient=recipient,
            attempt=attempt,
            error=error,
            **stamp,
        )


EVENT_CLASSES = (Notice.Requested, Notice.NotificationSent, Notice.NotificationFailed)
EVENT_TOPICS = tuple(e.TOPIC for e in EVENT_CLASSES)

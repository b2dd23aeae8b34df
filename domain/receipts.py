"""Command receipts: a person's command id takes effect once, however often it is retried.

A receipt belongs to the person who sent the command and to the command itself (its kind and
a digest of its body): the same id from anyone else is another command, decided afresh."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

RECEIPTS_NAMESPACE = uuid5(NAMESPACE_URL, "https://fengqiao.example/command-receipts")
SYSTEM_PREFIX = "system:"


class CommandReceipt(Aggregate):
    """Saved in the same transaction as the command's events; its id is derived from the
    person and the command id, so a second save of the same command conflicts and writes nothing."""

    TOPIC = "fengqiao.receipts:CommandReceipt"

    class Event(Aggregate.Event):
        pass

    class Recorded(Aggregate.Created, Event):
        """A person's command took effect on a stream; the same command id from the same person
        will not take effect again. v2 keeps the W3C `traceparent` of the request (empty when
        tracing is off), so that what follows from the command joins its trace. v3 names the
        person (`sender`) and a digest of the command's body; older records were keyed by the
        command id alone. v4 keeps the person's reason for a command dated in the past
        (`late_reason`: domain/time/backdating.py), None when it was not recorded late."""

        TOPIC = "fengqiao.receipts:Recorded"
        class_version = 4
        command_id: str
        action: str
        stream_id: str
        trace: str
        sender: str
        digest: str
        late_reason: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["trace"] = ""

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["sender"] = ""
            state["digest"] = ""

        @staticmethod
        def upcast_v3_v4(state: dict[str, Any]) -> None:
            state["late_reason"] = None

    Created = Recorded

    def __init__(
        self,
        *,
        command_id: str,
        action: str,
        stream_id: str,
        trace: str,
        sender: str,
        digest: str,
        late_reason: str | None = None,
    ) -> None:
        self.command_id = command_id
        self.action = action
        self.stream_id = stream_id
        self.trace = trace
        self.sender = sender
        self.digest = digest
        self.late_reason = late_reason

    @staticmethod
    def create_id(command_id: str, sender: str, **_: object) -> UUID:
        return receipt_id(sender, command_id)

    @classmethod
    def record(
        cls,
        sender: str,
        command_id: str,
        action: str,
        stream_id: UUID,
        digest: str | None = None,
        trace: str = "",
        late_reason: str | None = None,
    ) -> CommandReceipt:
        return cls._create(
            cls.Recorded,
            command_id=command_id,
            action=action,
            stream_id=str(stream_id),
            trace=trace,
            sender=sender,
            digest=digest or "",
            late_reason=late_reason,
        )


def receipt_id(sender: str, command_id: str) -> UUID:
    """Per person; the system's actors (`system:…`: deadlines, schedules, files loaded) are one
    sender, whose command ids are derived from what they act on."""
    principal = SYSTEM_PREFIX if sender.startswith(SYSTEM_PREFIX) else sender
    return uuid5(RECEIPTS_NAMESPACE, f"{principal}\n{command_id}")


def legacy_receipt_id(command_id: str) -> UUID:
    """Where a receipt before v3, keyed by the command id alone, was saved."""
    return uuid5(RECEIPTS_NAMESPACE, command_id)

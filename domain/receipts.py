"""Command receipts: a command id takes effect once, however often it is retried."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

RECEIPTS_NAMESPACE = uuid5(NAMESPACE_URL, "https://fengqiao.example/command-receipts")


class CommandReceipt(Aggregate):
    """Saved in the same transaction as the command's events; its id is derived from the
    command id, so a second save of the same command id conflicts and writes nothing."""

    TOPIC = "fengqiao.receipts:CommandReceipt"

    class Event(Aggregate.Event):
        pass

    class Recorded(Aggregate.Created, Event):
        """A command took effect on a stream; the same command id will not take effect again.
        v2 keeps the W3C `traceparent` of the request (empty when tracing is off), so that what
        follows from the command joins its trace."""

        TOPIC = "fengqiao.receipts:Recorded"
        class_version = 2
        command_id: str
        action: str
        stream_id: str
        trace: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["trace"] = ""

    Created = Recorded

    def __init__(self, *, command_id: str, action: str, stream_id: str, trace: str) -> None:
        self.command_id = command_id
        self.action = action
        self.stream_id = stream_id
        self.trace = trace

    @staticmethod
    def create_id(command_id: str, **_: object) -> UUID:
        return receipt_id(command_id)

    @classmethod
    def record(cls, command_id: str, action: str, stream_id: UUID, trace: str = "") -> CommandReceipt:
        return cls._create(
            cls.Recorded, command_id=command_id, action=action, stream_id=str(stream_id), trace=trace
        )


def receipt_id(command_id: str) -> UUID:
    return uuid5(RECEIPTS_NAMESPACE, command_id)

"""A petitioner's matters: which petitions each matter has had and where each stands, so that
a repeat is recognised, a matter in progress is not accepted twice (Art. 19), and a concluded
matter is not taken up again on the same facts and reasons (Art. 36).

Saved in the same transaction as the petition that changes it, so that two bodies deciding
on the same matter at once are serialised by this stream's version. It holds no personal data:
its id is a keyed hash of the identity number, which it never stores."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from domain.errors import TransitionNotAllowed

_LABEL = b"fengqiao:petitioner:"  # keeps these ids apart from anything else made with the same key
_VERSION_8 = (0xF000 << 64, 0x8000 << 64)  # RFC 9562: a UUID of custom make
_VARIANT = (0xC000 << 48, 0x8000 << 48)


def petitioner_id(identity_number: str, key: bytes) -> UUID:
    """The id of the petitioner with this (normalised) identity number: HMAC-SHA256 under a
    secret key, so that nobody without the key can find a person's record by hashing the few
    possible numbers. The key must never change: every petitioner's record is found by it."""
    if not key:
        raise ValueError("petitioner ids need a key")
    digest = hmac.new(key, _LABEL + identity_number.encode("ascii"), hashlib.sha256).digest()
    value = int.from_bytes(digest[:16], "big")
    for mask, bits in (_VERSION_8, _VARIANT):
        value = value & ~mask | bits
    return UUID(int=value)


class Standing(StrEnum):
    PENDING = "pending"  # registered, acceptance not yet decided
    ACCEPTED = "accepted"  # a body is handling it
    ENDED = "ended"  # not accepted, or diverted to a legal procedure
    CONCLUDED = "concluded"


class Petitioner(Aggregate):
    """One person's petitions, by matter, and where each stands; keyed by a digest of the
    identity number, holding no personal data."""

    TOPIC = "fengqiao.petition:Petitioner"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Opened(Aggregate.Created, Event):
        """A petitioner's record began with their first petition."""

        TOPIC = "fengqiao.petition:PetitionerOpened"

    Created = Opened

    class PetitionFiled(Event):
        """A petition on one of the petitioner's matters was registered; a repeat names the one it repeats."""

        TOPIC = "fengqiao.petition:PetitionFiled"
        matter: str
        petition_id: str
        repeat_of: str | None

        def apply(self, p: Petitioner) -> None:
            p.matters.setdefault(self.matter, []).append(
                {
                    "petition_id": self.petition_id,
                    "standing": Standing.PENDING.value,
                    "since": self.effective_at,
                }
            )

    class PetitionAccepted(Event):
        """A petition on the matter was accepted: the matter is in progress."""

        TOPIC = "fengqiao.petition:PetitionAccepted"
        matter: str
        petition_id: str

        def apply(self, p: Petitioner) -> None:
            p._set(self.matter, self.petition_id, Standing.ACCEPTED, self.effective_at)

    class PetitionEnded(Event):
        """A petition on the matter ended without an answer on the merits: not accepted, or diverted."""

        TOPIC = "fengqiao.petition:PetitionEnded"
        matter: str
        petition_id: str
        outcome: str

        def apply(self, p: Petitioner) -> None:
            p._set(self.matter, self.petition_id, Standing.ENDED, self.effective_at, how=self.outcome)

    class MatterConcluded(Event):
        """A petition on the matter was concluded: the same facts and reasons are not accepted again."""

        TOPIC = "fengqiao.petition:MatterConcluded"
        matter: str
        petition_id: str
        how: str

        def apply(self, p: Petitioner) -> None:
            p._set(self.matter, self.petition_id, Standing.CONCLUDED, self.effective_at, how=self.how)

    def __init__(self, *, actor: str, effective_at: datetime, command_id: str) -> None:
        self.matters: dict[str, list[dict[str, Any]]] = {}

    @classmethod
    def open(cls, petitioner: UUID, **stamp: Any) -> Petitioner:
        """Opens the record of the petitioner whose id (`petitioner_id`) is given."""
        return cls._create(cls.Opened, id=petitioner, **stamp)

    # -- commands -----------------------------------------------------------

    def file(self, *, matter: str, petition_id: UUID, **stamp: Any) -> None:
        repeat_of = self.check_may_file(matter)
        self.trigger_event(
            self.PetitionFiled, matter=matter, petition_id=str(petition_id), repeat_of=repeat_of, **stamp
        )

    def note_accepted(self, *, matter: str, petition_id: UUID, **stamp: Any) -> None:
        self.trigger_event(self.PetitionAccepted, matter=matter, petition_id=str(petition_id), **stamp)

    def note_ended(self, *, matter: str, petition_id: UUID, outcome: str, **stamp: Any) -> None:
        self.trigger_event(
            self.PetitionEnded, matter=matter, petition_id=str(petition_id), outcome=outcome, **stamp
        )

    def note_concluded(self, *, matter: str, petition_id: UUID, how: str, **stamp: Any) -> None:
        self.trigger_event(
            self.MatterConcluded, matter=matter, petition_id=str(petition_id), how=how, **stamp
        )

    # -- questions ----------------------------------------------------------

    def check_may_file(self, matter: str) -> str | None:
        """The latest petition on the matter (so a new one is a repeat of it), or a refusal when
        the matter is concluded."""
        records = self.matters.get(matter, [])
        concluded = next((r for r in records if r["standing"] == Standing.CONCLUDED), None)
        if concluded is not None:
            when = concluded["since"].date().isoformat()
            raise TransitionNotAllowed(
                "register_petition",
                f"concluded on {when}",
                [],
                f"this petitioner's matter was concluded on {when} "
                f"({concluded['how'].replace('_', ' ')}, petition {concluded['petition_id']}): the same "
                "facts "
                "and reasons are not accepted again (Art. 36); new facts or reasons are a new matter",
            )
        return records[-1]["petition_id"] if records else None

    def in_progress(self, matter: str, excluding: UUID) -> dict[str, Any] | None:
        """Another petition on the matter that a body has accepted and is handling."""
        return next(
            (
                r
                for r in self.matters.get(matter, [])
                if r["standing"] == Standing.ACCEPTED and r["petition_id"] != str(excluding)
            ),
            None,
        )

    def standing(self, matter: str, petition_id: UUID) -> str | None:
        record = self._record(matter, str(petition_id))
        return record["standing"] if record else None

    def _record(self, matter: str, petition_id: str) -> dict[str, Any] | None:
        return next((r for r in self.matters.get(matter, []) if r["petition_id"] == petition_id), None)

    def _set(
        self, matter: str, petition_id: str, standing: Standing, at: datetime, how: str | None = None
    ) -> None:
        record = self._record(matter, petition_id)
        assert record is not None
        record.update(standing=standing.value, since=at, how=how)


EVENT_CLASSES = (
    Petitioner.Opened,
    Petitioner.PetitionFiled,
    Petitioner.PetitionAccepted,
    Petitioner.PetitionEnded,
    Petitioner.MatterConcluded,
)

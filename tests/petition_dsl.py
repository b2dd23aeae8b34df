"""Given / when / then for petitions: the steps of a petition's life on fixed days, and valid
resident identity numbers to petition with."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.directory.jurisdiction import NodeKind
from domain.petitions.petition import AcceptanceDecision, Channel, Level, Opinion, Petition, PetitionType

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
ROUTED_AT = T0 + timedelta(days=1)
ACCEPTED_AT = T0 + timedelta(days=2)
OPINION_AT = T0 + timedelta(days=10)
REVIEW_REQUESTED_AT = T0 + timedelta(days=12)
REVIEWED_AT = T0 + timedelta(days=20)
RE_REVIEW_REQUESTED_AT = T0 + timedelta(days=22)
LATER = T0 + timedelta(days=25)  # after every step above, inside both 30-day windows
# When the windows close, as the desk would give them from the deadline policy's clocks.
OBJECTION_CLOSES = ROUTED_AT + timedelta(days=7)
REVIEW_CLOSES = OPINION_AT + timedelta(days=30)
RE_REVIEW_CLOSES = REVIEWED_AT + timedelta(days=30)
Step = Callable[[Petition | None], Petition]
_ids = iter(range(1, 1_000_000))


def id_number(serial: int, born: str = "19800101", region: str = "110105") -> str:
    """A resident identity number with a correct check digit (GB 11643)."""
    body = f"{region}{born}{serial:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]


ZHANG = {
    "name": "Zhang San",
    "id_number": id_number(1),
    "phone": "+86 138 0000 0001",
    "address": "Qiaotou No. 3",
}
LI = {"name": "Li Si", "id_number": id_number(2)}


def stamp(actor: str = "chen-jing", at: datetime | None = None) -> dict[str, Any]:
    return {"actor": actor, "effective_at": at or LATER, "command_id": f"p{next(_ids)}"}


def registration(**facts: Any) -> dict[str, Any]:
    return {
        "node": "v",
        "node_kind": NodeKind.VILLAGE,
        "channel": Channel.LETTER,
        "type": PetitionType.COMPLAINT,
        "petitioner": ZHANG,
        "content": "The road money was never paid to our group.",
        "matter": "Road compensation",
        "reached_level": Level.VILLAGE,
        **facts,
    }


def registered(**facts: Any) -> Step:
    def step(_: Petition | None) -> Petition:
        return Petition.register(**{**registration(**facts), **stamp("qian-dong", T0)})

    return step


def _on(call: Callable[[Petition], None]) -> Step:
    def step(petition: Petition | None) -> Petition:
        assert petition is not None
        call(petition)
        return petition

    return step


def routed(to: str = "t", level: Level = Level.TOWNSHIP, at: datetime = ROUTED_AT) -> Step:
    return _on(lambda p: p.route(to_node=to, to_level=level, **stamp("qian-dong", at)))


def decided(decision: AcceptanceDecision = AcceptanceDecision.ACCEPTED, at: datetime = ACCEPTED_AT) -> Step:
    return _on(
        lambda p: p.decide_acceptance(
            decision=decision,
            reason="not ours to handle",
            objection_window_closes=OBJECTION_CLOSES,
            **stamp(at=at),
        )
    )


def extended(days: int = 30, at: datetime = ACCEPTED_AT) -> Step:
    return _on(
        lambda p: p.extend_handling(
            days=days, reason="site survey needed", most_days=30, handling_due=None, **stamp(at=at)
        )
    )


def hearing_started(at: datetime, body: str = "t") -> Step:
    return _on(lambda p: p.start_hearing(body=body, **stamp(at=at)))


def hearing_ended(at: datetime, summary: str = "both sides heard") -> Step:
    return _on(lambda p: p.end_hearing(summary=summary, **stamp(at=at)))


def opinion_given(outcome: Opinion = Opinion.NOT_SUPPORT, at: datetime = OPINION_AT) -> Step:
    return _on(
        lambda p: p.give_opinion(
            outcome=outcome, facts="paid in 2019", legal_basis="Land Admin. Law Art. 48", **stamp(at=at)
        )
    )


def review_requested(at: datetime = REVIEW_REQUESTED_AT) -> Step:
    return _on(
        lambda p: p.request_review(
            grounds="the receipt is forged", window_closes=REVIEW_CLOSES, **stamp("qian-dong", at)
        )
    )


def reviewed(outcome: Opinion = Opinion.NOT_SUPPORT, at: datetime = REVIEWED_AT) -> Step:
    return _on(
        lambda p: p.decide_review(
            outcome=outcome, facts="receipt checked", legal_basis="Art. 35", body="c", **stamp("xu-lin", at)
        )
    )


def re_review_requested(at: datetime = RE_REVIEW_REQUESTED_AT) -> Step:
    return _on(
        lambda p: p.request_re_review(
            grounds="still disputed", window_closes=RE_REVIEW_CLOSES, **stamp("qian-dong", at)
        )
    )


def answered() -> tuple[Step, ...]:
    """Registered, routed, accepted, and answered with a written opinion."""
    return registered(), routed(), decided(), opinion_given()


def recorded(*steps: Step) -> list[Any]:
    """The events the steps record, in order."""
    petition: Petition | None = None
    for step in steps:
        petition = step(petition)
    assert petition is not None
    return list(petition.collect_events())


def given(*steps: Step) -> Petition:
    """Records the steps' events, then rebuilds the petition from those events alone."""
    replayed: Petition | None = None
    for event in recorded(*steps):
        replayed = event.mutate(replayed)
    assert replayed is not None
    return replayed


def then(petition: Petition) -> list[Any]:
    """The events the command under test recorded."""
    return list(petition.collect_events())

"""A dispute counts as resolved by agreement only once its agreement is in effect: an oral one
when reached, a written one when every party has signed it and the committee has sealed it.
Both the node statistics' counts and the scoring facts follow that, from the same events."""

from __future__ import annotations

from typing import Any

from domain.assessment.facts import dispute_facts
from domain.disputes.dispute import AgreementForm, SessionOutcome
from projections import measures
from tests.dsl import agreed, mediated, recorded, reported, sealed, signed

WRITTEN = AgreementForm.WRITTEN


def ended(events: list[Any]) -> list[dict[str, str]]:
    memory, found = None, []
    for event in events:
        counts, memory = measures.counts(event, memory)
        found += [measures.dimensions(c.detail) for c in counts if c.measure == measures.DISPUTE_ENDED]
    return found


def agreed_facts(events: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    memory, found = None, []
    for event in events:
        facts, memory = dispute_facts(event, memory)
        found += [(type(event).__name__, f.attributes) for f in facts if f.kind == "dispute.agreed"]
    return found


def test_a_written_agreement_never_signed_and_sealed_has_not_ended_the_dispute():
    events = recorded(reported(), mediated(SessionOutcome.ADJOURNED), agreed(WRITTEN), signed("p1"))
    assert ended(events) == []
    assert agreed_facts(events) == []


def test_a_written_agreement_ends_the_dispute_when_sealed_at_the_level_it_was_reached():
    events = recorded(
        reported(), mediated(SessionOutcome.ADJOURNED), agreed(WRITTEN), signed("p1", "p2"), sealed()
    )
    assert ended(events) == [{"outcome": "agreement", "level": "grid", "mediated": "1"}]
    assert agreed_facts(events) == [("AgreementSealed", {"level": "grid"})]


def test_an_oral_agreement_ends_the_dispute_when_reached():
    events = recorded(reported(), agreed(AgreementForm.ORAL))
    assert ended(events) == [{"outcome": "agreement", "level": "grid", "mediated": "0"}]
    assert agreed_facts(events) == [("AgreementReached", {"level": "grid"})]

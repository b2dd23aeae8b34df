"""docs/events.md is the catalogue the code renders; every event class is in it."""

from __future__ import annotations

from domain.catalogue import STREAMS, render
from tests.support import ROOT


def test_the_event_catalogue_in_docs_is_the_one_the_code_renders():
    written = (ROOT / "docs" / "events.md").read_text(encoding="utf-8")
    assert written == render(), "run: .venv/bin/fengqiao events > docs/events.md"


def test_every_event_topic_is_explicit_and_unique():
    topics = [event.TOPIC for _, _, events in STREAMS for event in events]
    assert len(topics) == len(set(topics))
    assert all(topic.startswith("fengqiao.") for topic in topics)

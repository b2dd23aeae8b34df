"""Records written by the first release (Reported and Closed at class version 1) are read as
today's events: the store is never rewritten, old records are upcast on the way in."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from domain.dispute import Dispute, Level, Source, Status
from infra.bootstrap import System
from projections.runner import ProjectionRunner
from tests.support import GRID, VILLAGE, person

AT = datetime(2026, 2, 1, 8, 0, tzinfo=timezone.utc)


def v1_records(system: System) -> tuple:
    """The two records exactly as the walking skeleton stored them."""
    dispute_id = uuid4()
    encode = system.casebook.mapper.transcoder.encode
    reported = {
        "timestamp": AT, "originator_topic": "fengqiao.dispute:Dispute", "actor": "wang-fang",
        "effective_at": AT, "command_id": "c-1", "village": VILLAGE, "grid": GRID,
        "parties": [{"name": "Zhang San"}, {"name": "Li Si"}], "category": "neighbourhood",
        "severity": "minor", "description": "fence moved", "occurred_at": AT,
    }
    agreed = {"timestamp": AT, "actor": "li-ming", "effective_at": AT, "command_id": "c-2",
              "level": "grid", "form": "oral", "terms": "fence back"}
    closed = {"timestamp": AT, "actor": "li-ming", "effective_at": AT, "command_id": "c-3",
              "with_agreement": True, "reason": "done"}
    return dispute_id, [
        StoredEvent(dispute_id, 1, "fengqiao.dispute:Reported", encode(reported)),
        StoredEvent(dispute_id, 2, "fengqiao.dispute:AgreementReached", encode(agreed)),
        StoredEvent(dispute_id, 3, "fengqiao.dispute:Closed", encode(closed)),
    ]


def test_a_version_1_report_and_closure_are_read_as_version_2_events(system: System):
    dispute_id, records = v1_records(system)
    assert b"class_version" not in records[0].state
    system.casebook.recorder.insert_events(records)

    dispute = system.casebook.disputes.get(person("auditor"), dispute_id)
    assert (dispute.source, dispute.source_ref, dispute.level) == (Source.UNRECORDED, None, Level.GRID)
    assert dispute.status == Status.CLOSED and dispute.closed_with_agreement
    _, history = system.casebook.disputes.with_history(person("auditor"), dispute_id)
    assert isinstance(history[0], Dispute.Reported) and history[0].source == "unrecorded"
    assert isinstance(history[-1], Dispute.Closed) and history[-1].remedies_told == []


def test_new_events_on_an_upcast_stream_are_written_at_the_new_version(system: System):
    dispute_id, records = v1_records(system)
    system.casebook.recorder.insert_events(records)
    system.casebook.disputes.reopen(person("mediator"), dispute_id, reason="the fence moved again")
    newest = system.casebook.recorder.select_events(dispute_id, desc=True, limit=1)[0]
    assert newest.topic == "fengqiao.dispute:Reopened"
    assert system.casebook.recorder.select_events(dispute_id, lte=1)[0].state == records[0].state


def test_the_statistics_projection_reads_version_1_records(system: System):
    _, records = v1_records(system)
    system.casebook.recorder.insert_events(records)
    runner = ProjectionRunner(system.reader, system.views, system.statistics)
    runner.setup()
    runner.catch_up()
    with system.views.reading() as cur:
        stats = system.statistics.village(cur, VILLAGE)
    assert (stats["reported"], stats["resolved_by_agreement"]) == (1, 1)

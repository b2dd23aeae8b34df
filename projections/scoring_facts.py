"""The scoring facts of every unit, kept from the log (see domain/assessment/facts.py): the one table a
score, a veto or an as-of question reads, indexed by unit and year. Rebuilt from zero it is
the same, and it is built in batches like every read model here."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from domain.assessment.assessment import UnitYear
from domain.assessment.facts import (
    DisputeMemory,
    Fact,
    dispute_facts,
    incident_facts,
    petition_facts,
    shift_facts,
    sweep_facts,
)
from domain.disputes import dispute
from domain.incidents import incident
from domain.patrols import patrol
from domain.petitions import petition
from domain.sweeps.sweep import Sweep
from infra.sql import Cursor, Row, upsert
from projections.memory import StreamMemory

# v2: each fact of an event has its own id (a conversion after a failed mediation kept only
# one of its two), a conclusion counts once, and an incident is dated by when it occurred.
# v3: a written agreement is a fact (dispute.agreed) when it takes effect — signed by every party
# and sealed — not when it is reached.
VERSION = 3
COLUMNS = (
    "fact_id",
    "unit",
    "year",
    "kind",
    "effective_at",
    "recorded_at",
    "case_id",
    "attributes",
    "occurred_at",
)
TYPES = ("text", "text", "integer", "text", "text", "text", "text", "text", "text")
TOPICS = (
    *dispute.EVENT_TOPICS,
    petition.Petition.Registered.TOPIC,
    incident.Incident.Reported.TOPIC,
    incident.Incident.CasualtiesCorrected.TOPIC,
    incident.Incident.MassIncidentFactsCorrected.TOPIC,
    patrol.Shift.Scheduled.TOPIC,
    patrol.Shift.Missed.TOPIC,
    patrol.Shift.CheckpointMissed.TOPIC,
    Sweep.Opened.TOPIC,
    Sweep.Missed.TOPIC,
    UnitYear.Opened.TOPIC,
    UnitYear.ActivityRecorded.TOPIC,
)
VillageOf = Callable[[str, datetime], str | None]
# Events that begin a stream's memory: nothing to recall for them.
STARTERS = (
    dispute.Dispute.Reported,
    incident.Incident.Reported,
    patrol.Shift.Scheduled,
    Sweep.Opened,
    UnitYear.Opened,
)


def _iso(moment: datetime) -> str:

    return moment.astimezone(UTC).isoformat()


def row_of(fact: Fact) -> tuple[Any, ...]:
    return (
        fact.fact_id,
        fact.unit,
        fact.year,
        fact.kind,
        _iso(fact.effective_at),
        _iso(fact.recorded_at),
        fact.case_id,
        json.dumps(fact.attributes, sort_keys=True),
        _iso(fact.occurred_at) if fact.occurred_at else None,
    )


def fact_of(row: Row) -> Fact:
    return Fact(
        row["fact_id"],
        row["unit"],
        row["kind"],
        datetime.fromisoformat(row["effective_at"]),
        datetime.fromisoformat(row["recorded_at"]),
        json.loads(row["attributes"]),
        row["case_id"],
        datetime.fromisoformat(row["occurred_at"]) if row["occurred_at"] else None,
    )


class ScoringFacts:
    def __init__(self, village_of: VillageOf, suffix: str = "") -> None:
        self.village_of = village_of
        self.suffix = suffix
        self.name = f"scoring_facts_v{VERSION}{suffix}"
        self.table = f"scoring_facts_v{VERSION}{suffix}"
        self.memory = StreamMemory(f"scoring_memory_v{VERSION}{suffix}")
        self.topics = TOPICS

    def shadow(self) -> ScoringFacts:
        return ScoringFacts(self.village_of, self.suffix + "__rebuild")

    def create(self, cur: Cursor) -> None:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (fact_id TEXT PRIMARY KEY, unit TEXT NOT NULL, "
            "year INTEGER NOT NULL, kind TEXT NOT NULL, effective_at TEXT NOT NULL, "
            "recorded_at TEXT NOT NULL, case_id TEXT, attributes TEXT NOT NULL, occurred_at TEXT)"
        )
        self.memory.create(cur)
        if not self.suffix.endswith("__rebuild"):  # a shadow is indexed once it replaces the live table
            cur.execute(f"CREATE INDEX IF NOT EXISTS {self.table}_unit ON {self.table} (unit, year)")

    def drop(self, cur: Cursor) -> None:
        cur.execute(f"DROP TABLE IF EXISTS {self.table}")
        self.memory.drop(cur)

    def replace_with(self, cur: Cursor, shadow: Any) -> None:
        self.drop(cur)
        cur.execute(f"ALTER TABLE {shadow.table} RENAME TO {self.table}")
        self.memory.take_over(cur, shadow.memory)
        self.create(cur)

    def apply(self, cur: Cursor, events: Sequence[Any]) -> None:
        memory = self.memory.recall(
            cur, {str(e.originator_id) for e in events if not isinstance(e, STARTERS)}
        )
        before = {k: json.dumps(v, sort_keys=True) for k, v in memory.items()}
        facts: list[Fact] = []
        for event in events:
            key = str(event.originator_id)
            facts.extend(self._facts(event, key, memory))
        if facts:
            upsert(
                cur,
                self.table,
                COLUMNS,
                TYPES,
                [row_of(f) for f in facts],
                "ON CONFLICT (fact_id) DO NOTHING",
            )
        changed = [
            (k, text) for k, v in memory.items() if (text := json.dumps(v, sort_keys=True)) != before.get(k)
        ]
        if changed:
            self.memory.keep(cur, changed)

    def _facts(self, event: Any, key: str, memory: dict[str, Any]) -> list[Fact]:
        if isinstance(event, dispute.Dispute.Event):
            kept = memory.get(key)
            found, after = dispute_facts(event, DisputeMemory(**kept) if kept else None)
            if after is not None:
                memory[key] = after.__dict__
            return found
        if isinstance(event, petition.Petition.Registered):
            return petition_facts(event, self.village_of(event.node, event.effective_at))
        if isinstance(event, incident.Incident.Event):
            found, state = incident_facts(event, memory.get(key))
            if state is not None:
                memory[key] = state
            return found
        if isinstance(event, patrol.Shift.Scheduled):
            memory[key] = {"village": self.village_of(event.node, event.effective_at)}
            return []
        if isinstance(event, patrol.Shift.Event):
            return shift_facts(event, (memory.get(key) or {}).get("village"))
        if isinstance(event, Sweep.Opened):
            memory[key] = {"village": event.village}
            return []
        if isinstance(event, Sweep.Event):
            return sweep_facts(event, (memory.get(key) or {}).get("village"))
        if isinstance(event, UnitYear.Opened):
            memory[key] = {"unit": event.unit}
            return []
        if isinstance(event, UnitYear.ActivityRecorded):
            unit = (memory.get(key) or {}).get("unit")
            return _activity_facts(event, unit) if unit else []
        return []

    def rows(self, cur: Cursor) -> dict[str, list[Row]]:
        cur.execute(f"SELECT {', '.join(COLUMNS)} FROM {self.table} ORDER BY fact_id")
        return {self.table: cur.fetchall(), self.memory.table: self.memory.rows(cur)}

    def facts(self, cur: Cursor, unit: str, year: int) -> list[Fact]:
        cur.execute(
            f"SELECT {', '.join(COLUMNS)} FROM {self.table} WHERE unit = ? AND year = ?", (unit, year)
        )
        return [fact_of(r) for r in cur.fetchall()]


def _activity_facts(event: Any, unit: str) -> list[Fact]:
    base = f"{event.originator_id}:{event.originator_version}"
    held = Fact(base, unit, "activity.held", event.effective_at, event.timestamp, {"kind": event.kind})
    absent = [
        Fact(
            f"{base}:{person}",
            unit,
            "activity.absence",
            event.effective_at,
            event.timestamp,
            {"kind": event.kind, "person": person},
        )
        for person in event.absentees
    ]
    return [held, *absent]

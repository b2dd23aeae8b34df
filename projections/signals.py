"""Signals of gaming, for review — never penalties: patterns in the disputes' log that make the
statistics look better than the work, per village and day, each with the case and the event
behind it. They answer a real critique of grassroots mediation figures: that the goal drifts
from "resolved" to "nothing reported".

The definitions are versioned like every metric (`VERSION`, `SIGNALS`, rendered into
docs/metrics.md); a new version starts a new table, so deploying it rebuilds from the log.
A signal is a question for a person to ask, not a finding: each row says what was seen."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.disputes.dispute import EVENT_TOPICS, Dispute, Level
from domain.time.calendar import CHINA
from domain.time.clocks import CaseClocks, clocks_id
from infra.sql import Cursor, Row, among, upsert
from projections.memory import StreamMemory
from service.kinds import DISPUTE

VERSION = 2  # 2: closed_before_deadline, which also reads the disputes' clocks
LATE_AFTER = timedelta(hours=72)  # recorded this long after it took effect: recorded late
REFILED_WITHIN = timedelta(days=30)  # a party's new dispute this soon after the last one closed
REOPENINGS = 2  # reopened this many times or more
# Closed "just before" its level's deadline: in the last tenth of the time the level's clock gave it
# (from the clock's start to its due time) — 2.4 hours of the grid's 24, a day and a half of the
# village's 15 days, three days of the township's 30. A share, not a number of hours: one window for
# every level would flag every grid closure or miss the township's; and a tenth, not the fifth after
# the last reminder (at 0.8 of the period), which is when a reminded person rightly gets on with it.
JUST_BEFORE = 0.1
LEVEL_CLOCKS = frozenset(f"dispute.{level.value}" for level in Level)
# The clock events that say when a level's deadline falls, and when it stopped falling.
CLOCK_TOPICS = tuple(
    e.TOPIC
    for e in (
        CaseClocks.ClockStarted,
        CaseClocks.ClockPaused,
        CaseClocks.ClockResumed,
        CaseClocks.ClockExtended,
        CaseClocks.DueDateRecomputed,
        CaseClocks.DueTimeHeld,
        CaseClocks.DeadlineMissed,
        CaseClocks.ClockStopped,
    )
)

BEGIN = "<!-- signals: rendered from projections/signals.py -->"
END = "<!-- signals: end -->"


@dataclass(frozen=True)
class Signal:
    name: str
    title: str
    definition: str


SIGNALS = (
    Signal(
        "recorded_late",
        "Recorded long after it took effect",
        f"A dispute event a person recorded more than {LATE_AFTER.total_seconds() / 3600:.0f} hours after "
        "the time it says it took effect (its effective time against its recording time). The system's own "
        "records (escalations dated at their due time) are left out.",
    ),
    Signal(
        "refiled",
        "A party's dispute re-filed soon after closing",
        f"A dispute reported in a village within {REFILED_WITHIN.days} days after another dispute of the "
        "same village with a party of the same name was closed: a case closed to improve the figures "
        "and then reported again. Parties are matched by a keyed digest of the name, never the name.",
    ),
    Signal(
        "reopened_repeatedly",
        "Reopened again and again",
        f"A dispute reopened for the {REOPENINGS}nd time or more: closed before it was settled.",
    ),
    Signal(
        "follow_up_by_mediator",
        "Follow-up recorded by the mediator",
        "A follow-up visit whose satisfaction was recorded by a person who mediated the same dispute "
        "(held one of its sessions or recorded its agreement), not by someone independent of it.",
    ),
    Signal(
        "agreement_then_criminal",
        "An agreement followed by a criminal case",
        "A dispute turned into a criminal case after an agreement was recorded on it: the agreement "
        "did not settle it (a resolution counted that was not one).",
    ),
    Signal(
        "closed_before_deadline",
        "Closed unusually just before its deadline",
        "A dispute ended without a settlement — closed without an agreement after mediation failed, "
        "referred out to litigation, arbitration or an administrative body, or marked a duplicate of "
        f"another — in the last {JUST_BEFORE:.0%} of the time its level's clock gave it (from the clock's "
        "start to its due time, as the clock events say; under the shipped limits the last 2.4 hours of "
        "the grid's 24, 1.5 days of the village's 15, 3 days of the township's 30), so that the deadline "
        "that would have passed just after, sending it up a level or making it overdue, never did. These "
        "are the ways a mediator can end a case alone, on a reason of their own; an agreement (the "
        "parties' own settlement) and a criminal case (the police's number) are left out, and so is a "
        "clock paused or already past its due time. The time compared is the closure's effective time; "
        "the row says how long before which deadline.",
    ),
)
NAMES = tuple(s.name for s in SIGNALS)

# The ends of a dispute a reviewer would call unusual when they come just before a deadline (a
# Closed one only without an agreement), each as the row's detail names it.
UNUSUAL_NAMES = {
    Dispute.Closed: "closed without agreement",
    Dispute.ReferredOut: "referred out",
    Dispute.MarkedDuplicate: "marked duplicate",
}
UNUSUAL = tuple(UNUSUAL_NAMES)

COLUMNS = ("signal", "case_id", "event_ref", "village", "day", "recorded_at", "detail")
TYPES = ("text",) * 7


def _day(moment: datetime) -> str:
    return moment.astimezone(CHINA).date().isoformat()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def _clock(memory: dict[str, Any], stream: str, event: Any) -> None:
    """Keeps, per case's clocks stream, the level clocks that still run and when each falls due."""
    if isinstance(event, CaseClocks.ClockStarted):
        if event.clock in LEVEL_CLOCKS:
            level = memory.setdefault(stream, {"level": {}})["level"]
            level[event.key] = {
                "clock": event.clock,
                "started_at": _iso(event.effective_at),
                "due_at": _iso(event.due_at),
                "status": "running",
            }
        return
    clock = memory.get(stream, {"level": {}})["level"].get(event.key)
    if clock is None:
        return  # not a level clock of a dispute
    if isinstance(event, (CaseClocks.ClockStopped, CaseClocks.DeadlineMissed)):
        del memory[stream]["level"][event.key]
    elif isinstance(event, (CaseClocks.ClockPaused, CaseClocks.DueTimeHeld)):
        clock["status"] = "paused" if isinstance(event, CaseClocks.ClockPaused) else "held"
    else:  # resumed, extended or recomputed: a new due time, counted again
        clock["due_at"] = _iso(event.due_at)
        if isinstance(event, CaseClocks.ClockResumed) or clock["status"] == "held":
            clock["status"] = "running"


def _avoided(clocks: dict[str, Any] | None, at: datetime) -> str | None:
    """The running level deadline a closure at `at` came just before, as the row's detail says it."""
    for clock in (clocks or {"level": {}})["level"].values():
        started, due = datetime.fromisoformat(clock["started_at"]), datetime.fromisoformat(clock["due_at"])
        if clock["status"] == "running" and due - (due - started) * JUST_BEFORE <= at <= due:
            hours = (due - at).total_seconds() / 3600
            return f"{hours:.1f} h before the {clock['clock']} deadline {clock['due_at']}"
    return None


class GamingSignals:
    def __init__(self, key: bytes | None = None, suffix: str = "") -> None:
        self.key = key or b"fengqiao-signals"
        self.suffix = suffix
        self.name = f"gaming_signals_v{VERSION}{suffix}"
        self.table = f"gaming_signals_v{VERSION}{suffix}"
        self.closures = f"gaming_closures_v{VERSION}{suffix}"
        self.memory = StreamMemory(f"gaming_memory_v{VERSION}{suffix}")
        self.topics = (*EVENT_TOPICS, *CLOCK_TOPICS)

    def shadow(self) -> GamingSignals:
        return GamingSignals(self.key, self.suffix + "__rebuild")

    # -- schema ---------------------------------------------------------------

    def create(self, cur: Cursor) -> None:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (signal TEXT NOT NULL, case_id TEXT NOT NULL, "
            "event_ref TEXT NOT NULL, village TEXT NOT NULL, day TEXT NOT NULL, recorded_at TEXT NOT NULL, "
            "detail TEXT NOT NULL, PRIMARY KEY (signal, case_id, event_ref))"
        )
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.closures} (party TEXT NOT NULL, case_id TEXT NOT NULL, "
            "village TEXT NOT NULL, closed_at TEXT NOT NULL, PRIMARY KEY (party, case_id))"
        )
        self.memory.create(cur)
        if not self.suffix.endswith("__rebuild"):  # a shadow is indexed once it replaces the live table
            cur.execute(f"CREATE INDEX IF NOT EXISTS {self.table}_village ON {self.table} (village, day)")

    def drop(self, cur: Cursor) -> None:
        cur.execute(f"DROP TABLE IF EXISTS {self.table}")
        cur.execute(f"DROP TABLE IF EXISTS {self.closures}")
        self.memory.drop(cur)

    def replace_with(self, cur: Cursor, shadow: Any) -> None:
        self.drop(cur)
        cur.execute(f"ALTER TABLE {shadow.table} RENAME TO {self.table}")
        cur.execute(f"ALTER TABLE {shadow.closures} RENAME TO {self.closures}")
        self.memory.take_over(cur, shadow.memory)
        self.create(cur)

    # -- events -----------------------------------------------------------------

    def apply(self, cur: Cursor, events: Sequence[Any]) -> None:
        streams = {str(e.originator_id) for e in events if not isinstance(e, Dispute.Reported)}
        ends = {str(clocks_id(DISPUTE, e.originator_id)) for e in events if isinstance(e, UNUSUAL)}
        memory = self.memory.recall(cur, streams | ends)
        before = {k: json.dumps(v, sort_keys=True) for k, v in memory.items()}
        found: list[tuple[str, ...]] = []
        for event in events:
            case = str(event.originator_id)
            if isinstance(event, CaseClocks.Event):
                _clock(memory, case, event)
                continue
            if isinstance(event, Dispute.Reported):
                memory[case] = {"village": event.village, "parties": self._parties(event), "people": []}
            state = memory.get(case)
            if state is None:
                continue  # a stream begun before this read model's topics: nothing to say of it
            found.extend(self._seen(cur, event, case, state, memory))
        if found:
            upsert(
                cur, self.table, COLUMNS, TYPES, found, "ON CONFLICT (signal, case_id, event_ref) DO NOTHING"
            )
        changed = [(k, json.dumps(v, sort_keys=True)) for k, v in memory.items()]
        self.memory.keep(cur, [(k, v) for k, v in changed if before.get(k) != v])

    def _parties(self, event: Any) -> list[str]:
        names = [str(p.get("name", "")).strip() for p in event.parties]
        return sorted(
            hmac.new(self.key, f"{event.village}\x00{n}".encode(), hashlib.sha256).hexdigest()[:32]
            for n in names
            if n
        )

    def _seen(
        self, cur: Cursor, event: Any, case: str, state: dict[str, Any], memory: dict[str, Any]
    ) -> list[tuple[str, ...]]:
        ref = f"{case}:{event.originator_version}"
        village = state["village"]

        def signal(name: str, detail: str) -> tuple[str, ...]:
            return (name, case, ref, village, _day(event.timestamp), _iso(event.timestamp), detail)

        out = []
        late = event.timestamp - event.effective_at
        if late > LATE_AFTER and not str(event.actor).startswith("system"):
            out.append(
                signal("recorded_late", f"{type(event).__qualname__}, {late.total_seconds() / 3600:.0f} h")
            )
        if isinstance(event, Dispute.Reported):
            earlier = self._closed_before(cur, state["parties"], village, event.effective_at, case)
            if earlier:
                out.append(signal("refiled", f"after {earlier}"))
        elif isinstance(event, Dispute.MediationSessionHeld):
            state["people"] = sorted({*state["people"], event.actor, event.mediator})
        elif isinstance(event, Dispute.AgreementReached):
            state["people"] = sorted({*state["people"], event.actor})
            state["agreed"] = True
        elif isinstance(event, Dispute.FollowUpVisitMade) and event.actor in state["people"]:
            out.append(signal("follow_up_by_mediator", f"{type(event).__qualname__} by {event.actor}"))
        elif isinstance(event, Dispute.ConvertedToCriminalCase) and state.get("agreed"):
            out.append(signal("agreement_then_criminal", type(event).__qualname__))
        elif isinstance(event, Dispute.Reopened) and event.reopening >= REOPENINGS:
            out.append(signal("reopened_repeatedly", f"reopening {event.reopening}"))
        if isinstance(event, UNUSUAL) and not getattr(event, "with_agreement", False):
            avoided = _avoided(memory.get(str(clocks_id(DISPUTE, case))), event.effective_at)
            if avoided:
                out.append(signal("closed_before_deadline", f"{UNUSUAL_NAMES[type(event)]}, {avoided}"))
        if isinstance(event, Dispute.Closed):
            upsert(
                cur,
                self.closures,
                ("party", "case_id", "village", "closed_at"),
                ("text",) * 4,
                [(party, case, village, _iso(event.effective_at)) for party in state["parties"]],
                "ON CONFLICT (party, case_id) DO UPDATE SET closed_at = excluded.closed_at",
            )
        return out

    def _closed_before(
        self, cur: Cursor, parties: list[str], village: str, at: datetime, case: str
    ) -> str | None:
        if not parties:
            return None
        condition, params = among(cur, "party", parties)
        cur.execute(
            f"SELECT case_id, closed_at FROM {self.closures} WHERE {condition} AND village = ? "
            "AND closed_at >= ? AND closed_at <= ? AND case_id <> ? ORDER BY closed_at DESC LIMIT 1",
            (*params, village, _iso(at - REFILED_WITHIN), _iso(at), case),
        )
        row = cur.fetchone()
        return f"{row['case_id']} closed {row['closed_at'][:10]}" if row else None

    # -- questions ----------------------------------------------------------------

    def rows(self, cur: Cursor) -> dict[str, list[Row]]:
        cur.execute(f"SELECT {', '.join(COLUMNS)} FROM {self.table} ORDER BY signal, case_id, event_ref")
        signals = cur.fetchall()
        cur.execute(f"SELECT party, case_id, village, closed_at FROM {self.closures} ORDER BY party, case_id")
        return {self.table: signals, self.closures: cur.fetchall(), self.memory.table: self.memory.rows(cur)}

    def counts(self, cur: Cursor, villages: Sequence[str], start: str, end: str) -> dict[str, int]:
        """How many of each signal were seen in the villages on days in [start, end)."""
        condition, params = among(cur, "village", list(villages))
        cur.execute(
            f"SELECT signal, COUNT(*) AS n FROM {self.table} WHERE {condition} AND day >= ? AND day < ? "
            "GROUP BY signal",
            (*params, start, end),
        )
        found = {r["signal"]: int(r["n"]) for r in cur.fetchall()}
        return {name: found.get(name, 0) for name in NAMES}

    def seen(
        self, cur: Cursor, villages: Sequence[str], start: str, end: str, signal: str | None = None
    ) -> list[Row]:
        """The signals behind those counts, newest first: each with its case and event."""
        condition, params = among(cur, "village", list(villages))
        where, extra = f"{condition} AND day >= ? AND day < ?", [start, end]
        if signal is not None:
            where += " AND signal = ?"
            extra.append(signal)
        cur.execute(
            f"SELECT {', '.join(COLUMNS)} FROM {self.table} WHERE {where} ORDER BY recorded_at DESC, case_id",
            (*params, *extra),
        )
        return cur.fetchall()


def render() -> str:
    """The definitions, as docs/metrics.md shows them."""
    lines = [
        BEGIN,
        "",
        f"### Signals of gaming (v{VERSION}), for review — not penalties",
        "",
        (
            "Per village and day of recording, each with its case and event "
            "(`GET /signals/{node}`, projection `gaming_signals`). A signal is a question to ask, not a "
            "finding."
        ),
        "",
    ]
    for s in SIGNALS:
        lines += [f"#### `{s.name}` v{VERSION} — {s.title}", "", s.definition, ""]
    lines.append(END)
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    from pathlib import Path

    path = Path(sys.argv[1])
    text = path.read_text(encoding="utf-8")
    if BEGIN in text:
        text = text[: text.index(BEGIN)] + render() + text[text.index(END) + len(END) :]
    else:
        text = text.rstrip("\n") + "\n\n" + render() + "\n"
    path.write_text(text, encoding="utf-8")

"""Which cases stand behind each statistic: the same counts as the node statistics
(projections/measures.py), kept per case — (case, node, business day, recording day, measure,
detail, n) — so that a figure can be opened into the cases of its numerator and denominator.

Every metric is computed from sums of counts (projections/metrics.py: a count is a sum, a rate
is a ratio of two sums, a stock is a sum up to a day). Computed over one case's counts alone, a
metric gives that case's share of the numerator and of the denominator; summed over the cases
the shares are the figure's (tests/test_metric_cases.py checks it for every metric). A case
may count more than once (a dispute reopened and ended twice): its share says how often.

A clock's counts belong to the case whose clocks they are (CaseClocks.Opened names it).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.disputes.dispute import Dispute
from domain.incidents.incident import Incident
from domain.patrols.patrol import Shift
from domain.petitions.petition import Petition
from domain.time.calendar import CHINA
from domain.time.clocks import CaseClocks
from infra.sql import Cursor, Row, among, upsert
from projections.measures import STOCKS, TOPICS, Memory, counts, stream_ids
from projections.memory import StreamMemory, chunks
from projections.metrics import BY_NAME, Figure, Tally
from service import kinds

VERSION = 2  # counts as node_counts_v5 (projections/node_statistics.py), per case; 2: record.late
COLUMNS = ("case_id", "case_kind", "node", "day", "recorded", "measure", "detail", "n")
TYPES = ("text",) * 7 + ("integer",)
KINDS = (
    (Dispute.Event, kinds.DISPUTE),
    (Petition.Event, kinds.PETITION),
    (Incident.Event, kinds.INCIDENT),
    (Shift.Event, kinds.PATROL_SHIFT),
)


@dataclass(frozen=True)
class Share:
    """One case's part in a figure."""

    case_kind: str
    case_id: str
    figure: Figure

    @property
    def numerator(self) -> int:
        return int(self.figure.numerator or 0)

    @property
    def denominator(self) -> int:
        return int(self.figure.denominator or 0)

    @property
    def value(self) -> float:
        return float(self.figure.value or 0)


class MetricCases:
    def __init__(self, suffix: str = "") -> None:
        self.suffix = suffix
        self.name = f"metric_cases_v{VERSION}{suffix}"
        self.table = f"metric_case_counts_v{VERSION}{suffix}"
        self.streams = f"metric_case_streams_v{VERSION}{suffix}"
        self.memory = StreamMemory(f"metric_case_memory_v{VERSION}{suffix}")
        self.topics = (*TOPICS, CaseClocks.Opened.TOPIC)

    def shadow(self) -> MetricCases:
        return MetricCases(self.suffix + "__rebuild")

    def create(self, cur: Cursor) -> None:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (case_id TEXT NOT NULL, case_kind TEXT NOT NULL, "
            "node TEXT NOT NULL, day TEXT NOT NULL, recorded TEXT NOT NULL, measure TEXT NOT NULL, "
            "detail TEXT NOT NULL, n INTEGER NOT NULL, "
            "PRIMARY KEY (node, day, case_id, recorded, measure, detail))"
        )
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.streams} (clocks_id TEXT PRIMARY KEY, "
            "case_kind TEXT NOT NULL, case_id TEXT NOT NULL)"
        )
        self.memory.create(cur)

    def drop(self, cur: Cursor) -> None:
        cur.execute(f"DROP TABLE IF EXISTS {self.table}")
        cur.execute(f"DROP TABLE IF EXISTS {self.streams}")
        self.memory.drop(cur)

    def replace_with(self, cur: Cursor, shadow: Any) -> None:
        self.drop(cur)
        cur.execute(f"ALTER TABLE {shadow.table} RENAME TO {self.table}")
        cur.execute(f"ALTER TABLE {shadow.streams} RENAME TO {self.streams}")
        self.memory.take_over(cur, shadow.memory)
        self.create(cur)

    def apply(self, cur: Cursor, events: Sequence[Any]) -> None:
        cases = self._cases(cur, events)
        counted = [e for e in events if not isinstance(e, CaseClocks.Opened)]
        recalled: dict[str, Memory | None] = self.memory.recall(cur, set(stream_ids(counted)))
        memory: dict[str, Memory | None] = dict(recalled)
        tally: Counter[tuple[str, ...]] = Counter()
        for event in counted:
            key = str(event.originator_id)
            recorded = event.timestamp.astimezone(CHINA).date().isoformat()
            found, memory[key] = counts(event, memory.get(key))
            case = cases.get(key)
            if case is None:
                continue
            for c in found:
                tally[(case[1], case[0], c.node, c.day, recorded, c.measure, c.detail)] += c.n
        upsert(
            cur,
            self.table,
            COLUMNS,
            TYPES,
            [(*key, n) for key, n in sorted(tally.items())],
            f"ON CONFLICT (node, day, case_id, recorded, measure, detail) DO UPDATE SET n = {self.table}.n + "
            "excluded.n",
        )
        kept = [(k, json.dumps(v, sort_keys=True)) for k, v in sorted(memory.items()) if v is not None]
        self.memory.keep(cur, kept)
        self.memory.forget(cur, sorted(k for k in recalled if memory.get(k) is None))

    def _cases(self, cur: Cursor, events: Sequence[Any]) -> dict[str, tuple[str, str]]:
        """(kind, case id) of each stream in the batch: a case's own, or whose clocks they are."""
        found: dict[str, tuple[str, str]] = {}
        opened = {}
        for event in events:
            key = str(event.originator_id)
            if isinstance(event, CaseClocks.Opened):
                opened[key] = (event.case_kind, event.case_id)
            elif not isinstance(event, CaseClocks.Event):
                kind = next((k for cls, k in KINDS if isinstance(event, cls)), None)
                if kind is not None:
                    found[key] = (kind, key)
        upsert(
            cur,
            self.streams,
            ("clocks_id", "case_kind", "case_id"),
            ("text", "text", "text"),
            [(k, kind, case) for k, (kind, case) in sorted(opened.items())],
            "ON CONFLICT (clocks_id) DO NOTHING",
        )
        found.update(opened)
        wanted = sorted(
            {str(e.originator_id) for e in events if isinstance(e, CaseClocks.Event)} - set(opened)
        )
        for chunk in chunks(wanted):
            condition, params = among(cur, "clocks_id", chunk)
            cur.execute(f"SELECT clocks_id, case_kind, case_id FROM {self.streams} WHERE {condition}", params)
            found.update({r["clocks_id"]: (r["case_kind"], r["case_id"]) for r in cur.fetchall()})
        return found

    def rows(self, cur: Cursor) -> dict[str, list[Row]]:
        cur.execute(
            f"SELECT {', '.join(COLUMNS)} FROM {self.table} ORDER BY case_id, node, day, measure, detail"
        )
        counts_ = cur.fetchall()
        cur.execute(f"SELECT clocks_id, case_kind, case_id FROM {self.streams} ORDER BY clocks_id")
        return {self.table: counts_, self.streams: cur.fetchall(), self.memory.table: self.memory.rows(cur)}

    # -- questions ----------------------------------------------------------------------------

    def shares(
        self,
        cur: Cursor,
        metric: str,
        nodes: Iterable[str],
        start: str,
        end: str,
        counted_to: date,
        known_on: str | None = None,
    ) -> list[Share]:
        """Each case's share of a metric over the nodes and days (as the node statistics sum
        them: flows over start..end, stocks up to end; with `known_on`, only what had been
        recorded by then); only the cases with a part in it, largest part first."""
        compute = BY_NAME[metric].compute
        flows: dict[tuple[str, str], Counter[tuple[str, str]]] = defaultdict(Counter)
        stocks: dict[tuple[str, str], Counter[tuple[str, str]]] = defaultdict(Counter)
        known = " AND recorded <= ?" if known_on else ""
        by = (known_on,) if known_on else ()
        marks = ", ".join("?" * len(STOCKS))
        for chunk in chunks(sorted(set(nodes))):
            in_nodes, node_params = among(cur, "node", chunk)
            for into, condition, params in (
                (flows, "day >= ? AND day <= ?", (start, end)),
                (stocks, f"day <= ? AND measure IN ({marks})", (end, *STOCKS)),
            ):
                cur.execute(
                    f"SELECT case_kind, case_id, measure, detail, SUM(n) AS n FROM {self.table} "
                    f"WHERE {in_nodes} AND {condition}{known} GROUP BY case_kind, case_id, measure, detail",
                    (*node_params, *params, *by),
                )
                for r in cur.fetchall():
                    into[(r["case_kind"], r["case_id"])][(r["measure"], r["detail"])] += int(r["n"])
        found = []
        for case in sorted(set(flows) | set(stocks)):
            figure = compute(
                Tally(flows.get(case, Counter())), Tally(stocks.get(case, Counter())), counted_to
            )
            if figure.numerator or figure.denominator or (figure.numerator is None and figure.value):
                found.append(Share(case[0], case[1], figure))
        return sorted(found, key=lambda s: (-s.numerator, -s.denominator, -s.value, s.case_kind, s.case_id))

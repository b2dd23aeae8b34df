"""The case list: one row per case of every stream (dispute, petition, incident, patrol shift),
kept from the log, for the township's supervision board and for the lists people work from —
its kind, node, state, the person who has it in hand, and, from its clocks, the next due time,
when the policy's first reminder of that clock comes (the warning) and how many of its missed
deadlines nothing has settled yet.

What a list shows of each case besides: `level` (a dispute's, grid, village or township, as it is
escalated), `summary` (codes only, translated at the edge: a dispute's category and severity, a
petition's type and channel — never its matter or content —, an incident's kind, a shift's route)
and `parties`, the names to show: a dispute's parties, a petitioner unless anonymous or an
accusation's. `parties` is the one personal field: it is encrypted at rest with the event store's
cipher when one is set (FENGQIAO_CIPHER_KEY), as the events it comes from are.

No other personal data and no secret field is kept: no content or matter. To find a
case by a party's name, `terms` holds a keyed digest (HMAC-SHA256 under the store's id key, the key
petitioner ids are made with) of each name — a dispute's parties, a petition's petitioner unless
anonymous or an accusation's — so that a name asked for is found without any name being readable
at rest; a case is found by its number (its id, or the id's first eight characters and more) too.

- node: where the case lives and is authorised (a dispute's or incident's grid, else its
  village; the node a petition concerns; a shift's route node);
- state: the stream's own status code (`dispute.status`, `petition.status`, ...);
- responsible: who took the case in hand — the person who accepted a dispute at its level (none
  again once it goes up a level), the petition's agent, else whoever registered or last decided
  it, the incident's reporter or last handler, the shift's leader;
- open: not in a final state, or still with a clock running or an overdue deadline unsettled;
- next_due_at / warn_at: of the running clock due first; warn_at is the first reminder of its
  rule's fractions over the time from its start to its due time (a pause shifts a reminder by
  the paused time, which this does not: a paused-then-resumed clock warns a little early);
  `reminded` says a reminder of that clock was recorded;
- missed: deadlines recorded missed and not settled: the case is overdue while it is above 0,
  or while its next due time has passed (the workflow is about to record it).

The table names carry VERSION: a new version is rebuilt from the log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from domain.disputes.dispute import EVENT_TOPICS as DISPUTE_TOPICS
from domain.disputes.dispute import Dispute
from domain.incidents.incident import EVENT_TOPICS as INCIDENT_TOPICS
from domain.incidents.incident import Incident
from domain.patrols.patrol import EVENT_TOPICS as PATROL_TOPICS
from domain.patrols.patrol import Shift
from domain.petitions.petition import EVENT_TOPICS as PETITION_TOPICS
from domain.petitions.petition import Petition
from domain.time.clocks import EVENT_TOPICS as CLOCK_TOPICS
from domain.time.clocks import CaseClocks
from infra.sql import Cursor, Row, among, upsert
from projections.memory import chunks
from service import kinds

VERSION = 3  # v2: terms, to search by a party's name; v3: level, summary, parties for display
COLUMNS = (
    "case_id",
    "case_kind",
    "node",
    "state",
    "responsible",
    "opened_at",
    "is_open",
    "next_due_at",
    "next_clock",
    "warn_at",
    "reminded",
    "missed",
    "version",
    "terms",
    "level",
    "summary",
    "parties",
)
TYPES = ("text",) * 6 + ("integer", "text", "text", "text", "integer", "integer", "integer") + ("text",) * 4
CASE_NUMBER = re.compile(r"^[0-9a-f]{8}[0-9a-f-]{0,28}$")  # an id or its first 8+ characters
CLOCK_COLUMNS = (
    "clocks_id",
    "key",
    "case_id",
    "clock",
    "started_at",
    "due_at",
    "fraction",
    "status",
    "settled",
)
CLOCK_TYPES = ("text",) * 6 + ("double precision", "text", "text")
CLOCK_FIELDS = ", ".join(CLOCK_COLUMNS[:-1]) + ", settled, reminded"

FINAL = {
    kinds.DISPUTE: {"closed", "referred_out", "converted_to_criminal", "duplicate"},
    kinds.PETITION: {"concluded", "diverted", "not_accepted"},
    kinds.INCIDENT: {"closed"},
    kinds.PATROL_SHIFT: {"closed", "missed", "cancelled"},
}
DISPUTE_STATE = {
    Dispute.Accepted: "accepted",
    Dispute.PartyRefusedMediation: "mediation_failed",
    Dispute.AgreementReached: "agreement_reached",
    Dispute.ReferredOut: "referred_out",
    Dispute.ConvertedToCriminalCase: "converted_to_criminal",
    Dispute.MarkedDuplicate: "duplicate",
    Dispute.Escalated: "open",
    Dispute.Closed: "closed",
    Dispute.Reopened: "open",
}
PETITION_STATE = {
    Petition.Routed: "routed",
    Petition.Assigned: "routed",
    Petition.NotAcceptedAsConcluded: "not_accepted",
    Petition.DivertedToLegalProcedure: "diverted",
    Petition.HandlingOpinionGiven: "opinion_given",
    Petition.ReviewRequested: "review_requested",
    Petition.ReviewDecided: "reviewed",
    Petition.ReReviewRequested: "re_review_requested",
    Petition.Concluded: "concluded",
}
INCIDENT_STATE = {Incident.Handled: "handled", Incident.Closed: "closed"}
SHIFT_STATE = {
    Shift.Closed: "closed",
    Shift.Missed: "missed",
    Shift.Cancelled: "cancelled",
}
CASE_TOPICS = (*DISPUTE_TOPICS, *PETITION_TOPICS, *INCIDENT_TOPICS, *PATROL_TOPICS)
SETTLED_BY_CLOCK = {
    CaseClocks.ClockPaused: lambda e: {"status": "paused"},
    CaseClocks.ClockResumed: lambda e: {"status": "running", "due_at": _iso(e.due_at)},
    CaseClocks.ClockExtended: lambda e: {"due_at": _iso(e.due_at)},
    CaseClocks.DueDateRecomputed: lambda e: {"due_at": _iso(e.due_at)},
    CaseClocks.DueTimeHeld: lambda e: {"status": "held"},
    CaseClocks.DeadlineMissed: lambda e: {"status": "missed"},
    CaseClocks.ClockStopped: lambda e: {"status": "stopped"},
    CaseClocks.MissedDeadlineSettled: lambda e: {"settled": e.outcome},
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class Filters:
    """What the board is narrowed to. Colours are judged at `now` (see `colour_of`)."""

    nodes: Sequence[str]
    kind: str | None = None
    state: str | None = None
    responsible: str | None = None
    colour: str | None = None  # red | yellow | green
    open_only: bool = True
    search: str | None = None  # a case number, or a party's name (whole)
    level: str | None = None  # a dispute's: grid | village | township


RED, YELLOW, GREEN = "red", "yellow", "green"
COLOURS = (RED, YELLOW, GREEN)


def _normal(name: str) -> str:
    """A name as searched: the same words in any width or case, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


class CaseList:
    def __init__(self, key: bytes | None = None, suffix: str = "", cipher: Any = None) -> None:
        self.key = key or b"fengqiao-case-list"
        self.cipher = cipher  # the event store's (eventsourcing's AESCipher), or None
        self.suffix = suffix
        self.name = f"case_list_v{VERSION}{suffix}"
        self.table = f"case_list_v{VERSION}{suffix}"
        self.clocks = f"case_list_clocks_v{VERSION}{suffix}"
        self.streams = f"case_list_streams_v{VERSION}{suffix}"
        self.topics = (*CASE_TOPICS, *CLOCK_TOPICS)

    def shadow(self) -> CaseList:
        return CaseList(self.key, self.suffix + "__rebuild", self.cipher)

    # -- schema ---------------------------------------------------------------------------------

    def create(self, cur: Cursor) -> None:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} (case_id TEXT PRIMARY KEY, case_kind TEXT NOT NULL, "
            "node TEXT NOT NULL, state TEXT NOT NULL, responsible TEXT NOT NULL, opened_at TEXT NOT NULL, "
            "is_open INTEGER NOT NULL, next_due_at TEXT, next_clock TEXT, warn_at TEXT, "
            "reminded INTEGER NOT NULL, missed INTEGER NOT NULL, version INTEGER NOT NULL, "
            "terms TEXT NOT NULL, level TEXT NOT NULL, summary TEXT NOT NULL, parties TEXT NOT NULL)"
        )
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.clocks} (clocks_id TEXT NOT NULL, key TEXT NOT NULL, "
            "case_id TEXT NOT NULL, clock TEXT NOT NULL, started_at TEXT NOT NULL, due_at TEXT NOT NULL, "
            "fraction DOUBLE PRECISION, status TEXT NOT NULL, settled TEXT, reminded INTEGER NOT NULL, "
            "PRIMARY KEY (clocks_id, key))"
        )
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.streams} (clocks_id TEXT PRIMARY KEY, "
            "case_kind TEXT NOT NULL, case_id TEXT NOT NULL)"
        )
        if not self.suffix:  # the board's questions: a subtree's open cases, by state and due time
            t = self.table
            cur.execute(f"CREATE INDEX IF NOT EXISTS {t}_open_node ON {t} (is_open, node, next_due_at)")
            cur.execute(f"CREATE INDEX IF NOT EXISTS {t}_state ON {t} (is_open, state, node)")
            cur.execute(f"CREATE INDEX IF NOT EXISTS {t}_due ON {t} (is_open, next_due_at)")
            cur.execute(f"CREATE INDEX IF NOT EXISTS {t}_responsible ON {t} (responsible, is_open)")
            cur.execute(f"CREATE INDEX IF NOT EXISTS {self.clocks}_case ON {self.clocks} (case_id)")

    def drop(self, cur: Cursor) -> None:
        for table in (self.table, self.clocks, self.streams):
            cur.execute(f"DROP TABLE IF EXISTS {table}")

    def replace_with(self, cur: Cursor, shadow: Any) -> None:
        self.drop(cur)
        for mine, theirs in (
            (self.table, shadow.table),
            (self.clocks, shadow.clocks),
            (self.streams, shadow.streams),
        ):
            cur.execute(f"ALTER TABLE {theirs} RENAME TO {mine}")
        self.create(cur)

    # -- events ---------------------------------------------------------------------------------

    def apply(self, cur: Cursor, events: Sequence[Any]) -> None:
        streams = self._streams(cur, events)
        case_events = [e for e in events if not isinstance(e, CaseClocks.Event)]
        clock_events = [
            e for e in events if isinstance(e, CaseClocks.Event) and not isinstance(e, CaseClocks.Opened)
        ]
        cases = self._load(cur, {str(e.originator_id) for e in case_events})
        for event in case_events:
            key = str(event.originator_id)
            row = _created(event)
            if row is not None:
                row["terms"] = self._terms(event)
                row["parties"] = self._sealed(_names(event))
                cases[key] = row
            elif key in cases:
                _mutate(cases[key], event)
            else:
                continue  # a route's events, not a case's
            cases[key]["version"] = event.originator_version
        touched: set[str] = set()
        if clock_events:
            clocks = self._clocks(cur, {str(e.originator_id) for e in clock_events})
            for event in clock_events:
                clocks_id = str(event.originator_id)
                if clocks_id not in streams:
                    continue
                case_id = streams[clocks_id][1]
                touched.add(case_id)
                if isinstance(event, CaseClocks.ClockStarted):
                    fractions = list(event.rule.get("reminders", []))
                    clocks[(clocks_id, event.key)] = {
                        "clocks_id": clocks_id,
                        "key": event.key,
                        "case_id": case_id,
                        "clock": event.clock,
                        "started_at": _iso(event.effective_at),
                        "due_at": _iso(event.due_at),
                        "fraction": min(fractions) if fractions else None,
                        "status": "running",
                        "settled": None,
                        "reminded": 0,
                    }
                elif (clocks_id, event.key) not in clocks:
                    continue
                elif isinstance(event, CaseClocks.ReminderRecorded):
                    clocks[(clocks_id, event.key)]["reminded"] = 1
                elif type(event) in SETTLED_BY_CLOCK:
                    row = clocks[(clocks_id, event.key)]
                    if isinstance(event, CaseClocks.DueDateRecomputed) and row["status"] == "held":
                        row["status"] = "running"
                    row.update(SETTLED_BY_CLOCK[type(event)](event))
            upsert(
                cur,
                self.clocks,
                (*CLOCK_COLUMNS, "reminded"),
                (*CLOCK_TYPES, "integer"),
                [tuple(r[c] for c in (*CLOCK_COLUMNS, "reminded")) for r in clocks.values()],
                "ON CONFLICT (clocks_id, key) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in (*CLOCK_COLUMNS[2:], "reminded")),
            )
        missing = touched - set(cases)
        cases.update(self._load(cur, missing))
        recount = touched | set(cases)
        timing = self._timing(cur, sorted(recount))
        for case_id, row in cases.items():
            row.update(timing.get(case_id, _NO_CLOCKS))
            row["is_open"] = int(
                row["state"] not in FINAL[row["case_kind"]]
                or row["missed"] > 0
                or row["next_due_at"] is not None
            )
        upsert(
            cur,
            self.table,
            COLUMNS,
            TYPES,
            [tuple(r[c] for c in COLUMNS) for r in cases.values()],
            "ON CONFLICT (case_id) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:]),
        )

    def term(self, name: str) -> str:
        return hmac.new(self.key, _normal(name).encode(), hashlib.sha256).hexdigest()[:24]

    def _terms(self, event: Any) -> str:
        """The digests of the names a creation brings, space-separated with a space at each end."""
        digests = sorted({self.term(n) for n in _names(event)})
        return f" {' '.join(digests)} " if digests else ""

    def _sealed(self, names: list[str]) -> str:
        text = json.dumps(names, ensure_ascii=False)
        if self.cipher is None:
            return text
        return "enc:" + base64.b64encode(self.cipher.encrypt(text.encode())).decode()

    def parties_of(self, row: Row) -> list[str]:
        """The names a row keeps to show, decrypted."""
        stored = row.get("parties") or "[]"
        if stored.startswith("enc:"):
            if self.cipher is None:
                return []
            stored = self.cipher.decrypt(base64.b64decode(stored[4:])).decode()
        return list(json.loads(stored))

    def _streams(self, cur: Cursor, events: Sequence[Any]) -> dict[str, tuple[str, str]]:
        opened = {
            str(e.originator_id): (e.case_kind, e.case_id) for e in events if isinstance(e, CaseClocks.Opened)
        }
        upsert(
            cur,
            self.streams,
            ("clocks_id", "case_kind", "case_id"),
            ("text", "text", "text"),
            [(k, kind, case) for k, (kind, case) in opened.items()],
            "ON CONFLICT (clocks_id) DO NOTHING",
        )
        wanted = sorted(
            {str(e.originator_id) for e in events if isinstance(e, CaseClocks.Event)} - set(opened)
        )
        for chunk in chunks(wanted):
            condition, params = among(cur, "clocks_id", chunk)
            cur.execute(f"SELECT clocks_id, case_kind, case_id FROM {self.streams} WHERE {condition}", params)
            opened.update({r["clocks_id"]: (r["case_kind"], r["case_id"]) for r in cur.fetchall()})
        return opened

    def _load(self, cur: Cursor, ids: set[str]) -> dict[str, Row]:
        found: dict[str, Row] = {}
        for chunk in chunks(sorted(ids)):
            condition, params = among(cur, "case_id", chunk)
            cur.execute(f"SELECT {', '.join(COLUMNS)} FROM {self.table} WHERE {condition}", params)
            found.update({r["case_id"]: dict(r) for r in cur.fetchall()})
        return found

    def _clocks(self, cur: Cursor, clocks_ids: set[str]) -> dict[tuple[str, str], Row]:
        found: dict[tuple[str, str], Row] = {}
        for chunk in chunks(sorted(clocks_ids)):
            condition, params = among(cur, "clocks_id", chunk)
            cur.execute(f"SELECT {CLOCK_FIELDS} FROM {self.clocks} WHERE {condition}", params)
            found.update({(r["clocks_id"], r["key"]): dict(r) for r in cur.fetchall()})
        return found

    def _timing(self, cur: Cursor, case_ids: list[str]) -> dict[str, dict[str, Any]]:
        """Each case's next due time, its warning and its unsettled missed deadlines, from its clocks."""
        found: dict[str, dict[str, Any]] = {}
        for chunk in chunks(case_ids):
            condition, params = among(cur, "case_id", chunk)
            cur.execute(
                f"SELECT {CLOCK_FIELDS} FROM {self.clocks} WHERE {condition} ORDER BY case_id, due_at, key",
                params,
            )
            for r in cur.fetchall():
                timing = found.setdefault(r["case_id"], dict(_NO_CLOCKS))
                if r["status"] == "missed" and r["settled"] is None:
                    timing["missed"] += 1
                elif r["status"] == "running" and timing["next_due_at"] is None:
                    timing.update(
                        next_due_at=r["due_at"],
                        next_clock=r["clock"],
                        warn_at=_warning(r),
                        reminded=r["reminded"],
                    )
        return found

    def rows(self, cur: Cursor) -> dict[str, list[Row]]:
        cur.execute(f"SELECT {', '.join(COLUMNS)} FROM {self.table} ORDER BY case_id")
        cases = cur.fetchall()
        cur.execute(f"SELECT {CLOCK_FIELDS} FROM {self.clocks} ORDER BY clocks_id, key")
        clocks = cur.fetchall()
        cur.execute(f"SELECT clocks_id, case_kind, case_id FROM {self.streams} ORDER BY clocks_id")
        return {self.table: cases, self.clocks: clocks, self.streams: cur.fetchall()}

    # -- questions ----------------------------------------------------------------------------------

    def _where(
        self, cur: Cursor, filters: Filters, now: datetime, node_chunk: list[str]
    ) -> tuple[str, list[Any]]:
        in_nodes, params = among(cur, "node", node_chunk)
        where = [in_nodes]
        if filters.open_only:
            where.append("is_open = 1")
        for column, value in (
            ("case_kind", filters.kind),
            ("state", filters.state),
            ("responsible", filters.responsible),
            ("level", filters.level),
        ):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if filters.colour:
            condition, more = colour_condition(filters.colour, now)
            where.append(condition)
            params.extend(more)
        wanted = (filters.search or "").strip()
        if wanted and CASE_NUMBER.match(wanted.lower()):
            where.append("(case_id LIKE ? OR terms LIKE ?)")
            params.extend([wanted.lower() + "%", f"% {self.term(wanted)} %"])
        elif wanted:
            where.append("terms LIKE ?")
            params.append(f"% {self.term(wanted)} %")
        return " AND ".join(where), params

    def counts(self, cur: Cursor, filters: Filters, now: datetime) -> dict[str, int]:
        """How many cases of each colour match the filters (the colour filter aside)."""
        found = dict.fromkeys(COLOURS, 0)
        unfiltered = Filters(**{**filters.__dict__, "colour": None})
        red, red_params = colour_condition(RED, now)
        yellow, yellow_params = colour_condition(YELLOW, now)
        for chunk in chunks(sorted(set(filters.nodes))):
            where, params = self._where(cur, unfiltered, now, chunk)
            cur.execute(
                f"SELECT COALESCE(SUM(CASE WHEN {red} THEN 1 ELSE 0 END), 0) AS red, "
                f"COALESCE(SUM(CASE WHEN {yellow} THEN 1 ELSE 0 END), 0) AS yellow, COUNT(*) AS n "
                f"FROM {self.table} WHERE {where}",
                (*red_params, *yellow_params, *params),
            )
            row = cur.fetchone() or {"red": 0, "yellow": 0, "n": 0}
            found[RED] += int(row["red"])
            found[YELLOW] += int(row["yellow"])
            found[GREEN] += int(row["n"]) - int(row["red"]) - int(row["yellow"])
        return found

    def page(
        self, cur: Cursor, filters: Filters, now: datetime, limit: int, offset: int
    ) -> tuple[int, list[Row]]:
        """One page of the matching cases, the most urgent first (overdue, then by next due time),
        and how many match in all."""
        nodes = sorted(set(filters.nodes))
        if not nodes:
            return 0, []
        red, red_params = colour_condition(RED, now)
        order = (
            f"CASE WHEN {red} THEN 0 ELSE 1 END, CASE WHEN next_due_at IS NULL THEN 1 ELSE 0 END, "
            "next_due_at, opened_at, case_id"
        )
        total, found = 0, []
        if len(nodes) <= 500 or cur.dialect == "postgres":
            where, params = self._where(cur, filters, now, nodes)
            cur.execute(f"SELECT COUNT(*) AS n FROM {self.table} WHERE {where}", tuple(params))
            total = int(cur.fetchall()[0]["n"])
            cur.execute(
                f"SELECT {', '.join(COLUMNS)} FROM {self.table} WHERE {where} "
                f"ORDER BY {order} LIMIT ? OFFSET ?",
                (*params, *red_params, limit, offset),
            )
            return total, cur.fetchall()
        for chunk in chunks(nodes):  # SQLite with very many nodes: gather, then page in memory
            where, params = self._where(cur, filters, now, chunk)
            cur.execute(f"SELECT {', '.join(COLUMNS)} FROM {self.table} WHERE {where}", tuple(params))
            found.extend(cur.fetchall())
        found.sort(
            key=lambda r: (
                colour_of(r, now) != RED,
                r["next_due_at"] is None,
                r["next_due_at"] or "",
                r["opened_at"],
                r["case_id"],
            )
        )
        return len(found), found[offset : offset + limit]

    def responsibles(self, cur: Cursor, nodes: Sequence[str]) -> list[str]:
        """Everyone who has an open case in hand under the nodes (for the board's filter)."""
        found: set[str] = set()
        for chunk in chunks(sorted(set(nodes))):
            in_nodes, params = among(cur, "node", chunk)
            cur.execute(
                f"SELECT DISTINCT responsible FROM {self.table} WHERE is_open = 1 AND {in_nodes}", params
            )
            found.update(r["responsible"] for r in cur.fetchall() if r["responsible"])
        return sorted(found)

    def of_cases(self, cur: Cursor, case_ids: Sequence[str]) -> dict[str, Row]:
        return self._load(cur, set(case_ids))


_NO_CLOCKS: dict[str, Any] = {
    "next_due_at": None,
    "next_clock": None,
    "warn_at": None,
    "reminded": 0,
    "missed": 0,
}


def _warning(clock: Row) -> str | None:
    if clock["fraction"] is None:
        return None
    start, due = datetime.fromisoformat(clock["started_at"]), datetime.fromisoformat(clock["due_at"])
    return _iso(start + (due - start) * float(clock["fraction"]))


def colour_condition(colour: str, now: datetime) -> tuple[str, list[Any]]:
    """SQL for a colour: red — overdue (a missed deadline unsettled, or the next due time passed);
    yellow — not red, and the next clock's first reminder has come (or was recorded); green — the rest."""
    at = _iso(now)
    red = "(missed > 0 OR (next_due_at IS NOT NULL AND next_due_at < ?))"
    yellow = (
        f"(NOT {red} AND next_due_at IS NOT NULL "
        "AND (reminded = 1 OR (warn_at IS NOT NULL AND warn_at <= ?)))"
    )
    if colour == RED:
        return red, [at]
    if colour == YELLOW:
        return yellow, [at, at]
    return f"(NOT {red} AND NOT {yellow})", [at, at, at]


def colour_of(row: Row, now: datetime) -> str:
    at = _iso(now)
    if row["missed"] > 0 or (row["next_due_at"] is not None and row["next_due_at"] < at):
        return RED
    if row["next_due_at"] is not None and (
        row["reminded"] or (row["warn_at"] is not None and row["warn_at"] <= at)
    ):
        return YELLOW
    return GREEN


def _names(event: Any) -> list[str]:
    """The names a creation brings that a list may show and search: a dispute's parties; a
    petitioner, unless anonymous or an accusation's (whose identity is secret)."""
    names: list[str] = []
    if isinstance(event, Dispute.Reported):
        names = [str(p.get("name", "")) for p in event.parties]
    elif (
        isinstance(event, Petition.Registered)
        and event.type != "accusation"
        and not event.petitioner.get("anonymous")
    ):
        names = [str(event.petitioner.get("name") or "")]
    return [n.strip() for n in names if _normal(n)]


def _summary(**codes: Any) -> str:
    return json.dumps({k: v for k, v in codes.items() if v}, sort_keys=True, ensure_ascii=False)


def _created(event: Any) -> dict[str, Any] | None:
    base = {"opened_at": _iso(event.effective_at), "is_open": 1, "level": "", **_NO_CLOCKS}
    key = str(event.originator_id)
    if isinstance(event, Dispute.Reported):
        return {
            **base,
            "case_id": key,
            "case_kind": kinds.DISPUTE,
            "node": event.grid or event.village,
            "state": "open",
            "responsible": "",
            "level": event.level,
            "summary": _summary(category=event.category, severity=event.severity),
        }
    if isinstance(event, Petition.Registered):
        return {
            **base,
            "case_id": key,
            "case_kind": kinds.PETITION,
            "node": event.node,
            "state": "registered",
            "responsible": event.agent or event.actor,
            "summary": _summary(type=event.type, channel=event.channel),
        }
    if isinstance(event, Incident.Reported):
        return {
            **base,
            "case_id": key,
            "case_kind": kinds.INCIDENT,
            "node": event.grid or event.village,
            "state": "reported",
            "responsible": event.actor,
            "summary": _summary(kind=event.kind),
        }
    if isinstance(event, Shift.Scheduled):
        return {
            **base,
            "case_id": key,
            "case_kind": kinds.PATROL_SHIFT,
            "node": event.node,
            "state": "scheduled",
            "responsible": event.leader,
            "summary": _summary(route=event.route_name),
        }
    return None


def _mutate(row: dict[str, Any], event: Any) -> None:
    if isinstance(event, Dispute.Event):
        row["state"] = DISPUTE_STATE.get(type(event), row["state"])
        if isinstance(event, Dispute.Accepted):
            row["responsible"] = event.actor
        elif isinstance(event, Dispute.Escalated):
            row["responsible"] = ""
            row["level"] = event.to_level
        elif isinstance(event, Dispute.MediationSessionHeld) and event.outcome == "failed":
            row["state"] = "mediation_failed"
    elif isinstance(event, Petition.Event):
        if isinstance(event, Petition.AcceptanceDecided):
            row["state"] = event.decision
            row["responsible"] = row["responsible"] or event.actor
        else:
            row["state"] = PETITION_STATE.get(type(event), row["state"])
    elif isinstance(event, Incident.Event):
        if isinstance(event, Incident.ReportedUpward) and row["state"] == "reported":
            row["state"] = "reported_upward"
        elif isinstance(event, Incident.Handled):
            row["responsible"] = event.actor
        row["state"] = INCIDENT_STATE.get(type(event), row["state"])
    elif isinstance(event, Shift.Event):
        if isinstance(event, Shift.SignedInAtStart) and event.opens_shift:
            row["state"] = "open"
        row["state"] = SHIFT_STATE.get(type(event), row["state"])

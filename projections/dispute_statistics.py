"""Mediation statistics per village, from a one-row-per-dispute summary kept from the log.

Definitions (docs/architecture.md repeats them for readers); duplicates are left out:
- reported: disputes reported in the village;
- resolved_by_agreement: disputes whose agreement is in effect and stands (closed with it, or not
  yet closed): an oral agreement at once, a written one once every party signed and the committee
  sealed it (v3; v2 counted a written agreement never signed or sealed);
- closed_without_agreement: closed without one, referred out, or turned criminal;
- open: the rest (a written agreement not yet in effect among them), so reported =
  resolved_by_agreement + closed_without_agreement + open;
- escalated: disputes escalated at least once; escalated_to_township: that reached the township;
- mediation_success_rate = resolved_by_agreement / (resolved_by_agreement + disputes closed
  without agreement after at least one mediation session); none while the denominator is 0.

The table's name carries the definition's version: a new version starts a new table and a new
tracking position, so deploying it rebuilds the statistics from the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from domain.disputes.dispute import EVENT_TOPICS, AgreementForm, Dispute, Status
from infra.sql import Cursor, Row, among, upsert

VERSION = 3  # v3: an agreement counts once in effect
COLUMNS = (
    "dispute_id",
    "village",
    "grid",
    "category",
    "severity",
    "level",
    "status",
    "reported_at",
    "sessions",
    "closed_with_agreement",
    "agreement_in_effect",
    "escalations",
    "reached_township",
    "version",
)
TYPES = ("text",) * 8 + ("integer",) * 6
STATUS_AFTER = {
    Dispute.Accepted: Status.ACCEPTED,
    Dispute.PartyRefusedMediation: Status.MEDIATION_FAILED,
    Dispute.AgreementReached: Status.AGREEMENT_REACHED,
    Dispute.ReferredOut: Status.REFERRED_OUT,
    Dispute.ConvertedToCriminalCase: Status.CONVERTED_TO_CRIMINAL,
    Dispute.MarkedDuplicate: Status.DUPLICATE,
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


class DisputeStatistics:
    def __init__(self, suffix: str = "") -> None:
        self.suffix = suffix
        self.name = f"dispute_statistics_v{VERSION}{suffix}"
        self.table = f"dispute_summary_v{VERSION}{suffix}"
        self.topics = EVENT_TOPICS

    def shadow(self) -> DisputeStatistics:
        return DisputeStatistics(self.suffix + "__rebuild")

    # -- schema ---------------------------------------------------------------

    def create(self, cur: Cursor) -> None:
        cur.execute(
            f"CREATE TABLE IF NOT EXISTS {self.table} ("
            "dispute_id TEXT PRIMARY KEY, village TEXT NOT NULL, grid TEXT, "
            "category TEXT NOT NULL, severity TEXT NOT NULL, level TEXT NOT NULL, "
            "status TEXT NOT NULL, reported_at TEXT NOT NULL, sessions INTEGER NOT NULL, "
            "closed_with_agreement INTEGER NOT NULL, agreement_in_effect INTEGER NOT NULL, "
            "escalations INTEGER NOT NULL, "
            "reached_township INTEGER NOT NULL, version INTEGER NOT NULL)"
        )
        if not self.suffix.endswith("__rebuild"):  # a shadow is indexed once it replaces the live table
            cur.execute(f"CREATE INDEX IF NOT EXISTS {self.table}_village ON {self.table} (village)")

    def drop(self, cur: Cursor) -> None:
        cur.execute(f"DROP TABLE IF EXISTS {self.table}")

    def replace_with(self, cur: Cursor, shadow: Any) -> None:
        self.drop(cur)
        cur.execute(f"ALTER TABLE {shadow.table} RENAME TO {self.table}")
        self.create(cur)

    # -- events -----------------------------------------------------------------

    def apply(self, cur: Cursor, events: Sequence[Any]) -> None:
        rows = self._load(cur, {str(e.originator_id) for e in events if not isinstance(e, Dispute.Reported)})
        for event in events:
            key = str(event.originator_id)
            if isinstance(event, Dispute.Reported):
                rows[key] = {
                    "dispute_id": key,
                    "village": event.village,
                    "grid": event.grid,
                    "category": event.category,
                    "severity": event.severity,
                    "level": event.level,
                    "status": Status.OPEN.value,
                    "reported_at": _iso(event.effective_at),
                    "sessions": 0,
                    "closed_with_agreement": 0,
                    "agreement_in_effect": 0,
                    "escalations": 0,
                    "reached_township": int(event.level == "township"),
                }
            row = rows[key]
            self._mutate(row, event)
            row["version"] = event.originator_version
        updates = ", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:])
        upsert(
            cur,
            self.table,
            COLUMNS,
            TYPES,
            [tuple(row[c] for c in COLUMNS) for row in rows.values()],
            f"ON CONFLICT (dispute_id) DO UPDATE SET {updates}",
        )

    @staticmethod
    def _mutate(row: Row, event: Any) -> None:
        if type(event) in STATUS_AFTER:
            row["status"] = STATUS_AFTER[type(event)].value
        if isinstance(event, Dispute.AgreementReached):
            row["agreement_in_effect"] = int(event.form == AgreementForm.ORAL)
        elif isinstance(event, Dispute.AgreementSealed):
            row["agreement_in_effect"] = 1
        elif isinstance(event, Dispute.MediationSessionHeld):
            row["sessions"] += 1
            if event.outcome == "failed":
                row["status"] = Status.MEDIATION_FAILED.value
        elif isinstance(event, Dispute.Escalated):
            row["escalations"] += 1
            row["level"] = event.to_level
            row["status"] = Status.OPEN.value
            row["reached_township"] = int(row["reached_township"] or event.to_level == "township")
        elif isinstance(event, Dispute.Closed):
            row["status"] = Status.CLOSED.value
            row["closed_with_agreement"] = int(event.with_agreement)
        elif isinstance(event, Dispute.Reopened):
            row["status"] = Status.OPEN.value
            row["closed_with_agreement"] = 0
            row["agreement_in_effect"] = 0

    def _load(self, cur: Cursor, ids: set[str]) -> dict[str, Row]:
        rows: dict[str, Row] = {}
        ids_list = sorted(ids)
        for i in range(0, len(ids_list), 500):
            condition, params = among(cur, "dispute_id", ids_list[i : i + 500])
            cur.execute(f"SELECT * FROM {self.table} WHERE {condition}", params)
            rows.update({r["dispute_id"]: r for r in cur.fetchall()})
        return rows

    # -- questions ----------------------------------------------------------------

    def rows(self, cur: Cursor) -> dict[str, list[Row]]:
        cur.execute(f"SELECT {', '.join(COLUMNS)} FROM {self.table} ORDER BY dispute_id")
        return {self.table: cur.fetchall()}

    def cases(
        self, cur: Cursor, nodes: Sequence[str], status: str | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[int, list[Row]]:
        """The disputes whose grid or village is one of `nodes`, newest first, one page of them,
        and how many there are in all (duplicates left out)."""
        in_grid, grid_params = among(cur, "grid", list(nodes))
        in_village, village_params = among(cur, "village", list(nodes))
        where = f"({in_grid} OR {in_village}) AND status <> 'duplicate'"
        params: list[Any] = [*grid_params, *village_params]
        if status is not None:
            where += " AND status = ?"
            params.append(status)
        cur.execute(f"SELECT COUNT(*) AS n FROM {self.table} WHERE {where}", tuple(params))
        total = int(cur.fetchall()[0]["n"])
        cur.execute(
            f"SELECT {', '.join(COLUMNS)} FROM {self.table} WHERE {where} "
            "ORDER BY reported_at DESC, dispute_id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return total, cur.fetchall()

    def village(self, cur: Cursor, village: str) -> dict[str, Any]:
        agreed = (
            "((status = 'agreement_reached' AND agreement_in_effect = 1) "
            "OR (status = 'closed' AND closed_with_agreement = 1))"
        )
        ended = (
            "(status IN ('referred_out', 'converted_to_criminal')"
            " OR (status = 'closed' AND closed_with_agreement = 0))"
        )
        cur.execute(
            "SELECT COUNT(*) AS reported, "
            f"COALESCE(SUM(CASE WHEN {agreed} THEN 1 ELSE 0 END), 0) AS resolved_by_agreement, "
            f"COALESCE(SUM(CASE WHEN {ended} THEN 1 ELSE 0 END), 0) AS closed_without_agreement, "
            f"COALESCE(SUM(CASE WHEN {ended} AND sessions > 0 THEN 1 ELSE 0 END), 0) AS "
            "failed_after_mediation, "
            "COALESCE(SUM(CASE WHEN escalations > 0 THEN 1 ELSE 0 END), 0) AS escalated, "
            "COALESCE(SUM(reached_township), 0) AS escalated_to_township, "
            "COALESCE(SUM(CASE WHEN status = 'converted_to_criminal' THEN 1 ELSE 0 END), 0) "
            "  AS converted_to_criminal "
            f"FROM {self.table} WHERE village = ? AND status <> 'duplicate'",
            (village,),
        )
        row = cur.fetchone() or {}
        stats = {k: int(v) for k, v in row.items()}
        concluded = stats["resolved_by_agreement"] + stats.pop("failed_after_mediation")
        stats["open"] = stats["reported"] - stats["resolved_by_agreement"] - stats["closed_without_agreement"]
        stats["mediation_success_rate"] = (
            round(stats["resolved_by_agreement"] / concluded, 4) if concluded else None
        )
        return stats

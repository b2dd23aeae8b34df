"""Rebuild a read model from zero beside the live one, compare the two, and switch over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from infra.sql import Database, Row
from projections import tracking
from projections.runner import (
    NotificationReader,
    Projection,
    ProjectionRunner,
    apply_batch,
)


@dataclass
class RebuildReport:
    projection: str
    position: int
    rows: int
    differences: list[str] = field(default_factory=list)
    switched: bool = False

    @property
    def equal(self) -> bool:
        return not self.differences


def rebuild(
    reader: NotificationReader,
    db: Database,
    projection: Projection,
    *,
    switch: bool,
    batch_size: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> RebuildReport:
    """Replays the whole log into shadow tables, then, holding the write lock, brings live and
    shadow to the same position and compares them. With `switch`, the shadow becomes live;
    without, the shadow is dropped (a verification)."""
    shadow = projection.shadow()
    with db.transaction() as cur:
        tracking.create_table(cur)
        projection.create(cur)
        shadow.drop(cur)
        shadow.create(cur)
        tracking.reset(cur, shadow.name)
    head = reader.head()
    runner = ProjectionRunner(reader, db, shadow, batch_size)
    runner.catch_up(stop=head, progress=(lambda pos: progress(pos, head)) if progress else None)

    with db.transaction() as cur:
        tracking.position(cur, projection.name, lock=True)  # holds the live runner off
        target = reader.head()
        while apply_batch(cur, reader, shadow, batch_size, stop=target):
            pass
        while apply_batch(cur, reader, projection, batch_size, stop=target):
            pass
        position = tracking.position(cur, shadow.name)
        live_rows, shadow_rows = projection.rows(cur), shadow.rows(cur)
        report = RebuildReport(
            projection=projection.name,
            position=position,
            rows=sum(len(rows) for rows in shadow_rows.values()),
            differences=_differences(live_rows, list(shadow_rows.values())),
        )
        if switch:
            projection.replace_with(cur, shadow)
            tracking.set_position(cur, projection.name, position)
            report.switched = True
        else:
            shadow.drop(cur)
        tracking.reset(cur, shadow.name)
    return report


def _differences(live: dict[str, list[Row]], shadow: list[list[Row]]) -> list[str]:
    found = []
    for (table, live_rows), shadow_rows in zip(live.items(), shadow, strict=True):
        live_set = {_key(r) for r in live_rows}
        shadow_set = {_key(r) for r in shadow_rows}
        for row in sorted(live_set - shadow_set):
            found.append(f"{table}: live has {dict(row)}, rebuilt has not")
        for row in sorted(shadow_set - live_set):
            found.append(f"{table}: rebuilt has {dict(row)}, live has not")
    return found


def _key(row: Row) -> tuple[tuple[str, object], ...]:
    return tuple(sorted((k, str(v)) for k, v in row.items()))

"""Rebuild a read model from zero beside the live one, compare the two, and switch over."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from infra.sql import Database
from projections import tracking
from projections.diff import Difference, compare
from projections.followers import prepare
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
    differences: list[Difference] = field(default_factory=list)
    switched: bool = False
    live_position: int = 0  # where the live read model was when compared
    head: int = 0  # the log's last notification then
    behind: int = 0  # notifications of the read model's topics after the live position, up to head

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
    """Replays the whole log into shadow tables and compares them with the live ones.

    With `switch` (a rebuild), holding the write lock, it brings live and shadow to the same
    position, compares them, and makes the shadow live. Without (a verification) it changes
    nothing live: the shadow is replayed up to where the live read model is, compared, dropped,
    and the report says how far behind the log the live model is."""
    shadow = projection.shadow()
    prepare(db, [projection])
    with db.transaction() as cur:
        shadow.drop(cur)
        shadow.create(cur)
        tracking.reset(cur, shadow.name)
    head = reader.head()
    if not switch:
        with db.reading() as cur:
            head = min(head, tracking.position(cur, projection.name))
    runner = ProjectionRunner(reader, db, shadow, batch_size)
    runner.catch_up(stop=head, progress=(lambda pos: progress(pos, head)) if progress else None)

    with db.transaction() as cur:
        live_position = tracking.position(cur, projection.name, lock=True)  # holds the live runner off
        log_head = reader.head()
        target = log_head if switch else live_position
        while apply_batch(cur, reader, shadow, batch_size, stop=target):
            pass
        if switch:
            while apply_batch(cur, reader, projection, batch_size, stop=target):
                pass
        position = max(tracking.position(cur, shadow.name), live_position if not switch else 0)
        live_rows, shadow_rows = projection.rows(cur), shadow.rows(cur)
        report = RebuildReport(
            projection=projection.name,
            position=position,
            rows=sum(len(rows) for rows in shadow_rows.values()),
            differences=compare(
                cur,
                [
                    (t, rows, other)
                    for (t, rows), other in zip(live_rows.items(), shadow_rows.values(), strict=True)
                ],
            ),
            live_position=live_position,
            head=log_head,
            behind=_pending(reader, projection, live_position, log_head),
        )
        if switch:
            projection.replace_with(cur, shadow)
            tracking.set_position(cur, projection.name, position)
            report.switched = True
        else:
            shadow.drop(cur)
        tracking.reset(cur, shadow.name)
    return report


def _pending(reader: NotificationReader, projection: Projection, after: int, head: int) -> int:
    """How many notifications of the read model's topics lie after `after`, up to `head`."""
    count = 0
    while after < head:
        notes = reader.app.recorder.select_notifications(
            after, 5000, stop=head, topics=projection.topics, inclusive_of_start=False
        )
        if not notes:
            break
        count += len(notes)
        after = notes[-1].id
    return count

"""A county-sized history, generated through the domain's own commands and written to the
event store in bulk: 1 county, 12 townships, 300 villages with 5 grids each, disputes over
several years in every state the ladder allows.

Every event is a real event of the domain (made by the aggregates' commands, so every rule
held); only the writing skips the per-command transaction, which would take hours.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.disputes.dispute import (
    AgreementForm,
    Category,
    Dispute,
    EscalationTrigger,
    Remedy,
    SessionOutcome,
    Severity,
    Source,
)

TOWNSHIPS, VILLAGES_PER_TOWNSHIP, GRIDS_PER_VILLAGE = 12, 25, 5
START, END = datetime(2024, 1, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
TREE_SINCE = datetime(2010, 1, 1, tzinfo=UTC)  # before the first dispute of the longest history
CATEGORIES = list(Category)


def villages() -> list[tuple[str, list[str]]]:
    return [
        (f"c.t{t:02d}.v{v:02d}", [f"c.t{t:02d}.v{v:02d}.g{g}" for g in range(1, GRIDS_PER_VILLAGE + 1)])
        for t in range(1, TOWNSHIPS + 1)
        for v in range(1, VILLAGES_PER_TOWNSHIP + 1)
    ]


def _stamp(actor: str, at: datetime, n: int) -> dict[str, Any]:
    return {"actor": actor, "effective_at": at, "command_id": f"bench-{n}"}


def dispute_histories(
    target_events: int, seed: int = 2026, per_day: float | None = None
) -> Iterator[list[Any]]:
    """Yields each dispute's events until about `target_events` have been made: spread over
    2024-01-01 to 2026-11-01, or, with `per_day`, over as many days before 2026-11-01 as make
    about that many events a day (a longer history, not a denser one)."""
    rng = random.Random(seed)
    places = villages()
    made, n = 0, 0
    days = round(target_events / per_day) if per_day else (END - START).days
    first = END - timedelta(days=days)
    while made < target_events:
        village, grids = places[n % len(places)]
        at = first + timedelta(days=rng.randrange(days), minutes=rng.randrange(24 * 60))
        d = Dispute.report(
            village=village,
            grid=rng.choice(grids),
            parties=[{"name": f"p{n}a"}, {"name": f"p{n}b"}],
            category=rng.choice(CATEGORIES),
            severity=rng.choices(list(Severity), (70, 25, 5))[0],
            description="a generated dispute",
            occurred_at=at - timedelta(days=1),
            source=Source.GRID_MEMBER,
            source_ref=None,
            **_stamp("gm", at, n),
        )
        _live(d, rng, at, n)
        events = d.collect_events()
        made += len(events)
        n += 1
        yield events


def _live(d: Dispute, rng: random.Random, at: datetime, n: int) -> None:
    """One of the lives a dispute may lead: settled at the grid, escalated and settled above,
    failed and closed, referred out, or still open. Each step asks the guard of its own command
    (`refusal`), not every command's (`allowed_actions`): a fifth of the generating was that."""
    step = iter(range(1, 100))

    def later(hours: float) -> dict[str, Any]:
        nonlocal at
        at += timedelta(hours=hours)
        return _stamp("m", at, n * 100 + next(step))

    for _ in range(rng.choice((0, 1, 1, 2))):
        if rng.random() < 0.3:
            d.escalate(reason="beyond this level", trigger=EscalationTrigger.DEADLINE, **later(24))
            d.accept(**later(2))
        if d.refusal("hold_mediation_session") is None:
            d.hold_mediation_session(mediator="m", outcome=SessionOutcome.ADJOURNED, notes="", **later(3))
    fate = rng.random()
    if fate < 0.7 and d.refusal("reach_agreement") is None:
        d.reach_agreement(form=AgreementForm.ORAL, terms="agreed", **later(2))
        if rng.random() < 0.8:
            d.close(reason="followed up", **later(24 * 15))
    elif fate < 0.85 and d.refusal("hold_mediation_session") is None:
        d.hold_mediation_session(mediator="m", outcome=SessionOutcome.FAILED, notes="", **later(5))
        d.close(reason="remedies told", remedies_told=[Remedy.LITIGATION], **later(1))
    elif fate < 0.92 and d.refusal("refer_out") is None:
        from domain.disputes.dispute import ReferralRoute

        d.refer_out(route=ReferralRoute.LITIGATION, body="court", reason="", **later(48))


def seed_county(casebook: Any, years: tuple[int, ...] = (2024, 2025, 2026)) -> None:
    """The county's tree (for the scores' townships) and each township's template, as the
    seed would load them; idempotent."""
    import json
    import tomllib
    from pathlib import Path

    from domain.directory.jurisdiction import NodeKind
    from domain.directory.tree import DIRECTORY_ID, Directory
    from service.store import CommandMeta

    desk, at = casebook.directory, TREE_SINCE
    county = CommandMeta(command_id="bench:node:c", effective_at=at)
    desk.create_node(
        "system:seed", code="c", name="c", kind=NodeKind.COUNTY, parent=None, authorise=False, meta=county
    )

    def tree(d: Directory, stamp: Any) -> bool | None:
        """Every township, village and grid, each by the directory's own `create_node`, in one
        command: a command per node reloaded (and deep-copied) the growing directory each time,
        which took minutes for 1,813 nodes."""
        if "c.t01" in d.nodes:
            return False  # seeded before
        for t in range(1, TOWNSHIPS + 1):
            d.create_node(code=f"c.t{t:02d}", name=f"c.t{t:02d}", kind=NodeKind.TOWNSHIP, parent="c", **stamp)
        for village, grids in villages():
            d.create_node(
                code=village, name=village, kind=NodeKind.VILLAGE, parent=village.rsplit(".", 1)[0], **stamp
            )
            for grid in grids:
                d.create_node(code=grid, name=grid, kind=NodeKind.GRID, parent=village, **stamp)
        return None

    meta = CommandMeta(command_id="bench:tree", effective_at=at)
    casebook.change(
        Directory, DIRECTORY_ID, "directory", "create_node", casebook.stamp("system:seed", meta), tree, meta
    )
    shipped = Path(__file__).resolve().parent.parent / "config" / "assessment" / "anping.dongxi-2026.toml"
    base = json.loads(json.dumps(tomllib.loads(shipped.read_text(encoding="utf-8")), default=str))
    for t in range(1, TOWNSHIPS + 1):
        for year in years:
            data = json.loads(json.dumps(base))
            data["template"].update(
                township=f"c.t{t:02d}",
                year=year,
                version=f"{year}.1",
                effective_from=f"{year}-01-01T00:00:00+08:00",
            )
            casebook.assessments.adopt_template(
                "system:seed",
                data=data,
                reason="benchmark",
                source="bench",
                authorise=False,
                meta=CommandMeta(command_id=f"bench:template:c.t{t:02d}:{year}", effective_at=at),
            )

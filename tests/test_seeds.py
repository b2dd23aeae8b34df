"""The seeded stores the tests get are copies of a template seeded once per session
(tests/seeds.py): each copy must hold exactly what seeding with the test's own clock records,
and be a store of its own."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest

from domain.disputes.dispute import Category, Severity
from infra.bootstrap import System, bootstrap
from infra.settings import Settings
from tests.seeds import Seeds, _admin
from tests.support import GRID, Clock, person


def elsewhere(settings: Settings, folder: Path) -> Settings:
    """Settings like `settings` for another, empty store."""
    if settings.store == "sqlite":
        return settings.model_copy(update={"var_dir": folder})
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with _admin(settings) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return settings.model_copy(update={"pg_schema": schema})


def log(system: System) -> list[tuple[object, ...]]:
    """The whole notification log, as stored."""
    return [
        (n.id, n.originator_id, n.originator_version, n.topic, n.state)
        for n in system.casebook.recorder.select_notifications(start=1, limit=100_000)
    ]


def report(system: System) -> None:
    system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": "Zhang San"}, {"name": "Li Si"}],
        category=Category.NEIGHBOURHOOD,
        severity=Severity.MINOR,
        description="fence moved",
        occurred_at=system.casebook.clock() - timedelta(days=1),
    )


@pytest.mark.parametrize("late", [timedelta(0), timedelta(days=40, hours=3)], ids=["default", "late"])
def test_a_copy_holds_exactly_what_seeding_with_the_tests_clock_records(
    settings: Settings, clock: Clock, seeds: Seeds, tmp_path: Path, late: timedelta
):
    clock.advance(late)  # a clock read elsewhere gets a template of its own
    copied = seeds.system(settings, clock, stamped=True)
    fresh = bootstrap(elsewhere(settings, tmp_path / "fresh"), clock)
    try:
        assert fresh.seed() > 0
        assert log(copied) == log(fresh)
        assert {n.id for n in copied.casebook.recorder.select_notifications(start=1, limit=1)} == {1}
        assert copied.seed() == 0  # seeded already: loading the files again changes nothing
    finally:
        copied.close()
        fresh.close()


def test_each_copy_is_a_store_of_its_own_and_its_log_goes_on_from_the_template(
    settings: Settings, clock: Clock, seeds: Seeds, tmp_path: Path
):
    first = seeds.system(settings, clock, stamped=True)
    second = seeds.system(elsewhere(settings, tmp_path / "second"), clock, stamped=True)
    try:
        seeded = log(first)
        assert log(second) == seeded
        report(first)
        report(first)
        report(second)
        mine, theirs = log(first), log(second)
        assert [n[0] for n in mine] == list(range(1, len(mine) + 1))
        assert [n[0] for n in theirs] == list(range(1, len(theirs) + 1))
        assert len(mine) - len(seeded) == 2 * (len(theirs) - len(seeded)) > 0
        assert log(first)[: len(seeded)] == seeded and log(second)[: len(seeded)] == seeded
        third = seeds.system(elsewhere(settings, tmp_path / "third"), clock, stamped=True)
        try:
            assert log(third) == seeded  # the template took none of the copies' writes
        finally:
            third.close()
    finally:
        first.close()
        second.close()

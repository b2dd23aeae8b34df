"""Test helpers: the demo directory, a settable clock, and waiting for a condition."""

from __future__ import annotations

import asyncio
import functools
import os
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from infra.settings import Settings
from service.casebook import Casebook

ROOT = Path(__file__).resolve().parent.parent

current_test: Any = None  # the pytest item running now (set by conftest.py)
DIRECTORY_FILE = ROOT / "config" / "dev.toml"


def settings_for(var_dir: Path, **overrides: object) -> Settings:
    """Settings for a test: its own var dir, the shipped directory, policy and calendars.
    What `Settings(var_dir=var_dir, ..., **overrides)` gives, without reading the environment
    again for every test (it is read again when a FENGQIAO_* variable has changed)."""
    base = _environment_settings(
        tuple(sorted(i for i in os.environ.items() if i[0].upper().startswith("FENGQIAO_")))
    )
    return Settings.model_validate({**base.model_dump(), "var_dir": var_dir, **overrides})


@functools.cache
def _environment_settings(environment: tuple[tuple[str, str], ...]) -> Settings:
    return Settings(
        directory_file=DIRECTORY_FILE,
        policy_dir=ROOT / "config" / "policy",
        calendar_dir=ROOT / "config" / "calendars",
        template_dir=ROOT / "config" / "assessment",
    )


GRID = "anping.dongxi.qiaotou.g1"
OTHER_GRID = "anping.dongxi.qiaotou.g2"
VILLAGE = "anping.dongxi.qiaotou"
FOREIGN_GRID = "anping.dongxi.shangba.g1"
FOREIGN_TOWNSHIP_GRID = "anping.xishan.hetou.g1"
PEOPLE = {  # role in the tests → (person id, token), as in config/dev.toml
    "grid_member": ("wang-fang", "dev-grid-wang"),
    "grid_patroller": ("liu-yang", "dev-grid-liu"),
    "mediator": ("li-ming", "dev-mediator-li"),
    "second_mediator": ("zhou-yun", "dev-mediator-zhou"),
    "chair": ("he-ping", "dev-chair-he"),
    "foreign_grid_member": ("zhao-lei", "dev-grid-zhao"),
    "petition_agent": ("qian-dong", "dev-agent-qian"),
    "township": ("chen-jing", "dev-township-chen"),
    "foreign_township": ("xu-ke", "dev-township-xu"),
    "patrol_leader": ("gao-feng", "dev-patrol-gao"),
    "patrol_member": ("ma-li", "dev-patrol-ma"),
    "branch_secretary": ("luo-bin", "dev-secretary-luo"),
    "village_director": ("tang-hui", "dev-director-tang"),
    "assessor": ("wu-qing", "dev-assessor-wu"),
    "auditor": ("sun-hua", "dev-auditor-sun"),
    "village_staff": ("xu-min", "dev-incident-xu"),
    "foreign_village_staff": ("lin-tao", "dev-incident-lin"),
    "county_staff": ("deng-hao", "dev-incident-deng"),
    "township_patrol_member": ("song-yu", "dev-patrol-song"),
    "foreign_patrol_member": ("fang-qi", "dev-patrol-fang"),
    "foreign_patrol_leader": ("xu-gang", "dev-patrol-xu"),
    "township_patrol_leader": ("pan-wei", "dev-patrol-pan"),
    "petition_county_staff": ("xu-lin", "dev-petition-county-xu"),
    "accused_village_staff": ("fang-jun", "dev-petition-fang"),
    "foreign_petition_agent": ("jiang-hong", "dev-petition-jiang"),
    "foreign_township_mediator": ("yan-ling", "dev-statistics-yan"),
}
TOKENS = {role: token for role, (_, token) in PEOPLE.items()}


def person(role: str) -> str:
    return PEOPLE[role][0]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 20) -> None:
    """Waits for a condition that another process makes true, failing after a bound."""
    deadline = time.monotonic() + seconds
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {seconds} s")
        await asyncio.sleep(0.05)


def wait_until(check: Callable[[], bool], seconds: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {seconds} s")
        time.sleep(0.1)


def report_fence(system, ago: timedelta = timedelta(hours=1)) -> Any:
    """The workbench tests' dispute, in Chinese: the grid member reports a fence moved onto the
    neighbour's field, between 张三 and 李四, that happened `ago` before the system's now."""
    return system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": "张三"}, {"name": "李四"}],
        category="neighbourhood",
        severity="minor",
        description="篱笆挪到了邻居的地里",
        occurred_at=system.casebook.clock() - ago,
    )


def pass_grid_deadline(system, dispute_id) -> None:
    """Does what the clock workflow does when a dispute's grid deadline passes."""

    keeper = system.casebook.keepers["dispute"]
    [clock] = keeper.sync(dispute_id, 0).clocks
    assert clock.clock == "dispute.grid"
    keeper.due(dispute_id, 0, clock.key, None)


def shipped_rules(*replacements: object) -> list:  # list[domain.time.policy.Rule]
    """The shipped policy's rules, with every rule of each replacement's clock replaced."""
    from infra.rules_files import read_policy_file

    shipped = read_policy_file(ROOT / "config" / "policy" / "default.toml").rules
    replaced = {r.clock for r in replacements}  # type: ignore[attr-defined]
    return [r for r in shipped if r.clock not in replaced] + list(replacements)


class Interleaved(Casebook):
    """A Casebook that lets a competing writer commit right after it has read a case — of the
    kind `on`, when set — also when there was none to read (a petitioner's first petition)."""

    name = Casebook.name  # the name picks the events table
    competitor: Callable[[], object] | None = None
    on: type | None = None

    def load(self, kind, case_id, label):  # type: ignore[no-untyped-def]
        try:
            return super().load(kind, case_id, label)
        finally:
            if self.competitor is not None and (self.on is None or kind is self.on):
                compete, self.competitor = self.competitor, None
                compete()

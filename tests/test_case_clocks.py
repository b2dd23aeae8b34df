"""Every stream's clocks, as the API lists them: each stream's clocks endpoint shows the clock
running on its case (the route reads under the name the keeper records under)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.routes.clocks import CASES
from domain.disputes.dispute import Category, Severity
from domain.incidents.incident import Kind
from domain.petitions.petition import Channel, PetitionType
from infra.bootstrap import System
from service import kinds
from tests.petition_dsl import ZHANG
from tests.support import GRID, TOKENS, VILLAGE, person

AUDITOR = {"Authorization": f"Bearer {TOKENS['auditor']}"}
CHECKPOINTS = [{"code": "C1", "name": "Bridge"}, {"code": "C2", "name": "School gate"}]


def dispute(system: System) -> UUID:
    return system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": "A"}, {"name": "B"}],
        category=Category.NEIGHBOURHOOD,
        severity=Severity.MINOR,
        description="a wall",
        occurred_at=system.casebook.clock() - timedelta(days=1),
    ).id


def petition(system: System) -> UUID:
    return system.casebook.petitions.register(
        person("petition_agent"),
        node=VILLAGE,
        channel=Channel.LETTER,
        type=PetitionType.COMPLAINT,
        petitioner=ZHANG,
        content="The road money was never paid to our group.",
        matter="road compensation",
    ).id


def incident(system: System) -> UUID:
    return system.casebook.incidents.report(
        person("grid_member"),
        grid=GRID,
        kind=Kind.FIRE,
        description="barn on fire",
        location="the old barn",
        occurred_at=system.casebook.clock() - timedelta(minutes=10),
    ).id


def shift(system: System) -> UUID:
    patrols, now = system.casebook.patrols, system.casebook.clock()
    route = patrols.establish_route(
        person("patrol_leader"), node=VILLAGE, name="River loop", checkpoints=CHECKPOINTS
    )
    return patrols.schedule_shift(
        person("patrol_leader"),
        route_id=route.id,
        leader=person("patrol_leader"),
        members=[person("patrol_member")],
        planned_start=now,
        planned_end=now + timedelta(hours=4),
    ).id


MAKERS: dict[str, Callable[[System], UUID]] = {
    kinds.DISPUTE: dispute,
    kinds.PETITION: petition,
    kinds.INCIDENT: incident,
    kinds.PATROL_SHIFT: shift,
}


def test_every_stream_kept_in_clocks_has_a_clocks_endpoint():
    assert {kind for _, kind, _ in CASES} == set(kinds.CLOCKED) == set(MAKERS)


@pytest.mark.parametrize(("prefix", "kind"), [(prefix, kind) for prefix, kind, _ in CASES])
def test_each_streams_clocks_endpoint_shows_the_clock_running_on_its_case(
    system: System, api: TestClient, prefix: str, kind: str
):
    case_id = MAKERS[kind](system)
    [running] = system.casebook.keepers[kind].sync(case_id, 0).clocks  # as the workflow does
    answer = api.get(f"{prefix}/{case_id}/clocks", headers=AUDITOR)
    assert answer.status_code == 200, answer.text
    listed = answer.json()
    assert (listed["case_kind"], listed["case_id"]) == (kind, str(case_id))
    assert [(c["key"], c["status"]) for c in listed["clocks"]] == [(running.key, "running")]
    assert listed["clocks"][0]["explanation"], "each clock is explained"


def test_the_command_line_explains_a_shifts_clocks(
    sqlite_system: System, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    from infra import cli

    case_id = shift(sqlite_system)
    sqlite_system.casebook.keepers[kinds.PATROL_SHIFT].sync(case_id, 0)
    for name, value in {
        "FENGQIAO_VAR_DIR": str(sqlite_system.settings.var_dir),
        "FENGQIAO_DIRECTORY_FILE": str(sqlite_system.settings.directory_file),
    }.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["explain", "shift", str(case_id)]) == 0
    assert "patrol.start_grace" in capsys.readouterr().out

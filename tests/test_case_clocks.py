"""Every stream's clocks, as the API lists them: each stream's clocks endpoint shows the clock
running on its case (the route reads under the name the keeper records under), and a missed
deadline is settled by what finally happened — so no case that ended is listed as overdue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.routes.clocks import CASES
from domain.disputes.dispute import Category, ReferralRoute, Severity
from domain.incidents.incident import Kind, ReportingLevel
from domain.petitions.petition import AcceptanceDecision, Channel, PetitionType
from infra.bootstrap import System
from projections.runner import ProjectionRunner
from service import kinds
from tests.petition_dsl import ZHANG
from tests.support import GRID, TOKENS, VILLAGE, Clock, person

TOWNSHIP = "anping.dongxi"
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


def sweep(system: System) -> UUID:
    opened = system.casebook.sweeps.open_round(system.casebook.clock())
    return next(s for s in opened if s.node == GRID).id


MAKERS: dict[str, Callable[[System], UUID]] = {
    kinds.DISPUTE: dispute,
    kinds.PETITION: petition,
    kinds.INCIDENT: incident,
    kinds.PATROL_SHIFT: shift,
    kinds.SWEEP: sweep,
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
    assert cli.main(["explain", "shift", str(case_id), "--lang", "zh-CN"]) == 0
    chinese = capsys.readouterr().out
    assert "班次签到——班次计划开始后，无人签到即记为漏巡前的期限。" in chinese
    assert "在桥头村开始计时" in chinese and "规则：30分钟" in chinese and "Started" not in chinese


# -- nothing that ended stays overdue -----------------------------------------------------------


def run_clocks(system: System, kind: str, case_id: UUID) -> None:
    """What the clock workflow does: sync, then each due time that has come, until none has."""
    keeper, now = system.casebook.keepers[kind], system.casebook.clock()
    for _ in range(10):
        due = [c for c in keeper.sync(case_id, 0).clocks if c.due_at <= now]
        if not due:
            return
        keeper.due(case_id, 0, due[0].key, None)
    raise AssertionError("the clocks never settled down")


def overdue(system: System, api: TestClient) -> dict[str, list[dict[str, Any]]]:
    runner = ProjectionRunner(system.reader, system.views, system.clock_board)
    runner.setup()
    runner.catch_up()
    answer = api.get("/deadlines", params={"node": TOWNSHIP}, headers=AUDITOR)
    assert answer.status_code == 200, answer.text
    found: dict[str, list[dict[str, Any]]] = {}
    for item in answer.json()["overdue"]:
        found.setdefault(item["case_id"], []).append(item)
    return found


def test_a_missed_deadline_is_settled_by_what_finally_happened_and_no_ended_case_is_overdue(
    system: System, api: TestClient, clock: Clock
):
    cb = system.casebook
    cases = {
        "dispute": (kinds.DISPUTE, dispute(system)),
        "petition": (kinds.PETITION, petition(system)),
        "incident": (kinds.INCIDENT, incident(system)),
        "missed shift": (kinds.PATROL_SHIFT, shift(system)),
        "late shift": (kinds.PATROL_SHIFT, shift(system)),
    }
    for kind, case_id in cases.values():
        run_clocks(system, kind, case_id)
    # Three hours on: the fire was not reported upward (2 hours), nobody came to either shift
    # by the start grace (30 minutes); the second shift's team turns up now, late.
    clock.advance(timedelta(hours=3))
    late_shift = cases["late shift"][1]
    cb.patrols.sign_in_at_start(person("patrol_leader"), late_shift)
    # Fifty days on: the dispute passed the grid, the village and the township limits (1 + 15 +
    # 30 days), the petition its 15 days for routing.
    clock.advance(timedelta(days=50))
    for kind, case_id in cases.values():
        run_clocks(system, kind, case_id)
    before = overdue(system, api)
    waiting = ("dispute", "petition", "incident")  # the shifts ended: missed, or opened late
    assert {str(cases[name][1]) for name in waiting} <= set(before), "each still waits for what was missed"

    # What finally happened: each case done, late, and ended.
    fire = cases["incident"][1]
    reported_up = cb.incidents.report_upward(person("village_staff"), fire, level=ReportingLevel.TOWNSHIP)
    cb.incidents.handle(person("village_staff"), fire, measures="put out", handled_by="fire brigade")
    cb.incidents.close(person("village_staff"), fire, outcome="no one hurt")
    cb.disputes.refer_out(
        person("township"),
        cases["dispute"][1],
        route=ReferralRoute.LITIGATION,
        body="Anping people's court",
        reason="overdue at the township",
    )
    wall = cases["petition"][1]
    cb.petitions.route(person("petition_agent"), wall, to_node=TOWNSHIP)
    cb.petitions.decide_acceptance(
        person("township"), wall, decision=AcceptanceDecision.NOT_ACCEPTED, reason="a matter for the courts"
    )
    cb.patrols.sign_in_at_end(person("patrol_leader"), late_shift)
    cb.patrols.close_shift(person("patrol_leader"), late_shift, notes="late, quiet")
    for kind, case_id in cases.values():
        run_clocks(system, kind, case_id)

    after = overdue(system, api)
    assert {name: after.get(str(case_id)) for name, (_, case_id) in cases.items()} == dict.fromkeys(cases)
    # The incident's deadline stays missed in the record, settled by the report that came late.
    [upward] = cb.deadlines.clocks(kinds.INCIDENT, fire).clocks.values()
    first = reported_up.reported_to[0]["at"]
    assert (upward.status, upward.settled, upward.settled_at) == (
        "missed",
        f"reported upward to the township at {first.isoformat()}, after the due time",
        first,
    )
    [route] = [c for c in cb.deadlines.clocks(kinds.PETITION, wall).clocks.values() if c.status == "missed"]
    assert (route.clock, route.settled) == (
        "petition.route",
        "late: routed to a receiving body, after the due time",
    )
    starts = {
        name: next(c for c in cb.deadlines.clocks(kinds.PATROL_SHIFT, cases[name][1]).clocks.values())
        for name in ("missed shift", "late shift")
    }
    assert starts["missed shift"].status == "missed" and starts["missed shift"].settled.startswith(
        "ended: the shift was missed"
    )
    opened = cb.patrols.shift(None, late_shift).started_at
    assert (starts["late shift"].status, starts["late shift"].settled) == (
        "missed",
        f"the shift opened late, at {opened.isoformat()}",
    )

"""Every time a person reads is shown in the nodes' local time with its offset (+08:00): the
API's values, the instants an error message quotes, explain; the store keeps instants as
recorded (the events' timestamps in UTC)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi.testclient import TestClient

from domain.time.explain import explain
from infra.bootstrap import System
from tests.support import TOKENS, Clock
from tests.test_api import REPORT, auth

LOCAL = "+08:00"


def instants(value: object) -> list[str]:
    """Every string in a JSON body that is an instant."""
    from api.times import INSTANT

    if isinstance(value, str):
        return [value] if INSTANT.fullmatch(value) else []
    if isinstance(value, dict):
        return [i for v in value.values() for i in instants(v)]
    if isinstance(value, list):
        return [i for v in value for i in instants(v)]
    return []


def test_a_dispute_its_history_and_its_clocks_read_in_local_time(
    api: TestClient, system: System, clock: Clock
):
    clock.now = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)  # 09:30 in the village
    created = api.post("/disputes", json=REPORT, headers=auth("grid_member")).json()
    read = api.get(f"/disputes/{created['id']}", headers=auth("township")).json()
    assert read["reported_at"] == "2026-03-02T09:30:00+08:00"
    assert read["occurred_at"] == "2026-03-01T18:00:00+08:00"
    [reported] = read["history"]
    assert reported["recorded_at"] == "2026-03-02T09:30:00+08:00"
    clocks = api.get(f"/disputes/{created['id']}/clocks", headers=auth("township")).json()
    shown = instants(read) + instants(clocks)
    assert len(shown) > 5 and all(i.endswith(LOCAL) for i in shown), shown

    stored = system.casebook.repository.get(__import__("uuid").UUID(created["id"]))
    assert stored.reported_at == clock.now and stored.reported_at.utcoffset().total_seconds() == 0


def test_an_error_quotes_its_instants_in_local_time(api: TestClient, clock: Clock):
    clock.now = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    created = api.post("/disputes", json=REPORT, headers=auth("grid_member")).json()
    refused = api.post(
        f"/disputes/{created['id']}/acceptance",
        json={"effective_at": "2026-03-01T00:00:00+08:00", "late_reason": "entered from the paper file"},
        headers={"Authorization": f"Bearer {TOKENS['mediator']}"},
    )
    assert refused.status_code == 422, refused.text
    said = refused.text
    assert "2026-03-02T09:30:00+08:00" in said, said
    assert "+00:00" not in said


def test_explain_shows_local_time_with_its_offset(system: System, clock: Clock):
    from domain.disputes.dispute import Category, Severity
    from service.store import CommandMeta
    from tests.support import GRID, person

    clock.now = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
    dispute = system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": "A"}, {"name": "B"}],
        category=Category.LABOUR,
        severity=Severity.GENERAL,
        description="unpaid wages",
        occurred_at=clock.now,
        meta=CommandMeta(),
    )
    [grid] = system.casebook.keepers["dispute"].sync(dispute.id, 0).clocks
    text = "\n".join(explain(grid, clock.now))
    assert "Started 2026-03-02T09:30:00+08:00" in text, text
    assert "CST" not in text and "+00:00" not in text

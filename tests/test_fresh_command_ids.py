"""A command sent without a command id gets one made up by the store, and its receipt is not looked
up (a fresh UUID has none: the read would cost a round trip for nothing); a command sent with an id
is looked up, and its replay has its effect once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.disputes.dispute import Category, SessionOutcome, Severity
from service import store as store_module
from service.store import CommandMeta
from tests.support import GRID, person


def report(system: Any, meta: CommandMeta | None = None) -> Any:
    return system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": "Zhang San"}, {"name": "Li Si"}],
        category=Category.NEIGHBOURHOOD,
        severity=Severity.MINOR,
        description="fence moved",
        occurred_at=system.casebook.clock() - timedelta(hours=1),
        **({"meta": meta} if meta else {}),
    )


@pytest.fixture
def lookups(system: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    store = system.casebook.disputes.cb
    seen: list[str] = []
    find = store._find_receipt

    def counted(sender: str, command_id: str) -> Any:
        seen.append(command_id)
        return find(sender, command_id)

    monkeypatch.setattr(store, "_find_receipt", counted)
    return seen


def test_commands_without_an_id_read_no_receipt_and_with_one_they_do(system: Any, lookups: list[str]):
    dispute = report(system)
    system.casebook.disputes.hold_mediation_session(
        person("mediator"), dispute.id, outcome=SessionOutcome.ADJOURNED
    )
    assert lookups == []
    first = report(system, CommandMeta(command_id="phone-42"))
    again = report(system, CommandMeta(command_id="phone-42"))
    assert again.id == first.id and lookups == ["phone-42", "phone-42"]


def test_a_made_up_id_forgotten_is_looked_up_again_and_finds_nothing(
    system: Any, lookups: list[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(store_module, "FRESH_IDS_KEPT", 1)
    store = system.casebook.disputes.cb
    early = store.stamp(person("grid_member"), CommandMeta())
    report(system)  # its own made-up id pushes the first out
    assert store.receipt(early, "report_dispute") is None
    assert lookups == [early["command_id"]]

"""A command sent without a command id gets one made up by the store, and its receipt is not looked
up (a fresh UUID has none: the read would cost a round trip for nothing); a command sent with an id
is looked up, and its replay has its effect once."""

from __future__ import annotations

from typing import Any

import pytest

from domain.disputes.dispute import SessionOutcome
from service import store as store_module
from service.store import CommandMeta
from tests.support import person
from tests.test_clock_board import report


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
    first = report(system, command_id="phone-42")
    again = report(system, command_id="phone-42")
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

"""A change to the clock workflow's code that would break running cases fails here: the
recorded histories in tests/histories are replayed against the code as it is now."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner

from workflows.worker import WORKFLOWS

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*.json"))


def test_there_are_recorded_histories_to_replay():
    assert {p.stem for p in HISTORIES} >= {
        "dispute_ladder",
        "dispute_agreement",
        "patrol_schedule",
        "patrol_shift_missed",
    }


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
def test_a_recorded_history_replays_on_the_current_code(path: Path):
    history = WorkflowHistory.from_json(path.stem, path.read_text(encoding="utf-8"))
    replayer = Replayer(workflows=WORKFLOWS, data_converter=pydantic_data_converter)
    asyncio.run(replayer.replay_workflow(history))


def test_the_replay_catches_a_workflow_that_changed_its_steps(monkeypatch: pytest.MonkeyPatch):
    """The check can fail: a workflow that asks a different first question does not replay."""
    from workflows import case_clock

    original = case_clock.CaseClockWorkflow._ask

    async def renamed(self, activity, argument):
        return await original(self, "sync_case_v2" if activity == "sync_case" else activity, argument)

    monkeypatch.setattr(case_clock.CaseClockWorkflow, "_ask", renamed)
    history = WorkflowHistory.from_json("ladder", HISTORIES[0].read_text(encoding="utf-8"))
    # Without the sandbox, so that the patched method is the one that runs.
    replayer = Replayer(
        workflows=WORKFLOWS,
        data_converter=pydantic_data_converter,
        workflow_runner=UnsandboxedWorkflowRunner(),
    )
    with pytest.raises(Exception, match="(?i)nondetermin|TMPRL1100"):
        asyncio.run(replayer.replay_workflow(history))

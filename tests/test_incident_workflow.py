"""An incident's reporting-upward clock on Temporal's time-skipping test server, kind by kind:
reminded, then met by an upward report, or recorded missed at the due time and settled by the
report that came late."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from domain.incidents.incident import Incident, Kind, ReportingLevel
from domain.time.clocks import ClockState
from infra.bootstrap import System
from service.store import CommandMeta
from tests.support import GRID, Clock, eventually, person
from tests.timeskipping import held, running
from workflows.activities import CaseActivities
from workflows.case_clock import CaseClockWorkflow
from workflows.contracts import CaseRef, ClockDue, case_workflow_id

FACTS: dict[Kind, dict[str, Any]] = {
    Kind.MASS_INCIDENT: {"people_involved": 80, "description": "villagers block the county road"},
    Kind.SAFETY_ACCIDENT: {"injured": 2, "dead": 0, "description": "scaffold collapsed"},
    Kind.FIRE: {"description": "barn on fire"},
    Kind.PUBLIC_SECURITY_CASE: {"offence": "administrative", "description": "fight at the market"},
    Kind.NATURAL_DISASTER: {"hazard": "flood", "description": "river over its banks"},
}
LIMIT = {Kind.MASS_INCIDENT: timedelta(hours=1), Kind.SAFETY_ACCIDENT: timedelta(hours=1)}  # others: 2 hours
KINDS = list(FACTS)
VILLAGE_HANDLERS = ["fang-jun", "xu-min"]  # handle_incident at the grid or the village above it


def limit(kind: Kind) -> timedelta:
    return LIMIT.get(kind, timedelta(hours=2))


def report(system: System, kind: Kind, **meta: Any) -> Incident:
    return system.casebook.incidents.report(
        person("grid_member"),
        grid=GRID,
        kind=kind,
        location="by the bridge",
        occurred_at=meta.get("effective_at", system.casebook.clock()) - timedelta(minutes=10),
        **FACTS[kind],
        meta=CommandMeta(**meta),
    )


def the_clock(system: System, incident: Incident) -> ClockState | None:
    found = system.casebook.deadlines.clocks("incident", incident.id)
    return next(iter(found.clocks.values())) if found and found.clocks else None


def handle(env: WorkflowEnvironment, incident: Incident) -> WorkflowHandle:
    return env.client.get_workflow_handle_for(
        CaseClockWorkflow.run, case_workflow_id("incident", str(incident.id))
    )


@pytest.mark.workflow
@pytest.mark.parametrize("kind", KINDS)
def test_an_incident_not_reported_upward_is_reminded_then_recorded_missed_at_its_kinds_deadline(
    sqlite, kind: Kind
):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            incident = report(system, kind)
            await dispatcher.catch_up()

            async def started() -> bool:
                return the_clock(system, incident) is not None

            await eventually(started)
            await env.sleep(limit(kind) - timedelta(minutes=1))
            running_clock = the_clock(system, incident)
            assert (running_clock.status, running_clock.due_at) == (
                "running",
                incident.reported_at + limit(kind),
            )
            assert running_clock.rule["when"] == ({"kind": kind.value} if kind in LIMIT else {})
            assert [(r["fraction"], r["at"], r["notify"]) for r in running_clock.reminders_sent] == [
                (0.5, incident.reported_at + limit(kind) * 0.5, VILLAGE_HANDLERS),
                (0.8, incident.reported_at + limit(kind) * 0.8, VILLAGE_HANDLERS),
            ]
            await env.sleep(timedelta(minutes=2))
            waiting = await held(handle(env, incident), lambda t: t.clocks == [])
            missed = the_clock(system, incident)
            assert (missed.status, missed.outcome, missed.ended_at) == (
                "missed",
                "not reported upward in time",
                incident.reported_at + limit(kind),
            )
            assert not waiting.ended, "the missed deadline waits for the report that settles it"
            assert system.casebook.incidents.get(None, incident.id).status.value == "reported"
            # reported upward at last, an hour late: the missed deadline is settled by it
            await env.sleep(timedelta(hours=1))
            clock.now = await env.get_current_time()
            system.casebook.incidents.report_upward(
                person("village_staff"), incident.id, level=ReportingLevel.TOWNSHIP
            )
            await dispatcher.catch_up()
            final = await handle(env, incident).result()
            settled = the_clock(system, incident)
            assert (settled.status, settled.settled, settled.settled_at) == (
                "missed",
                f"reported upward to the township at {clock.now.isoformat()}, after the due time",
                clock.now,
            )
            assert final.ended and final.clocks == []

    asyncio.run(scenario())


@pytest.mark.workflow
@pytest.mark.parametrize("kind", KINDS)
def test_an_incident_reported_upward_before_its_deadline_stops_its_clock_met(sqlite, kind: Kind):
    system, clock = sqlite

    async def scenario() -> None:
        async with running(system, clock) as (env, dispatcher):
            incident = report(system, kind)
            await dispatcher.catch_up()
            await env.sleep(limit(kind) - timedelta(minutes=5))
            clock.now = await env.get_current_time()
            system.casebook.incidents.report_upward(
                person("village_staff"), incident.id, level=ReportingLevel.TOWNSHIP
            )
            await dispatcher.catch_up()
            final = await handle(env, incident).result()
            stopped = the_clock(system, incident)
            assert (stopped.status, stopped.ended_at) == ("stopped", clock.now)
            assert stopped.outcome == f"met: reported upward to the township at {clock.now.isoformat()}"
            assert final.ended
            await env.sleep(timedelta(hours=3))
            assert the_clock(system, incident).status == "stopped"

    asyncio.run(scenario())


def test_an_upward_report_recorded_after_the_due_time_is_missed_even_when_the_clock_was_never_synced(
    system: System, clock: Clock
):
    incident = report(system, Kind.FIRE, effective_at=clock.now - timedelta(hours=3))
    system.casebook.incidents.report_upward(
        person("village_staff"), incident.id, level=ReportingLevel.TOWNSHIP
    )
    time = system.casebook.keepers["incident"].sync(incident.id, 0)
    late = the_clock(system, incident)
    assert time.ended and time.clocks == []
    assert (late.status, late.outcome, late.ended_at) == (
        "missed",
        "not reported upward in time",
        incident.reported_at + timedelta(hours=2),
    )


def test_an_upward_report_in_time_seen_only_after_the_due_time_is_met(system: System, clock: Clock):
    incident = report(system, Kind.SAFETY_ACCIDENT, effective_at=clock.now - timedelta(hours=3))
    reported_at = incident.reported_at + timedelta(minutes=40)
    system.casebook.incidents.report_upward(
        person("village_staff"),
        incident.id,
        level=ReportingLevel.COUNTY,
        meta=CommandMeta(effective_at=reported_at),
    )
    keeper = system.casebook.keepers["incident"]
    keeper.sync(incident.id, 0)
    keeper.sync(incident.id, 0)
    met = the_clock(system, incident)
    assert (met.status, met.outcome, met.ended_at) == (
        "stopped",
        f"met: reported upward to the county at {reported_at.isoformat()}",
        reported_at,
    )
    _, events = system.casebook.incidents.with_history(person("auditor"), incident.id)
    assert [type(e).__name__ for e in events] == ["Reported", "ReportedUpward"]


def test_the_due_activity_run_twice_records_one_miss_and_one_reminder_each(sqlite):
    system, _ = sqlite
    incident = report(system, Kind.FIRE)
    activities, env = CaseActivities(system.casebook), ActivityEnvironment()
    ref = CaseRef(kind="incident", case_id=str(incident.id))
    [clock] = env.run(activities.sync_case, ref).clocks
    for fraction in (0.5, 0.5, None, None):
        time = env.run(activities.clock_came, ClockDue(ref=ref, key=clock.key, fraction=fraction))
    assert time.clocks == [] and not time.ended  # the missed deadline waits for the late report
    recorded = system.casebook.deadlines.clocks("incident", incident.id)
    assert [type(e).__name__ for e in system.casebook.history(recorded.id, recorded.version)] == [
        "Opened",
        "ClockStarted",
        "ReminderRecorded",
        "ReminderSkipped",  # the later reminder was never asked for: the due time came first
        "DeadlineMissed",
    ]

"""Kill the worker, the dispatcher and the API (SIGKILL, no warning) while disputes and
petitions are being recorded and their deadlines are passing; the supervisor restarts them.
Afterwards every dispute was recorded once, escalated once, and has one clock per level; every
petition was registered once and its routing deadline missed once, with each reminder recorded
once; and every case has one workflow."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client

from tests.support import TOKENS, VILLAGE, wait_until
from tests.test_end_to_end import GRID_MEMBER, REPORT, TOWNSHIP, RunningSystem, children_of
from tests.test_petition_api import REGISTRATION

pytestmark = pytest.mark.slow
DISPUTES = 12
PETITIONS = 6
AGENT = {"Authorization": f"Bearer {TOKENS['petition_agent']}"}
ROUTE = 'clock = "petition.route"\namount = 15\nunit = "calendar_days"'


class CrashedSystem(RunningSystem):
    """The end-to-end system, with the petitions' routing limit in seconds as well."""

    @staticmethod
    def _policy(var_dir: Path) -> Path:
        folder = RunningSystem._policy(var_dir)
        fast = (folder / "fast.toml").read_text(encoding="utf-8")
        assert fast.count(ROUTE) == 1
        (folder / "fast.toml").write_text(
            fast.replace(ROUTE, ROUTE.replace("15", "6").replace("calendar_days", "seconds")),
            encoding="utf-8",
        )
        return folder


def children(supervisor: int) -> dict[str, int]:
    """The supervisor's component processes by name."""
    found = {}
    for pid in children_of(supervisor):
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"infra.cli" in argv:
            found[argv[argv.index(b"infra.cli") + 1].decode()] = pid
    return found


def post_with_retries(api: httpx.Client, path: str, body: dict, headers: dict[str, str], key: str) -> str:
    """A client that retries, with the same idempotency key, until the API answers."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            answer = api.post(path, json=body, headers={**headers, "Idempotency-Key": key})
            if answer.status_code == 201:
                return answer.json()["id"]
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{key} was never accepted")


def test_killing_the_worker_the_dispatcher_and_the_api_loses_and_duplicates_nothing(tmp_path: Path):
    system = CrashedSystem(tmp_path)
    try:
        system.start()
        assert system.process is not None
        supervisor = system.process.pid
        stop_killing = threading.Event()
        killed: list[str] = []

        def killer() -> None:
            rng = random.Random(7)
            while not stop_killing.wait(rng.uniform(0.3, 1.0)):
                name = ["worker", "dispatcher", "api"][len(killed) % 3]
                pid = children(supervisor).get(name)
                if pid:
                    os.kill(pid, signal.SIGKILL)
                    killed.append(name)

        murderer = threading.Thread(target=killer)
        murderer.start()
        ids, petitions = [], []
        for i in range(DISPUTES):
            ids.append(post_with_retries(system.api, "/disputes", REPORT, GRID_MEMBER, f"crash-{i}"))
            if i % 2:
                petitions.append(
                    post_with_retries(
                        system.api,
                        "/petitions",
                        {**REGISTRATION, "matter": f"Road compensation, group {i}"},
                        AGENT,
                        f"crash-petition-{i}",
                    )
                )
        wait_until(lambda: len(killed) >= 6, 60, "each part killed twice")
        time.sleep(7)  # keep killing while the three-second grid and six-second routing deadlines pass
        stop_killing.set()
        murderer.join()
        assert {"worker", "dispatcher", "api"} <= set(killed), killed

        wait_until(lambda: _healthy(system), 60, "the API answering again")
        wait_until(lambda: system.statistics()["escalated"] == DISPUTES, 120, "every dispute escalated")
        assert len(set(ids)) == DISPUTES
        for dispute_id in ids:
            history = [e["type"] for e in system.dispute(dispute_id)["history"]]
            assert history == ["Reported", "Escalated"], (dispute_id, history)
            clocks = system.api.get(f"/disputes/{dispute_id}/clocks", headers=TOWNSHIP).json()["clocks"]
            assert [(c["clock"], c["status"]) for c in clocks] == [
                ("dispute.grid", "missed"),
                ("dispute.village", "running"),
            ]
        stats = system.statistics()
        assert (stats["reported"], stats["open"], stats["escalated"]) == (DISPUTES, DISPUTES, DISPUTES)
        assert VILLAGE == stats["village"]

        assert len(set(petitions)) == PETITIONS
        for petition_id in petitions:

            def route_missed(petition_id: str = petition_id) -> bool:
                clocks = system.api.get(f"/petitions/{petition_id}/clocks", headers=TOWNSHIP).json()["clocks"]
                return [(c["clock"], c["status"]) for c in clocks] == [("petition.route", "missed")]

            wait_until(route_missed, 60, f"petition {petition_id} overdue for routing")
            [route] = system.api.get(f"/petitions/{petition_id}/clocks", headers=TOWNSHIP).json()["clocks"]
            assert [r["fraction"] for r in route["reminders_sent"]] == [0.5, 0.8], route["reminders_sent"]
            petition = system.api.get(f"/petitions/{petition_id}", headers=TOWNSHIP).json()
            assert [e["type"] for e in petition["history"]] == ["Registered"], petition["history"]

        async def runs() -> int:
            """Runs of the disputes' and petitions' clock workflows (the weekly sweeps keep their
            clocks on the same workflow type, under their own ids)."""
            client = await Client.connect(system.env["FENGQIAO_TEMPORAL_ADDRESS"])
            found = client.list_workflows("WorkflowType = 'CaseClockWorkflow'")
            return sum([w.id.startswith(("dispute-", "petition-")) async for w in found])

        import asyncio

        wait_until(lambda: asyncio.run(runs()) == DISPUTES + PETITIONS, 30, "one workflow per case")
        assert system.stop() == 0
    finally:
        system.kill()


def _healthy(system: RunningSystem) -> bool:
    try:
        return system.api.get("/health").status_code == 200
    except httpx.TransportError:
        return False

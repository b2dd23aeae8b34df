"""Kill the worker, the dispatcher and the API (SIGKILL, no warning) while disputes are being
reported and their deadlines are passing; the supervisor restarts them. Afterwards every
dispute was recorded once, escalated once, has one workflow and one clock per level."""

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

from tests.support import VILLAGE, wait_until
from tests.test_end_to_end import GRID_MEMBER, REPORT, TOWNSHIP, RunningSystem

pytestmark = pytest.mark.slow
DISPUTES = 12


def children(supervisor: int) -> dict[str, int]:
    """The supervisor's component processes by name."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if int(stat[1]) == supervisor and b"infra.cli" in argv:
            found[argv[argv.index(b"infra.cli") + 1].decode()] = int(entry.name)
    return found


def report_with_retries(api: httpx.Client, key: str) -> str:
    """A client that retries, with the same idempotency key, until the API answers."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            answer = api.post("/disputes", json=REPORT, headers={**GRID_MEMBER, "Idempotency-Key": key})
            if answer.status_code == 201:
                return answer.json()["id"]
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{key} was never accepted")


def test_killing_the_worker_the_dispatcher_and_the_api_loses_and_duplicates_nothing(tmp_path: Path):
    system = RunningSystem(tmp_path)
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
        ids = [report_with_retries(system.api, f"crash-{i}") for i in range(DISPUTES)]
        wait_until(lambda: len(killed) >= 6, 60, "each part killed twice")
        time.sleep(4)  # keep killing while the three-second grid deadlines pass
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
            assert [(c["clock"], c["status"]) for c in clocks] == [("dispute.grid", "missed"), ("dispute.village", "running")]
        stats = system.statistics()
        assert (stats["reported"], stats["open"], stats["escalated"]) == (DISPUTES, DISPUTES, DISPUTES)
        assert VILLAGE == stats["village"]

        async def runs() -> int:
            client = await Client.connect(system.env["FENGQIAO_TEMPORAL_ADDRESS"])
            return (await client.count_workflows("WorkflowType = 'CaseClockWorkflow'")).count

        import asyncio

        wait_until(lambda: asyncio.run(runs()) == DISPUTES, 30, "one workflow per dispute")
        assert system.stop() == 0
    finally:
        system.kill()


def _healthy(system: RunningSystem) -> bool:
    try:
        return system.api.get("/health").status_code == 200
    except httpx.TransportError:
        return False

"""End to end: `fengqiao run` with the pip-installed Temporal dev server and a short deadline.
A dispute reported over HTTP escalates and the village statistics show it; a stop and a
second start lose nothing and duplicate nothing."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from infra.supervisor import last_line
from tests.support import DIRECTORY_FILE, GRID, ROOT, TOKENS, VILLAGE, wait_until

pytestmark = pytest.mark.slow
REPORT = {
    "grid": GRID,
    "parties": [{"name": "Zhang San"}, {"name": "Li Si"}],
    "category": "neighbourhood",
    "severity": "minor",
    "description": "Water from a new drain floods the neighbour's yard",
    "occurred_at": "2026-03-01T18:00:00+08:00",
}
GRID_MEMBER = {"Authorization": f"Bearer {TOKENS['grid_member']}"}
TOWNSHIP = {"Authorization": f"Bearer {TOKENS['township']}"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def children_of(parent: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == parent:
                    found.append(int(entry.name))
            except (OSError, IndexError, ValueError):
                continue
    return found


class RunningSystem:
    def __init__(self, var_dir: Path) -> None:
        self.api_port, temporal_port, self.ui_port = free_port(), free_port(), free_port()
        self.env = {
            **os.environ,
            "FENGQIAO_VAR_DIR": str(var_dir),
            "FENGQIAO_DIRECTORY_FILE": str(DIRECTORY_FILE),
            "FENGQIAO_API_PORT": str(self.api_port),
            "FENGQIAO_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
            "FENGQIAO_TEMPORAL_UI_PORT": str(self.ui_port),
            "FENGQIAO_POLICY_DIR": str(self._policy(var_dir)),
            "FENGQIAO_POLL_INTERVAL": "0.2",
            # A queue of its own: should another system's Temporal server hold the port (the
            # free port was taken between the probe and the bind), neither works the other's cases.
            "FENGQIAO_TASK_QUEUE": f"fengqiao-{uuid.uuid4().hex[:8]}",
        }
        self.log = var_dir / "run.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.api = httpx.Client(base_url=f"http://127.0.0.1:{self.api_port}", timeout=10)

    @staticmethod
    def _policy(var_dir: Path) -> Path:
        """The shipped policy, but with a three-second grid deadline."""
        folder = var_dir / "policy"
        folder.mkdir()
        shipped = (ROOT / "config" / "policy" / "default.toml").read_text(encoding="utf-8")
        fast = shipped.replace('version = "2026.4"', 'version = "e2e"').replace(
            'clock = "dispute.grid"\namount = 24\nunit = "hours"',
            'clock = "dispute.grid"\namount = 3\nunit = "seconds"',
        )
        assert fast.count('"seconds"') == 1
        (folder / "fast.toml").write_text(fast, encoding="utf-8")
        return folder

    def start(self) -> None:
        self.process = self.spawn("run")
        wait_until(self._healthy, 90, "the API answering /health")

    def spawn(self, command: str) -> subprocess.Popen[bytes]:
        """A `fengqiao` command of this system in a session of its own, its output in the log."""
        with open(self.log, "ab") as log:
            return subprocess.Popen(
                [sys.executable, "-m", "infra.cli", command],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def _healthy(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"fengqiao run exited: {self.log.read_text()[-3000:]}")
        try:
            return self.api.get("/health").status_code == 200
        except httpx.TransportError:
            return False

    def stop(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        """Kills the supervisor and its components. Each component runs in a session of its own
        (so that Ctrl-C reaches only the supervisor), so they are found by their parent first."""
        if self.process is not None and self.process.poll() is None:
            for pid in children_of(self.process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            os.killpg(self.process.pid, signal.SIGKILL)

    def statistics(self) -> dict:
        return self.api.get(f"/villages/{VILLAGE}/statistics", headers=TOWNSHIP).json()

    def dispute(self, dispute_id: str) -> dict:
        return self.api.get(f"/disputes/{dispute_id}", headers=TOWNSHIP).json()


@pytest.fixture
def running(tmp_path: Path) -> Iterator[RunningSystem]:
    system = RunningSystem(tmp_path)
    yield system
    system.kill()


def test_a_dispute_reported_over_http_escalates_and_survives_a_restart(running: RunningSystem):
    running.start()
    first = running.api.post("/disputes", json=REPORT, headers=GRID_MEMBER).json()
    wait_until(lambda: running.statistics()["escalated"] == 1, 60, "the first escalation counted")
    assert running.dispute(first["id"])["level"] == "village"
    assert [e["actor"] for e in running.dispute(first["id"])["history"]] == ["wang-fang", "system:deadline"]
    assert httpx.get(f"http://127.0.0.1:{running.ui_port}/", timeout=10).status_code == 200

    second = running.api.post("/disputes", json=REPORT, headers=GRID_MEMBER).json()
    assert running.stop() == 0, running.log.read_text()[-3000:]

    running.start()
    wait_until(lambda: running.statistics()["escalated"] == 2, 60, "the second escalation, after the restart")
    assert running.statistics() | {"as_of_notification": None} == {
        "village": VILLAGE,
        "reported": 2,
        "resolved_by_agreement": 0,
        "closed_without_agreement": 0,
        "open": 2,
        "escalated": 2,
        "escalated_to_township": 0,
        "converted_to_criminal": 0,
        "mediation_success_rate": None,
        "as_of_notification": None,
    }
    for dispute_id in (first["id"], second["id"]):
        assert [e["type"] for e in running.dispute(dispute_id)["history"]] == ["Reported", "Escalated"]
    assert running.stop() == 0


def test_the_system_stops_with_the_reason_when_another_process_holds_the_temporal_port(
    running: RunningSystem,
):
    """The port was free when `run` checked it and taken before the Temporal server bound it (a
    socket bound without listening looks free to the check): rather than let the worker and the
    dispatcher work on whatever server answers there, the supervisor stops and says why."""
    host, port = running.env["FENGQIAO_TEMPORAL_ADDRESS"].rsplit(":", 1)
    with socket.socket() as squatter:
        squatter.bind((host, int(port)))
        running.process = subprocess.Popen(
            [sys.executable, "-m", "infra.cli", "run"],
            cwd=ROOT,
            env=running.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        _, stderr = running.process.communicate(timeout=120)
    assert running.process.returncode != 0
    said = stderr.decode()
    assert "stopped: the temporal server cannot bind its port, another process holds it" in said, said[-3000:]
    assert "address already in use" in said


def test_the_reason_a_child_exited_is_read_from_what_that_run_wrote(tmp_path: Path):
    log = tmp_path / "temporal.log"
    log.write_text("Error: listen tcp 127.0.0.1:7233: bind: address already in use\n")  # an earlier run
    since = log.stat().st_size
    assert last_line(log, since) is None  # this run wrote nothing: the earlier line is not its reason
    with open(log, "a") as more:
        more.write("starting\n\nError: can't set frontend port 7233: bind: address already in use\n\n")
    assert last_line(log, since) == "Error: can't set frontend port 7233: bind: address already in use"

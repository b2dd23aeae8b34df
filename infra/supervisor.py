"""`fengqiao run`: the whole system in one process tree on its embedded defaults.

Starts the Temporal dev server (SQLite file under the var dir), then the worker, the
dispatcher, the projector and the API as child processes. A child that dies is restarted.
Ctrl-C (or SIGTERM) stops the API first and the Temporal server last, each cleanly.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from domain.time.calendar import CHINA
from infra.binding import bind, store_label
from infra.bootstrap import bootstrap
from infra.settings import Settings
from infra.temporal import binary
from projections.followers import prepare

log = structlog.get_logger()
COMPONENTS = ("worker", "dispatcher", "projector", "api")  # started in this order
GRACE_SECONDS = 15


@dataclass
class Child:
    name: str
    argv: list[str]
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)
    log_from: int = 0

    def start(self) -> None:
        output = open(self.log_path, "ab") if self.log_path else None  # noqa: SIM115
        self.log_from = output.tell() if output else 0  # what this run writes, not an earlier run's
        self.process = subprocess.Popen(self.argv, stdout=output, stderr=output, start_new_session=True)
        self.started_at = time.monotonic()
        log.info("supervisor.started", child=self.name, pid=self.process.pid)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            assert self.process is not None
            self.process.send_signal(signal.SIGTERM)

    def wait(self, seconds: float) -> None:
        if self.process is None:
            return
        try:
            self.process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            log.warning("supervisor.killing", child=self.name)
            self.process.kill()
            self.process.wait()


def temporal_server_argv(settings: Settings) -> list[str]:
    host, port = settings.temporal_address.rsplit(":", 1)
    return [
        str(binary("temporal")),
        "server",
        "start-dev",
        "--db-filename",
        str(settings.var_dir / "temporal.sqlite"),
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--ip",
        host,
        "--port",
        port,
        "--ui-port",
        str(settings.temporal_ui_port),
        "--log-level",
        "warn",
        "--log-format",
        "json",
    ]


def _port_in_use(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def _check_ports(settings: Settings, with_temporal: bool) -> None:
    host, port = settings.temporal_address.rsplit(":", 1)
    wanted = [("API", settings.api_host, settings.api_port)]
    if with_temporal:
        wanted += [("Temporal", host, int(port)), ("Temporal UI", host, settings.temporal_ui_port)]
    busy = [f"{what} port {p} on {h}" for what, h, p in wanted if _port_in_use(h, p)]
    if busy:
        raise SystemExit(
            f"cannot start: {', '.join(busy)} already in use — is Fengqiao already running? "
            "Stop it, or choose other ports (FENGQIAO_API_PORT, FENGQIAO_TEMPORAL_ADDRESS, "
            "FENGQIAO_TEMPORAL_UI_PORT)."
        )


def supervise(settings: Settings, *, with_temporal: bool = True) -> None:
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    _check_ports(settings, with_temporal)
    system = bootstrap(settings)
    binding = bind(system)  # before any part starts: refuses a task queue not this store's
    prepare(system.views, system.projections)  # the tables the followers share, made once
    log.info("directory.loaded", file=str(settings.directory_file), changes=system.seed())
    today = system.casebook.clock().astimezone(CHINA).date()
    for warning in system.casebook.rulebook.calendar_warnings(today):
        log.warning("calendar.running_out", detail=warning, folder=str(settings.calendar_dir))
    system.close()
    children = [Child(name, [sys.executable, "-m", "infra.cli", name]) for name in COMPONENTS]
    if with_temporal:
        children.insert(
            0, Child("temporal", temporal_server_argv(settings), settings.var_dir / "temporal.log")
        )
    stopping = False

    def on_signal(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    for child in children:
        child.start()
    host, _port = settings.temporal_address.rsplit(":", 1)
    print(
        f"\nFengqiao is starting: {store_label(settings)},\n"
        f"  Temporal namespace {binding.namespace!r}, task queue {binding.task_queue!r}.\n"
        f"  API and its docs:  http://{settings.api_host}:{settings.api_port}/docs\n"
        + (f"  Temporal web UI:   http://{host}:{settings.temporal_ui_port}\n" if with_temporal else "")
        + "Press Ctrl-C to stop.\n",
        flush=True,
    )
    refusal: str | None = None
    while not stopping:
        for child in children:
            if not child.alive() and not stopping:
                code = child.process.returncode if child.process else None
                said = last_line(child.log_path, child.log_from) if child.log_path else None
                if said and "address already in use" in said:
                    # Another process took the port after the check above: the worker and the
                    # dispatcher would be working on a Temporal server that is not ours.
                    refusal = (
                        f"stopped: the {child.name} server cannot bind its port, another process "
                        f"holds it ({said}). Stop that process, or choose other ports."
                    )
                    log.error("supervisor.port_taken", child=child.name, detail=said)
                    stopping = True
                    break
                backoff = 5.0 if time.monotonic() - child.started_at < 5 else 1.0  # slower in a crash loop
                log.warning(
                    "supervisor.child_exited",
                    child=child.name,
                    code=code,
                    restart_in=backoff,
                    **({"last_line": said} if said else {}),
                )
                time.sleep(backoff)
                child.restarts += 1
                child.start()
        time.sleep(0.3)
    log.info("supervisor.stopping")
    for child in reversed(children):  # API first, Temporal server last
        child.stop()
        child.wait(GRACE_SECONDS)
    log.info("supervisor.stopped")
    if refusal:
        raise SystemExit(refusal)


def last_line(path: Path, since: int = 0, limit: int = 4096) -> str | None:
    """The last line a child wrote to its log after `since` (its start), to say why it exited."""
    try:
        with open(path, "rb") as file:
            file.seek(0, 2)
            file.seek(max(since, file.tell() - limit))
            lines = [
                line.strip() for line in file.read().decode("utf-8", "replace").splitlines() if line.strip()
            ]
    except OSError:
        return None
    return lines[-1][:300] if lines else None

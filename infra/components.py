"""Each long-running part of the system as a process entry: api, worker, dispatcher, projector.
Each stops cleanly on SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import Callable

import structlog
import uvicorn
from temporalio.client import Client

from infra.binding import bind
from infra.bootstrap import System, bootstrap
from infra.metrics import serve, temporal_runtime
from infra.profiling import profiled
from infra.settings import Settings
from infra.temporal import connect
from infra.tracing import start_tracing
from projections.briefings import BriefingWriter
from projections.followers import FollowerFailed, Retry, prepare, run_all
from projections.runner import ProjectionRunner
from workflows.dispatcher import Dispatcher
from workflows.rhythm import install_rhythm
from workflows.worker import build_worker

log = structlog.get_logger()


async def _connect_patiently(settings: Settings, attempts: int = 120) -> Client:
    """The Temporal server may still be starting: keep trying for about a minute."""
    runtime = temporal_runtime(settings)
    for attempt in range(1, attempts + 1):
        try:
            return await connect(settings, runtime)
        except RuntimeError as failure:
            if attempt == attempts:
                raise
            if attempt % 10 == 1:
                log.info("temporal.waiting", address=settings.temporal_address, detail=str(failure))
            await asyncio.sleep(0.5)
    raise AssertionError("unreachable")


def _stop_on_signals(loop: asyncio.AbstractEventLoop) -> asyncio.Event:
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    return stopping


async def _worker(settings: Settings) -> None:
    system = bootstrap(settings)
    start_tracing(settings, "fengqiao-worker")
    stop_metrics = serve(settings, "worker")
    queue = bind(system).task_queue
    stopping = _stop_on_signals(asyncio.get_running_loop())
    client = await _connect_patiently(settings)
    worker = build_worker(
        client,
        system.casebook,
        queue,
        system.courier(),
        briefing_writer(system),
        workflow_pollers=settings.worker_workflow_pollers,
    )
    log.info("worker.started", task_queue=queue)
    profiles = profiled(settings.profile_file, "worker")
    async with worker:
        await install_rhythm(client, queue, settings.briefing_every_seconds)
        await stopping.wait()
    if profiles is not None:
        profiles.stop()
    stop_metrics()
    system.close()
    log.info("worker.stopped")


async def _dispatcher(settings: Settings) -> None:
    system = bootstrap(settings)
    start_tracing(settings, "fengqiao-dispatcher")
    stop_metrics = serve(settings, "dispatcher")
    queue = bind(system).task_queue
    stopping = _stop_on_signals(asyncio.get_running_loop())
    client = await _connect_patiently(settings)
    dispatcher = Dispatcher(system.reader, system.views, client, task_queue=queue)
    try:
        await dispatcher.run(stopping, settings.poll_interval)
    except FollowerFailed:
        stop_metrics()
        system.close()
        log.error(
            "dispatcher.exiting",
            detail="the dispatcher could not recover; exiting with status 1 for the supervisor to restart",
        )
        raise SystemExit(1) from None
    stop_metrics()
    system.close()
    log.info("dispatcher.stopped")


def briefing_writer(system: System) -> BriefingWriter:
    return BriefingWriter(system.casebook, system.views, system.node_statistics, system.scores)


def run_worker(settings: Settings) -> None:
    asyncio.run(_worker(settings))


def run_dispatcher(settings: Settings) -> None:
    asyncio.run(_dispatcher(settings))


def follow(
    system: System,
    stopping: threading.Event,
    poll_interval: float,
    retry: Retry | None = None,
    also: dict[str, Callable[[threading.Event], None]] | None = None,
) -> list[str]:
    """Runs every read model until `stopping` is set or one of them gives up (which stops the
    others); returns the names of those that gave up. The tables they share are made first, once."""
    prepare(system.views, system.projections)
    runners = {
        projection.name: ProjectionRunner(system.reader, system.views, projection)
        for projection in system.projections
    }
    return run_all(
        {
            name: (lambda stop, runner=runner: runner.run(stop, poll_interval, retry))
            for name, runner in runners.items()
        }
        | (also or {}),
        stopping,
    )


def run_projector(settings: Settings, retry: Retry | None = None) -> None:
    """Every read model, each in a thread of its own, each with its own position. A read model
    that cannot recover stops them all and the process exits 1, for its supervisor to restart it."""
    system = bootstrap(settings)
    stop_metrics = serve(settings, "projector")
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    seal = {"seal": lambda stop: system.seal.run(stop, settings.seal_interval)}
    failed = follow(system, stopping, settings.poll_interval, retry, also=seal)
    stop_metrics()
    system.close()
    if failed:
        log.error(
            "projector.exiting",
            failed=failed,
            detail="a read model could not recover; exiting with status 1 for the supervisor to restart",
        )
        raise SystemExit(1)
    log.info("projector.stopped")


def run_api(settings: Settings) -> None:
    from api.app import create_api

    system = bootstrap(settings)
    start_tracing(settings, "fengqiao-api")
    log.info("api.started", url=f"http://{settings.api_host}:{settings.api_port}")
    uvicorn.run(
        create_api(system),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        access_log=False,
        log_level="warning",
        proxy_headers=True,  # the client's address, for failed sign-ins, from a proxy trusted here
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )
    system.close()

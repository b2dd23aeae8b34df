"""Each long-running part of the system as a process entry: api, worker, dispatcher, projector.
Each stops cleanly on SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import signal
import threading

import structlog
import uvicorn
from temporalio.client import Client

from infra.bootstrap import bootstrap
from infra.settings import Settings
from infra.temporal import connect
from projections.runner import ProjectionRunner
from workflows.dispatcher import Dispatcher
from workflows.worker import build_worker

log = structlog.get_logger()


async def _connect_patiently(settings: Settings, attempts: int = 120) -> Client:
    """The Temporal server may still be starting: keep trying for about a minute."""
    for attempt in range(1, attempts + 1):
        try:
            return await connect(settings)
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
    stopping = _stop_on_signals(asyncio.get_running_loop())
    client = await _connect_patiently(settings)
    worker = build_worker(client, system.casebook, settings.task_queue)
    log.info("worker.started", task_queue=settings.task_queue)
    async with worker:
        await stopping.wait()
    system.close()
    log.info("worker.stopped")


async def _dispatcher(settings: Settings) -> None:
    system = bootstrap(settings)
    stopping = _stop_on_signals(asyncio.get_running_loop())
    client = await _connect_patiently(settings)
    dispatcher = Dispatcher(
        system.reader,
        system.views,
        client,
        task_queue=settings.task_queue,
    )
    await dispatcher.run(stopping, settings.poll_interval)
    system.close()
    log.info("dispatcher.stopped")


def run_worker(settings: Settings) -> None:
    asyncio.run(_worker(settings))


def run_dispatcher(settings: Settings) -> None:
    asyncio.run(_dispatcher(settings))


def run_projector(settings: Settings) -> None:
    """Every read model, each in a thread of its own, each with its own position."""
    system = bootstrap(settings)
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    threads = [
        threading.Thread(
            target=ProjectionRunner(system.reader, system.views, projection).run,
            args=(stopping, settings.poll_interval),
            name=projection.name,
        )
        for projection in system.projections
    ]
    threads.append(
        threading.Thread(target=system.seal.run, args=(stopping, settings.seal_interval), name="seal")
    )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    system.close()
    log.info("projector.stopped")


def run_api(settings: Settings) -> None:
    from api.app import create_api

    system = bootstrap(settings)
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

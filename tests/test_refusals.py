"""An operator whose start is refused gets one line saying what is missing and what to do, a
non-zero exit and no traceback — run as an operator runs it, as a process of its own."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import PG_URL
from tests.support import ROOT, settings_for

pytestmark = pytest.mark.process


def fengqiao(env: dict[str, str], *args: str) -> tuple[int, list[str], float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "infra.cli", *args],
        check=False,
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("FENGQIAO_")} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    return done.returncode, lines, time.monotonic() - started


def environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    settings = settings_for(tmp_path)
    env = {
        "FENGQIAO_VAR_DIR": str(tmp_path),
        "FENGQIAO_DIRECTORY_FILE": str(settings.directory_file),
        "FENGQIAO_POLICY_DIR": str(settings.policy_dir),
        "FENGQIAO_CALENDAR_DIR": str(settings.calendar_dir),
        "FENGQIAO_TEMPLATE_DIR": str(settings.template_dir),
    }
    return env | {f"FENGQIAO_{k.upper()}": v for k, v in overrides.items()}


def one_refusal(lines: list[str], *needles: str) -> str:
    assert not any("Traceback" in line for line in lines), "\n".join(lines)
    refusals = [line for line in lines if line.startswith("fengqiao: ")]
    assert len(refusals) == 1, "\n".join(lines)
    for needle in needles:
        assert needle in refusals[0], refusals[0]
    return refusals[0]


def test_a_missing_directory_file_is_one_line(tmp_path: Path):
    code, lines, _ = fengqiao(
        environment(tmp_path, directory_file=str(tmp_path / "nowhere.toml")), "directory", "load"
    )
    assert code == 2
    one_refusal(lines, "nowhere.toml", "FENGQIAO_DIRECTORY_FILE")


def test_a_missing_policy_folder_is_one_line(tmp_path: Path):
    code, lines, _ = fengqiao(
        environment(tmp_path, policy_dir=str(tmp_path / "no-policy")), "directory", "load"
    )
    assert code == 2
    one_refusal(lines, "no-policy", "FENGQIAO_POLICY_DIR")


def test_production_without_a_key_is_one_line(tmp_path: Path):
    code, lines, _ = fengqiao(environment(tmp_path, mode="production"), "directory", "load")
    assert code == 2
    one_refusal(lines, "FENGQIAO_CIPHER_KEY", "fengqiao keygen")


def test_a_malformed_setting_is_one_line(tmp_path: Path):
    code, lines, _ = fengqiao(environment(tmp_path, store="mysql"), "directory", "load")
    assert code == 2
    one_refusal(lines, "FENGQIAO_STORE")


def _pg(tmp_path: Path, **overrides: str) -> dict[str, str]:
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(PG_URL)
    return environment(
        tmp_path,
        store="postgres",
        pg_host=str(params.get("host", "127.0.0.1")),
        pg_port=str(params.get("port", 5432)),
        pg_user=str(params.get("user", "postgres")),
        pg_password=str(params.get("password", "")),
        **overrides,
    )


POSTGRES = pytest.mark.parametrize("store", [pytest.param("postgres", marks=pytest.mark.postgres)])


@POSTGRES
def test_a_missing_database_is_one_line_at_once(tmp_path: Path, store: str):
    if not PG_URL:
        pytest.skip("PostgreSQL tests are off: set FENGQIAO_TEST_POSTGRES to a libpq URL")
    missing = f"fengqiao_missing_{uuid.uuid4().hex[:8]}"
    code, lines, took = fengqiao(_pg(tmp_path, pg_dbname=missing), "directory", "load")
    assert code == 2
    one_refusal(lines, f'no database "{missing}"', "createdb", "FENGQIAO_PG_DBNAME")
    assert took < 8, f"it took {took:.1f} s to say so"


@POSTGRES
def test_a_missing_schema_is_one_line(tmp_path: Path, store: str, pg_database: dict[str, object]):
    code, lines, _ = fengqiao(
        _pg(tmp_path, pg_dbname=str(pg_database["pg_dbname"]), pg_schema="no_such_schema"),
        "directory",
        "load",
    )
    assert code == 2
    one_refusal(lines, 'no schema "no_such_schema"', "CREATE SCHEMA", "FENGQIAO_PG_SCHEMA")

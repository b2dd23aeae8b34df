"""What the logs keep: no party's name or other text a person typed in a refusal or a failure's
traceback, a 500 in the access log, and a client's request id only when it is a short token."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from api.app import create_api
from infra.bootstrap import System
from infra.logging import exception_without_text
from tests.support import GRID, TOKENS

REPORT = {
    "grid": GRID,
    "parties": [{"name": "Zhang San", "phone": "+86 138 0000 0000"}, {"name": "Li Si"}],
    "category": "neighbourhood",
    "severity": "minor",
    "description": "A fence moved onto the neighbour's field",
    "occurred_at": "2026-03-01T18:00:00+08:00",
}


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with TestClient(create_api(system), raise_server_exceptions=False) as client:
        yield client


def test_a_refusal_quoting_a_partys_name_keeps_the_name_out_of_the_log(api: TestClient):
    dispute = api.post("/disputes", json=REPORT, headers=auth("grid_member")).json()
    path = f"/disputes/{dispute['id']}/agreement"
    assert api.post(
        path, json={"form": "written", "terms": "paid by May"}, headers=auth("mediator")
    ).is_success
    with capture_logs() as logs:
        refused = api.post(f"{path}/signatures", json={"party": "Zhang San"}, headers=auth("mediator"))
    assert refused.status_code == 422 and "Zhang San" in refused.json()["detail"]  # the person is told
    [line] = [entry for entry in logs if entry["event"] == "command.refused"]
    assert (line["error"], line["field"]) == ("InvalidValue", "party")
    assert "Zhang San" not in repr(logs)


def test_an_overlong_or_odd_request_id_is_replaced_and_a_plain_one_kept(api: TestClient):
    for sent in ("x" * 8192, "line\tbreak", "张三"):
        with capture_logs() as logs:
            answered = api.get("/health", headers={"X-Request-ID": sent.encode()})
        kept = answered.headers["X-Request-ID"]
        assert kept != sent and len(kept) <= 128
        assert all(entry.get("request_id") != sent for entry in logs)
    assert api.get("/health", headers={"X-Request-ID": "tablet-7:req.42"}).headers["X-Request-ID"] == (
        "tablet-7:req.42"
    )


def test_a_500_reaches_the_access_log_without_what_was_sent(api: TestClient, system: System, monkeypatch):
    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("Zhang San +86 138 0000 0000")

    monkeypatch.setattr(system.casebook.disputes, "report", broken)
    with capture_logs(processors=[exception_without_text]) as logs:
        assert api.post("/disputes", json=REPORT, headers=auth("grid_member")).status_code == 500
    [line] = [entry for entry in logs if entry["event"] == "http.request"]
    assert (line["status"], line["path"]) == (500, "/disputes")
    assert line["exception"]["type"] == "builtins.RuntimeError"
    assert any("test_log_hygiene.py" in frame for frame in line["exception"]["frames"])
    assert "Zhang San" not in repr(logs) and "+86" not in repr(logs)


def test_a_standard_library_traceback_is_frames_not_a_traceback_object(capsys):
    import logging

    from infra.logging import configure_logging

    # A server started in-process by an earlier test (uvicorn's own logging config) gives the
    # "uvicorn" loggers their own handler and stops them propagating; here they go to ours.
    uvicorn = logging.getLogger("uvicorn")
    saved = (uvicorn.handlers[:], uvicorn.propagate)
    uvicorn.handlers.clear()
    uvicorn.propagate = True
    configure_logging()
    try:
        try:
            raise ValueError("Li Si's phone +86 139")
        except ValueError:
            import logging

            logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        structlog.reset_defaults()
        uvicorn.handlers[:], uvicorn.propagate = saved
    assert line["exception"]["type"] == "builtins.ValueError"
    assert "traceback object" not in json.dumps(line) and "Li Si" not in json.dumps(line)
    assert sys.exc_info() == (None, None, None)

"""Prometheus metrics at /metrics: requests by route template (never the raw path), commands
accepted and refused by kind and error, sign-in failures and throttles, and the store's gauges
(followers' lag, open and overdue clocks) read when scraped."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_api
from infra.bootstrap import System
from infra.settings import Settings
from projections import followers
from projections.runner import ProjectionRunner
from tests.identity_support import client, enrol, identity_system, sign_in
from tests.support import Clock
from tests.test_api import REPORT, auth
from tests.test_clock_board import report

pytestmark = pytest.mark.http


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with TestClient(create_api(system)) as client:
        yield client


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scraped(api: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = api.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def test_requests_are_counted_by_route_template_and_status_never_by_raw_path(api: TestClient):
    template = "/disputes/{dispute_id}"
    before = value("fengqiao_http_requests_total", method="GET", route=template, status="200")
    seconds = value("fengqiao_http_request_duration_seconds_count", method="GET", route=template)
    dispute = api.post("/disputes", json=REPORT, headers=auth("grid_member")).json()
    assert api.get(f"/disputes/{dispute['id']}", headers=auth("grid_member")).status_code == 200
    samples = scraped(api)
    key = (("method", "GET"), ("route", template), ("status", "200"))
    assert samples[("fengqiao_http_requests_total", key)] == before + 1
    assert value("fengqiao_http_request_duration_seconds_count", method="GET", route=template) == seconds + 1
    assert not any(dispute["id"] in dict(labels).get("route", "") for _, labels in samples)
    api.get("/no/such/path/123")
    assert value("fengqiao_http_requests_total", method="GET", route="unmatched", status="404") >= 1


def test_commands_are_counted_accepted_or_refused_with_the_domain_error(api: TestClient):
    def count(outcome: str, error: str) -> float:
        return value(
            "fengqiao_commands_total",
            kind="dispute",
            action="agreement_reached",
            outcome=outcome,
            error=error,
        )

    accepted, refused = count("accepted", ""), count("refused", "TransitionNotAllowed")
    dispute = api.post("/disputes", json=REPORT, headers=auth("grid_member")).json()
    path = f"/disputes/{dispute['id']}"
    agreement = {"form": "oral", "terms": "apology"}
    assert api.post(f"{path}/agreement", json=agreement, headers=auth("mediator")).status_code == 200
    api.post(f"{path}/closure", json={}, headers=auth("mediator"))
    assert api.post(f"{path}/agreement", json=agreement, headers=auth("mediator")).status_code == 409
    assert (count("accepted", ""), count("refused", "TransitionNotAllowed")) == (accepted + 1, refused + 1)


def test_the_store_gauges_show_each_followers_lag_and_the_open_and_overdue_clocks(
    api: TestClient, system: System, clock: Clock
):
    keeper = system.casebook.keepers["dispute"]
    for dispute in (report(system), report(system, effective_at=clock.now - timedelta(hours=30))):
        keeper.sync(dispute.id, 0)  # what the workflow's first activity does: the grid clock starts
    samples = scraped(api)
    head = samples[("fengqiao_log_head", ())]
    board = (("follower", system.clock_board.name),)
    assert samples[("fengqiao_follower_lag", board)] == head  # nothing projected, never heard from
    assert samples[("fengqiao_follower_running", board)] == 0
    assert ("fengqiao_clocks_open", (("case_kind", "dispute"),)) not in samples
    runner = ProjectionRunner(system.reader, system.views, system.clock_board)
    runner.catch_up()
    with system.views.transaction() as cur:  # what the running follower says of itself
        followers.write_heartbeat(cur, system.clock_board.name, followers.RUNNING, int(head), time.time(), "")
    samples = scraped(api)
    assert samples[("fengqiao_follower_position", board)] == head
    assert samples[("fengqiao_follower_lag", board)] == 0
    assert samples[("fengqiao_follower_running", board)] == 1
    assert samples[("fengqiao_follower_lag", (("follower", "dispatcher"),))] == head
    assert samples[("fengqiao_clocks_open", (("case_kind", "dispute"),))] == 2
    assert samples[("fengqiao_clocks_overdue", (("case_kind", "dispute"),))] == 1


@pytest.fixture
def identity(settings: Settings, clock: Clock) -> Iterator[System]:
    yield from identity_system(settings, clock, auth_account_failures=2, auth_address_failures=50)


def test_failed_and_throttled_sign_ins_are_counted(identity: System):
    failures, throttled = (
        value("fengqiao_sign_in_failures_total", kind="password"),
        value("fengqiao_sign_in_throttled_total", kind="password"),
    )
    with client(identity, address="10.0.0.9") as api:
        enrol(api, "grid_member")
        for _ in range(2):
            assert sign_in(api, "grid_member", "wrong guess").status_code == 401
        assert sign_in(api, "grid_member", "wrong guess").status_code == 429
    assert value("fengqiao_sign_in_failures_total", kind="password") == failures + 2
    assert value("fengqiao_sign_in_throttled_total", kind="password") == throttled + 1

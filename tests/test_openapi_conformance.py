"""The API against its own OpenAPI document (schemathesis): every operation, with bodies,
parameters and headers generated from the schema, as a person with wide rights (the township's
workstation, chen-jing) — no 500, every status code and body as the document declares them,
problem details as `application/problem+json`. Bounded (a few examples per operation) and
derandomized, so a run is repeatable and takes about a minute."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, positive_data_acceptance

from api.app import create_api
from infra.bootstrap import bootstrap
from tests.support import GRID, TOKENS, Clock, settings_for

pytestmark = pytest.mark.http
AUTH = {"Authorization": f"Bearer {TOKENS['township']}"}
# A tus chunk (PATCH /uploads/{id}, api/routes/uploads.py) is raw bytes, sent like any octet stream.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
EXAMPLES = 3  # per operation: about 400 requests over 138 operations, under two minutes on a loaded machine
STATEFUL_SCENARIOS = 60  # scenarios of up to ten chained calls each
REAL_BODIES = {  # creations with what the directory of config/dev.toml has, on the test's clock (2026-03-02)
    ("POST", "/disputes"): {
        "grid": GRID,
        "parties": [{"name": "Zhang San"}, {"name": "Li Si"}],
        "category": "neighbourhood",
        "severity": "minor",
        "description": "A fence moved onto the neighbour's field",
        "occurred_at": "2026-03-01T18:00:00+08:00",
    },
    ("POST", "/incidents"): {
        "kind": "fire",
        "grid": GRID,
        "description": "Barn on fire",
        "location": "Li's barn",
        "occurred_at": "2026-03-02T16:00:00+08:00",
    },
}


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    var: Path = tmp_path_factory.mktemp("schemathesis")
    system = bootstrap(settings_for(var, store="sqlite", session_cookie_secure=False), Clock())
    system.seed()
    app = create_api(system)
    app.openapi()  # built once here (seconds on a loaded machine), then served from the cache
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    system.close()


def failures_of(operation: Any) -> list[str]:
    """What the generated requests of one operation found wrong (nothing, when it conforms)."""
    found: list[str] = []

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure is reported
    )
    def run(case: Any) -> None:
        try:
            # A body valid by the schema may still name a node or person the directory does not
            # have, or a password too short for the policy: 422 from the domain is the right answer.
            excluded = [positive_data_acceptance]
            if operation.path == "/ready":  # 503 by design while a follower is not running (none here)
                excluded.append(not_a_server_error)
            case.call_and_validate(headers=AUTH, excluded_checks=excluded)
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 - each failure is collected
            found.append(f"{operation.label}: {type(failure).__name__}: {str(failure)[:1500]}")

    run()
    return found


def test_every_operation_answers_as_its_schema_says(api_schema: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) > 50
    found = [failure for operation in operations for failure in failures_of(operation)]
    assert not found, f"{len(found)} failures:\n" + "\n\n".join(found)


def test_a_command_declares_its_problems_as_problem_details(api_schema: Any) -> None:
    responses = api_schema.raw_schema["paths"]["/disputes/{dispute_id}/acceptance"]["post"]["responses"]
    assert {"401", "403", "404", "409", "412", "413", "422", "429"} <= set(responses)
    for status in ("401", "403", "404", "409", "412", "422", "429"):
        assert list(responses[status]["content"]) == ["application/problem+json"], status
    assert "HTTPValidationError" not in api_schema.raw_schema["components"]["schemas"]


def test_a_case_created_is_followed_by_its_links_to_the_commands_and_reads_on_it(api_schema: Any) -> None:
    """Stateful: schemathesis chains the creation of a case to the operations on it through the
    OpenAPI links the document declares (api/problem_docs.py: declare_links) — so the commands
    reach a real dispute, petition, incident, route or shift instead of a random id's 404."""
    raw = api_schema.raw_schema["paths"]
    links = raw["/disputes"]["post"]["responses"]["201"]["links"]
    accept = raw["/disputes/{dispute_id}/acceptance"]["post"]["operationId"]
    assert {"operationId": accept, "parameters": {"dispute_id": "$response.body#/id"}} in links.values()
    for creator in ("/petitions", "/incidents", "/patrols/routes", "/patrols/shifts"):
        assert raw[creator]["post"]["responses"]["201"]["links"], creator

    # The cases whose creations can be given real bodies (REAL_BODIES), and every operation on them.
    machine = api_schema.include(path_regex=r"^/(disputes|incidents)(/|$)").as_state_machine()
    calls: list[tuple[str, str, int]] = []  # (method and path template, path sent, status)
    created: set[str] = set()  # the ids the creations answered with

    class Stateful(machine):  # type: ignore[misc,valid-type]
        def before_call(self, case: Any) -> None:
            # A body generated from the schema names a grid the directory does not have: the
            # creations get a real one, so that what follows them has a case to work on.
            real = REAL_BODIES.get((case.method, case.path))
            if real is not None:
                case.body = dict(real)
            # The person is the township's (AUTH), not a generated token; the version a command
            # pins and its business time are left to the server, so that a linked command can
            # take effect (the stateless test above sends them generated).
            kept = {
                k: v
                for k, v in (case.headers or {}).items()
                if k.lower() not in ("authorization", "if-match")
            }
            case.headers = {**kept, **AUTH}
            if isinstance(case.body, dict):
                case.body.pop("effective_at", None)
                case.body.pop("late_reason", None)  # goes with a business time in the past

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": AUTH}

        def after_call(self, response: Any, case: Any) -> None:
            calls.append((f"{case.method} {case.path}", case.formatted_path, response.status_code))
            if response.status_code == 201 and case.path in ("/disputes", "/incidents"):
                created.add(response.json()["id"])

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, excluded_checks=[positive_data_acceptance])

    Stateful.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=10,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.explicit, Phase.generate],
        )
    )
    # Followed links: calls on a case a creation made, found by its id in the path they were sent to.
    chained = [(call, status) for call, path, status in calls if any(i in path for i in created)]
    print(f"stateful: {len(calls)} calls, {len(created)} cases created, {len(chained)} calls on them")
    assert created and len(chained) >= 5, "\n".join(f"{c} {p} {s}" for c, p, s in calls)
    assert not [c for c in calls if c[2] >= 500], calls


def test_a_body_that_is_not_utf8_is_the_422_every_operation_declares(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    system = bootstrap(settings_for(tmp_path, store="sqlite"), Clock())
    system.seed()
    with TestClient(create_api(system)) as client:
        answer = client.post(
            "/disputes", content=b"\xff\xfe{", headers={**AUTH, "Content-Type": "application/json"}
        )
    system.close()
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"] == [
        {"field": "body", "in": "body", "message": "the body cannot be read: send JSON in UTF-8"}
    ]

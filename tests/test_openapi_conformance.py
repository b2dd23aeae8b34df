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
from tests.support import TOKENS, Clock, settings_for

pytestmark = pytest.mark.http
AUTH = {"Authorization": f"Bearer {TOKENS['township']}"}
EXAMPLES = 3  # per operation: about 400 requests over 138 operations, under two minutes on a loaded machine


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

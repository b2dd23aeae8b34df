"""A person with no business with a case cannot tell whether it exists: on every route that names a
case — each path of the OpenAPI document with a case's id in it, and each workbench page of a case —
a person who may not read the case gets the very answer an id nobody ever used gets (the same status,
404, and the same body once the id is swapped), naming no node and no more of a case than the URL
says. Where a person may read the case but not act, the 403 names no node they may not read; and
the person an accusation accuses learns nothing of it from a refusal."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_api
from domain.briefings.briefing import BriefingKind
from infra.bootstrap import System
from tests.petition_dsl import ZHANG
from tests.support import GRID, TOKENS, VILLAGE, Clock, person, report_fence
from tests.test_briefings import NEXT_MONDAY, TUESDAY, writer
from tests.test_sweeps import MONDAY

pytestmark = pytest.mark.http

# Whose cases these are not: another township's workstation (who holds nearly every right, so only
# the jurisdiction can refuse them), another village's grid member, staff and patrol leader.
FOREIGNERS = ("foreign_township", "foreign_grid_member", "foreign_village_staff", "foreign_patrol_leader")
# The kind of case a path names, by its beginning (the URL says as much, for a real id or not).
KINDS = (
    ("/audit/cases/dispute/", "dispute"),
    ("/patrols/routes/", "route"),
    ("/patrols/shifts/", "shift"),
    ("/disputes/", "dispute"),
    ("/petitions/", "petition"),
    ("/incidents/", "incident"),
    ("/sweeps/", "sweep"),
    ("/briefings/", "briefing"),
)
CASE_PARAMETERS = {"case_id", "dispute_id", "petition_id", "incident_id", "route_id", "shift_id"} | {
    "sweep_id",
    "briefing_id",
}
NODE = re.compile(r"anping(\.[a-z0-9]+)*")


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


def ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()


@pytest.fixture
def api(system: System, clock: Clock) -> Iterator[TestClient]:
    with TestClient(create_api(system)) as client:
        yield client


@pytest.fixture
def cases(api: TestClient, system: System, clock: Clock) -> dict[str, str]:
    """One case of every kind, in Qiaotou village of Dongxi township."""
    clock.now = MONDAY + timedelta(days=1)
    sweep = next(s for s in system.casebook.sweeps.open_round(clock.now) if s.node == GRID)
    clock.now = TUESDAY + timedelta(hours=1)
    dispute = report_fence(system)
    clock.now = NEXT_MONDAY
    writer(system).write_round(BriefingKind.DISPUTE_WEEKLY, NEXT_MONDAY)
    briefing = system.casebook.briefings.find(BriefingKind.DISPUTE_WEEKLY, VILLAGE, MONDAY)
    assert briefing is not None
    petition = ok(
        api.post(
            "/petitions",
            json={
                "node": VILLAGE,
                "channel": "via_agent",
                "type": "complaint",
                "petitioner": ZHANG,
                "content": "The road money was never paid to our group.",
                "matter": "Road compensation",
            },
            headers=auth("petition_agent"),
        )
    )
    incident = ok(
        api.post(
            "/incidents",
            json={
                "kind": "fire",
                "grid": GRID,
                "description": "Barn on fire",
                "location": "Li's barn",
                "occurred_at": (clock.now - timedelta(hours=1)).isoformat(),
            },
            headers=auth("grid_member"),
        )
    )
    route = ok(
        api.post(
            "/patrols/routes",
            json={"node": VILLAGE, "name": "River loop", "checkpoints": [{"code": "C1", "name": "Bridge"}]},
            headers=auth("patrol_leader"),
        )
    )
    shift = ok(
        api.post(
            "/patrols/shifts",
            json={
                "route_id": route["id"],
                "leader": person("patrol_leader"),
                "members": [person("patrol_member")],
                "planned_start": (clock.now + timedelta(days=1)).isoformat(),
                "planned_end": (clock.now + timedelta(days=1, hours=3)).isoformat(),
            },
            headers=auth("patrol_leader"),
        )
    )
    made = {
        "dispute": str(dispute.id),
        "petition": petition["id"],
        "incident": incident["id"],
        "route": route["id"],
        "shift": shift["id"],
        "sweep": str(sweep.id),
        "briefing": str(briefing.id),
    }
    # Real cases, which their own people read: a walk against them is not a walk against nothing.
    for role, path in (
        ("grid_member", f"/disputes/{made['dispute']}"),
        ("township", f"/petitions/{made['petition']}"),
        ("county_staff", f"/incidents/{made['incident']}"),
        ("patrol_member", f"/patrols/shifts/{made['shift']}"),
        ("patrol_leader", f"/patrols/routes/{made['route']}"),
        ("grid_member", f"/sweeps/{made['sweep']}"),
        ("branch_secretary", f"/briefings/{made['briefing']}"),
        ("grid_member", f"/app/disputes/{made['dispute']}"),
    ):
        assert api.get(path, headers=auth(role)).status_code == 200, (role, path)
    return made


# -- making a request every route accepts up to the case --------------------------------------------


def kind_of(path: str) -> str | None:
    return next((kind for start, kind in KINDS if path.startswith((start, "/app" + start))), None)


def example(schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """A value the schema accepts, as small as it allows."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return example(document["components"]["schemas"][name], document)
    for combined in ("allOf", "anyOf", "oneOf"):
        if combined in schema:
            options = [s for s in schema[combined] if s.get("type") != "null"] or schema[combined]
            return example(options[0], document)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {name: example(properties[name], document) for name in schema.get("required", [])}
    if kind == "array":
        return [example(schema.get("items", {}), document) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(1, schema.get("minimum", 1), schema.get("exclusiveMinimum", 0) + 1)
    if kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if schema.get("format") == "date-time":
        return "2026-03-01T10:00:00+08:00"
    if schema.get("format") == "date":
        return "2026-03-01"
    if schema.get("format") == "uuid":
        return str(uuid4())
    return "x" * max(1, schema.get("minLength", 1))


def request_of(operation: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """The body (JSON or a multipart form) and the required query of an operation."""
    found: dict[str, Any] = {}
    query = {
        p["name"]: example(p.get("schema", {}), document)
        for p in operation.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    if query:
        found["params"] = query
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        found["json"] = example(content["application/json"]["schema"], document)
    elif "multipart/form-data" in content:
        form = example(content["multipart/form-data"]["schema"], document)
        form.pop("file", None)
        found["data"] = {k: str(v) for k, v in form.items()}
        found["files"] = {"file": ("note.txt", b"a note", "text/plain")}
    return found


def case_operations(app: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """Every operation of the OpenAPI document on a path that names a case by its id."""
    document = app.openapi()
    found = []
    for path, operations in document["paths"].items():
        names = set(re.findall(r"{(\w+)}", path))
        if not names & CASE_PARAMETERS or kind_of(path) is None:
            continue
        for method, operation in operations.items():
            found.append((method.upper(), path, request_of(operation, document)))
    return found


def filled(path: str, case_id: str) -> str:
    """The path for the case; any other id in it (an attachment's) the same for both asks."""
    path = re.sub("{(" + "|".join(CASE_PARAMETERS) + ")}", case_id, path)
    return re.sub(r"{\w+}", "0f" * 16, path)


def same_answer(
    api: TestClient, role: str, method: str, path: str, real: str, request: dict[str, Any]
) -> str | None:
    """What differs between the answers for the real case's id and for an id nobody used, if anything."""
    missing = str(uuid4())
    answers = []
    for case_id in (real, missing):
        answer = api.request(method, filled(path, case_id), headers=auth(role), **request)
        answers.append(answer)
    real_answer, missing_answer = answers
    shown = real_answer.text.replace(real, missing)
    if real_answer.status_code != 404:
        return f"{role} {method} {path}: {real_answer.status_code} {real_answer.text[:300]}"
    if (real_answer.status_code, shown) != (missing_answer.status_code, missing_answer.text):
        return f"{role} {method} {path}: {real_answer.text[:300]} ≠ {missing_answer.text[:300]}"
    if real_answer.headers.get("content-type") != missing_answer.headers.get("content-type"):
        return f"{role} {method} {path}: the content types differ"
    if NODE.search(real_answer.text):
        return f"{role} {method} {path}: names a node: {real_answer.text[:300]}"
    return None


# -- the API --------------------------------------------------------------------------------------


def test_every_case_route_of_the_api_answers_a_foreigner_as_for_an_id_nobody_used(
    api: TestClient, cases: dict[str, str]
):
    operations = case_operations(api.app)
    kinds = {kind_of(path) for _, path, _ in operations}
    assert kinds == set(cases), kinds  # every kind of case has routes, and every one is walked
    assert len(operations) >= 80
    differences = []
    for role in FOREIGNERS:
        for method, path, request in operations:
            difference = same_answer(api, role, method, path, cases[kind_of(path) or ""], request)
            if difference:
                differences.append(difference)
    assert not differences, "\n".join(differences)


def test_the_not_found_answer_carries_the_id_sent_and_nothing_of_the_case(
    api: TestClient, cases: dict[str, str]
):
    answer = api.post(f"/disputes/{cases['dispute']}/acceptance", json={}, headers=auth("foreign_township"))
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json() == {
        "type": "/problems/not-found",
        "title": "Unknown dispute",
        "status": 404,
        "detail": f"no dispute with id {cases['dispute']}",
    }


def test_a_case_named_in_a_command_is_no_such_case_to_a_foreigner(
    api: TestClient, system: System, cases: dict[str, str]
):
    """A foreign dispute named as the original of a duplicate, and a foreign route named for a shift,
    are refused as an id nobody used is (with the id sent), not as a case elsewhere."""
    own = ok(
        api.post(
            "/disputes",
            json={
                "grid": "anping.xishan.hetou.g1",
                "parties": [{"name": "A"}, {"name": "B"}],
                "category": "neighbourhood",
                "severity": "minor",
                "description": "a wall",
                "occurred_at": (system.casebook.clock() - timedelta(hours=1)).isoformat(),
            },
            headers=auth("foreign_township"),
        )
    )
    answers = []
    for original in (cases["dispute"], str(uuid4())):
        answer = api.post(
            f"/disputes/{own['id']}/duplicate-of",
            json={"original_id": original},
            headers=auth("foreign_township"),
        )
        answers.append((answer.status_code, answer.text.replace(original, "ID")))
    assert answers[0] == answers[1] and answers[0][0] == 404, answers
    shifts = []
    for route_id in (cases["route"], str(uuid4())):
        answer = api.post(
            "/patrols/shifts",
            json={
                "route_id": route_id,
                "leader": person("foreign_patrol_leader"),
                "members": [],
                "planned_start": "2026-03-10T08:00:00+08:00",
                "planned_end": "2026-03-10T11:00:00+08:00",
            },
            headers=auth("foreign_patrol_leader"),
        )
        shifts.append((answer.status_code, answer.text.replace(route_id, "ID")))
    assert shifts[0] == shifts[1] and shifts[0][0] == 422, shifts


# -- a 403 on a case one may read ---------------------------------------------------------------


def test_a_refusal_on_a_case_one_may_read_names_no_node_one_may_not_read(
    api: TestClient, cases: dict[str, str]
):
    """The village's staff may read a petition of their village; routed to the township, it is
    decided there, which they may not read: the refusal names the right, not the township."""
    petition = cases["petition"]
    ok(
        api.post(
            f"/petitions/{petition}/routing",
            json={"to_node": "anping.dongxi"},
            headers=auth("petition_agent"),
        ),
        200,
    )
    refused = api.post(
        f"/petitions/{petition}/acceptance", json={"decision": "accepted"}, headers=auth("village_staff")
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["node"] is None and refused.json()["right"] == "decide_petition"
    assert "anping.dongxi" not in refused.json()["detail"].replace("anping.dongxi.qiaotou", "")
    own = api.post(f"/disputes/{cases['dispute']}/acceptance", json={}, headers=auth("grid_member"))
    assert own.status_code == 403 and own.json()["right"] == "accept_dispute"


# -- the accused ----------------------------------------------------------------------------------


ACCUSATION = {
    "channel": "letter",
    "type": "accusation",
    "petitioner": ZHANG,
    "content": "The village cadre kept the road money.",
    "matter": "Road money kept",
    "accused_person_id": person("accused_village_staff"),
}
SECRETS = ("recus", "accus", "concern", "road money", "Zhang")


def test_the_accused_learns_nothing_of_the_accusation_from_a_refusal(api: TestClient):
    accusation = ok(
        api.post("/petitions", json={**ACCUSATION, "node": VILLAGE}, headers=auth("petition_agent"))
    )
    path = f"/petitions/{accusation['id']}"
    for command, body in (("routing", {"to_node": VILLAGE}), ("representatives", {"name": "Rep"})):
        refused = api.post(f"{path}/{command}", json=body, headers=auth("accused_village_staff"))
        assert refused.status_code == 403, refused.text
        assert not any(secret.lower() in refused.text.lower() for secret in SECRETS), refused.text
        assert refused.json()["node"] in (None, VILLAGE, GRID)
    page = api.post(f"/app{path}/route", data={"to_node": VILLAGE}, headers=auth("accused_village_staff"))
    assert page.status_code == 403 and not any(s.lower() in page.text.lower() for s in SECRETS[:3])


def test_an_accusation_elsewhere_is_no_such_case_to_the_accused(api: TestClient):
    """Registered in another village, the accusation is not the accused's to read: every route
    answers them as for an id nobody used."""
    accusation = ok(
        api.post(
            "/petitions",
            json={**ACCUSATION, "node": "anping.dongxi.shangba"},
            headers=auth("foreign_petition_agent"),
        )
    )
    operations = [op for op in case_operations(api.app) if kind_of(op[1]) == "petition"]
    differences = [
        d
        for method, path, request in operations
        if (d := same_answer(api, "accused_village_staff", method, path, accusation["id"], request))
    ]
    assert not differences, "\n".join(differences)


# -- the workbench ---------------------------------------------------------------------------------


def page_operations(app: Any) -> list[tuple[str, str]]:
    """Every workbench page and form of a case: each method and path, `{action}` by each action."""
    found = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)
                continue
            if not isinstance(route, APIRoute) or not route.path.startswith("/app/"):
                continue
            path = route.path.replace("/cases/{kind}/", "/cases/dispute/")  # the auditor's reading
            names = set(re.findall(r"{(\w+)}", path))
            if not names & CASE_PARAMETERS or kind_of(path) is None:
                continue
            module = sys.modules[route.endpoint.__module__]
            actions = list(getattr(module, "ACTIONS", {})) or ["comment", "sign-off"]
            for method in sorted(route.methods - {"HEAD"}):
                if "{action}" in path:
                    found.extend((method, path.replace("{action}", a)) for a in actions)
                else:
                    found.append((method, path))

    walk(app.router.routes)
    return found


def test_every_case_page_of_the_workbench_answers_a_foreigner_as_for_an_id_nobody_used(
    api: TestClient, cases: dict[str, str]
):
    operations = page_operations(api.app)
    assert {kind_of(path) for _, path in operations} >= set(cases) - {"route"}  # no route page yet
    assert len(operations) >= 40
    differences = []
    for role in FOREIGNERS:
        for method, path in operations:
            request: dict[str, Any] = {}
            if method == "POST":
                request = {"data": {"reason": "x"}}
                if path.endswith("/attachments"):
                    request["files"] = {"file": ("note.txt", b"a note", "text/plain")}
            difference = same_answer(api, role, method, path, cases[kind_of(path) or ""], request)
            if difference:
                differences.append(difference)
    assert not differences, "\n".join(differences)

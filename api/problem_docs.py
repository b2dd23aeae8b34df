"""The OpenAPI document says what the server really answers when it refuses: problem details
(RFC 9457, `application/problem+json`, api/errors.py) with the statuses each operation can give —

- 401 and 429 where a person is asked for (a bearer token or the session cookie; failures are
  throttled), 403 where one is (a right, a recusal, the session's CSRF token on a change);
- 404 where the path or a query names something (a case, a node, a person, a token) — for a case
  the person may not read too, the same answer as for an id nobody used — and where a route
  declares it itself;
- 409 (the state refuses, the case is busy) on a change; 412 where the change takes `If-Match`;
- 413 on a request with a body (more than the limit of api/limits.py);
- 422 everywhere: a parameter, header or body that does not validate, or a value the domain refuses.

They are worked out from each route's dependencies, so a new route is documented as it is added;
tests/test_openapi_conformance.py (schemathesis) checks that no other status and no other body
comes back."""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

from api.deps import current_person, expected_version
from api.errors import PROBLEM

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "type": "object",
    "description": "Problem details (RFC 9457); some kinds add fields (errors, state, allowed, right, node).",
    "properties": {
        "type": {"type": "string", "description": "/problems/<kind>"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "in": {"type": "string"},
                    "message": {"type": "string"},
                },
                "required": ["field", "message"],
            },
        },
        "state": {"type": "string"},
        "allowed": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["type", "title", "status", "detail"],
}
WHY = {
    401: "Not signed in: no token or session, or one unknown, expired, revoked, or of a person with no post",
    403: "Not allowed for this person (or a session's change without its CSRF token)",
    404: "Not found",
    409: "Not allowed in the current state, or the case is busy",
    412: "The case has changed since the version given in If-Match",
    413: "The request body is too large",
    422: "Invalid request: a parameter, header or body field, or a value the rules refuse",
    429: "Too many failed attempts: wait Retry-After seconds",
}
CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
OPEN_BUT_THROTTLED = {("/session", "POST"), ("/enrolment", "POST")}  # sign-in and enrolment count failures


def _calls(dependant: Dependant, call: Any) -> bool:
    return dependant.call is call or any(_calls(d, call) for d in dependant.dependencies)


def statuses(path: str, dependant: Dependant, method: str) -> set[int]:
    found = {422}
    if _calls(dependant, current_person) or (path, method) in OPEN_BUT_THROTTLED:
        found |= {401, 403, 429}
    if dependant.path_params or dependant.query_params:
        found.add(404)  # what the path names, or a node a query names (/deadlines?node=…), is unknown
    if method in CHANGES:
        found |= {409, 413}
        if _calls(dependant, expected_version):
            found.add(412)
    return found


def _reference(status: int) -> dict[str, Any]:
    return {
        "description": WHY[status],
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }


def document_problems(app: FastAPI) -> None:
    """Makes `app.openapi()` declare the problem responses of every operation."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title,
            version=app.version,
            summary=app.summary,
            description=app.description,
            routes=app.routes,
        )
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        for route in routing.iter_route_contexts(app.routes):  # the routes of included routers too
            if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
                continue
            for method in route.methods:
                operation = schema["paths"].get(route.path_format, {}).get(method.lower())
                if operation is None:
                    continue
                responses = operation.setdefault("responses", {})
                declared = {int(code) for code in responses if code.isdigit() and int(code) in WHY}
                for status in sorted(statuses(route.path_format, route.dependant, method) | declared):
                    responses[str(status)] = _reference(status)
        schemas = schema["components"]["schemas"]
        for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422, never sent here
            schemas.pop(unused, None)
        declare_links(schema)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


ID_PARAMETER = re.compile(r"^\{(?P<name>[a-z_]+_id)\}")


def _created_schema(schema: dict[str, Any], operation: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The success response of an operation that creates something with an `id`, and its code."""
    for code in ("201", "200"):
        content = operation.get("responses", {}).get(code, {}).get("content", {})
        body = content.get("application/json", {}).get("schema", {})
        ref = body.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            body = schema["components"]["schemas"].get(ref.rsplit("/", 1)[1], {})
        if "id" in body.get("properties", {}):
            return code, operation["responses"][code]
    return None


def declare_links(schema: dict[str, Any]) -> None:
    """OpenAPI links from each operation that creates a case (a dispute, a petition, an incident,
    a route, a shift…) to every operation on that case: its `{..._id}` is the `id` the creation
    answered with. Clients and schemathesis's stateful tests follow them."""
    paths = schema["paths"]
    for path, methods in paths.items():
        created = _created_schema(schema, methods.get("post", {})) if "post" in methods else None
        if created is None:
            continue
        _, response = created
        links: dict[str, Any] = {}
        for other, other_methods in paths.items():
            rest = other.removeprefix(path + "/")
            found = ID_PARAMETER.match(rest) if other.startswith(path + "/") else None
            if found is None or "{" in rest[found.end() :]:
                continue
            for method, operation in other_methods.items():
                if method not in ("get", "post", "put", "patch", "delete") or "operationId" not in operation:
                    continue
                carried = {name: f"$request.path.{name}" for name in re.findall(r"\{([a-z_]+)\}", path)}
                links[operation["operationId"][:60]] = {
                    "operationId": operation["operationId"],
                    "parameters": {**carried, found.group("name"): "$response.body#/id"},
                }
        if links:
            response["links"] = links

"""Domain errors become problem details (RFC 9457) here, and only here."""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.times import LocalTimeJSONResponse, local_text
from domain.errors import (
    AccessDenied,
    CaseNotFound,
    CommandIdReused,
    ConcurrentChanges,
    DomainError,
    GrantRefused,
    InvalidValue,
    StaleVersion,
    TransitionNotAllowed,
)
from domain.identity.errors import NotAuthenticated, TooManyAttempts

log = structlog.get_logger()
PROBLEM = "application/problem+json"
REFUSAL_FIELDS = ("field", "state", "right", "kind", "rule")


def problem(status: int, kind: str, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {
        "type": f"/problems/{kind}",
        "title": title,
        "status": status,
        "detail": local_text(detail),
        **extra,
    }
    return LocalTimeJSONResponse(local_text(body), status_code=status, media_type=PROBLEM)


def log_refusal(error: DomainError) -> None:
    """One line per refusal. The message may quote what was sent (a party's name, a phone
    number): the log names only the kind of refusal and the field, state or right it concerns."""
    known = {k: str(v) for k in REFUSAL_FIELDS if (v := getattr(error, k, None)) is not None}
    log.info("command.refused", error=type(error).__name__, **known)


def domain_problem(error: DomainError) -> JSONResponse:
    match error:
        case InvalidValue():
            return problem(
                422,
                "invalid-value",
                "Invalid value",
                error.message,
                errors=[{"field": error.field, "message": error.reason}],
            )
        case TransitionNotAllowed():
            return problem(
                409,
                "transition-not-allowed",
                "Not allowed in the current state",
                error.message,
                state=error.state,
                allowed=error.allowed,
            )
        case CaseNotFound():
            return problem(404, "not-found", f"Unknown {error.kind}", error.message)
        case AccessDenied():
            return problem(
                403,
                "access-denied",
                "Not allowed for this person",
                error.message,
                right=str(error.right),
                node=error.node,
                **({"rule": error.rule} if isinstance(error, GrantRefused) else {}),
            )
        case StaleVersion():
            return problem(
                412,
                "stale-version",
                "The case has changed",
                error.message,
                expected_version=error.expected,
                current_version=error.actual,
            )
        case ConcurrentChanges():
            return problem(409, "concurrent-changes", "The case is busy", error.message)
        case NotAuthenticated():
            response = problem(401, "not-authenticated", "Not signed in", error.message)
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        case TooManyAttempts():
            response = problem(
                429, "too-many-attempts", "Too many failed attempts", error.message, scope=error.scope
            )
            response.headers["Retry-After"] = str(error.retry_after)
            return response
        case CommandIdReused():
            return problem(
                422,
                "command-id-reused",
                "Idempotency key already used",
                error.message,
                errors=[{"field": "Idempotency-Key", "message": error.message}],
            )
    return problem(400, "refused", "Refused", error.message)


UNREADABLE_BODY = "There was an error parsing the body"  # fastapi/routing.py, for a body it cannot decode


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def on_domain_error(_: Request, error: DomainError) -> JSONResponse:
        log_refusal(error)
        return domain_problem(error)

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]),
                "in": str(e["loc"][0]),
                "message": e["msg"],
            }
            for e in error.errors()
        ]
        fields = ", ".join(e["field"] for e in errors)
        return problem(422, "invalid-request", "Invalid request", f"check {fields}", errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400 and error.detail == UNREADABLE_BODY:
            # FastAPI's answer to a body it cannot decode (not UTF-8): invalid input like any other, so
            # the 422 every operation declares, naming the body, as for JSON that does not parse.
            message = "the body cannot be read: send JSON in UTF-8"
            errors = [{"field": "body", "in": "body", "message": message}]
            return problem(422, "invalid-request", "Invalid request", message, errors=errors)
        response = problem(error.status_code, "http", str(error.detail), str(error.detail))
        response.headers.update(error.headers or {})
        return response

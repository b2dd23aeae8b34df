"""Dependencies of the routes: the system, the authenticated person, command metadata."""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Path, Request, Response
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel

from domain.errors import InvalidValue
from infra.bootstrap import System
from service.identity.sessions import Session
from service.store import CommandMeta, body_digest

SESSION_COOKIE = "fq_session"
CSRF_HEADER = "X-CSRF-Token"
CHALLENGE = {"WWW-Authenticate": "Bearer"}

_bearer = HTTPBearer(
    auto_error=False,
    description="An API token (POST /people/{person}/tokens), or in development one of the directory file's.",
)
_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="The session cookie that POST /session sets; a request that changes anything also "
    f"sends the session's CSRF token in the {CSRF_HEADER} header.",
)
_ETAG = re.compile(r'^(?:W/)?"?(\d+)"?$')
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_system(request: Request) -> System:
    return request.app.state.system


SystemDep = Annotated[System, Depends(get_system)]


def client_address(request: Request) -> str:
    """The peer's address (behind a proxy, what uvicorn's --forwarded-allow-ips lets it believe)."""
    return request.client.host if request.client else "unknown"


def current_person(
    request: Request,
    system: SystemDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    session_id: Annotated[str | None, Depends(_cookie)],
) -> str:
    """A bearer token, else the session cookie (with its CSRF token on a change) names the person."""
    if credentials is not None:
        return system.identity.by_token(credentials.credentials, client_address(request))
    if session_id:
        session = system.identity.by_session(session_id)
        check_csrf(request, session)
        request.state.session = session
        request.state.session_id = session_id
        return session.person_id
    raise HTTPException(
        401, "Sign in (POST /session) or send 'Authorization: Bearer <token>'", headers=CHALLENGE
    )


CurrentPerson = Annotated[str, Depends(current_person)]

# Every route that names a node of the directory calls its path parameter {node}, whatever the
# node's role there (a village, an assessed unit, a township).
NodeCode = Annotated[str, Path(alias="node", max_length=100, description="The node's code in the directory")]
# Years the statistics, scores and assessments answer for: far enough back for any record kept,
# and inside what the dates, the stores and the calendars can count with.
FIRST_YEAR, LAST_YEAR = 1949, 2999
Year = Annotated[int, Path(ge=FIRST_YEAR, le=LAST_YEAR, description=f"A year, {FIRST_YEAR}–{LAST_YEAR}.")]
PersonId = Annotated[str, Path(min_length=1, max_length=100, description="The person's id in the directory.")]


def within_years(field: str, moment: datetime | None) -> datetime | None:
    """A moment given as a parameter lies inside the years the system counts with."""
    if moment is not None and not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise InvalidValue(
            field,
            "give a moment between {first_year} and {last_year}",
            first_year=FIRST_YEAR,
            last_year=LAST_YEAR,
        )
    return moment


def set_session_cookie(response: Response, system: System, session_id: str, session: Session) -> None:
    """The session cookie a sign-in sets, for the API and the workbench alike: Secure (unless a
    plain-http development run switched it off), HttpOnly, SameSite=Lax, living as long as the
    session may."""
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int((session.expires_at - session.created_at).total_seconds()),
        path="/",
        secure=system.settings.session_cookie_secure,
        httponly=True,
        samesite="lax",
    )


def check_csrf(request: Request, session: Session) -> None:
    """A change made with a session cookie must carry the session's CSRF token: another site
    can make a browser send the cookie, but cannot read the token to send with it."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER, "")
    if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
        raise HTTPException(403, f"Send the session's CSRF token in the {CSRF_HEADER} header")


def expected_version(if_match: Annotated[str | None, Header()] = None) -> int | None:
    if if_match is None:
        return None
    match = _ETAG.match(if_match.strip())
    if match is None:
        raise InvalidValue("If-Match", 'give the version you read, as in If-Match: "3"')
    return int(match[1])


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Retrying with the same key has the command's effect once.",
    ),
]
ExpectedVersion = Annotated[int | None, Depends(expected_version)]


def command_meta(version: ExpectedVersion, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    return {"command_id": idempotency_key, "expected_version": version}


Meta = Annotated[dict[str, Any], Depends(command_meta)]


def meta_for(body: Any, meta: dict[str, Any]) -> CommandMeta:
    """A person's command, as the API received it: its business time is limited by the backdating
    policy (domain/time/backdating.py), and a reason for a late one is kept with it."""
    effective_at: datetime | None = getattr(body, "effective_at", None)
    late_reason: str | None = getattr(body, "late_reason", None)
    digest = body_digest(body.model_dump(mode="json")) if isinstance(body, BaseModel) else None
    return CommandMeta(
        effective_at=effective_at, digest=digest, late_reason=late_reason, from_person=True, **meta
    )

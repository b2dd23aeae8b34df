"""Dependencies of the routes: the system, the authenticated person, command metadata."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from domain.errors import InvalidValue
from infra.bootstrap import System
from service.store import CommandMeta

_bearer = HTTPBearer(auto_error=False, description="A personal token from the directory file.")
_ETAG = re.compile(r'^(?:W/)?"?(\d+)"?$')


def get_system(request: Request) -> System:
    return request.app.state.system


SystemDep = Annotated[System, Depends(get_system)]


def current_person(
    system: SystemDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    challenge = {"WWW-Authenticate": "Bearer"}
    if credentials is None:
        raise HTTPException(401, "Send 'Authorization: Bearer <token>'", headers=challenge)
    person = system.credentials.authenticate(credentials.credentials)
    if person is None:
        raise HTTPException(401, "Unknown or revoked token", headers=challenge)
    return person


CurrentPerson = Annotated[str, Depends(current_person)]

# Every route that names a node of the directory calls its path parameter {node}, whatever the
# node's role there (a village, an assessed unit, a township).
NodeCode = Annotated[str, Path(alias="node", description="The node's code in the directory")]


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
    effective_at: datetime | None = getattr(body, "effective_at", None)
    return CommandMeta(effective_at=effective_at, **meta)

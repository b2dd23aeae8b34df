"""Offline entry (docs/offline.md): the service worker that keeps the report forms on the phone, and
the moment a form was entered on the phone, which the outbox sends with it (`entered_at`) when the
connection returns. The moment becomes the command's business time, marked as entered offline."""

from __future__ import annotations

from datetime import datetime
from importlib.resources import files
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from domain.errors import InvalidValue

router = APIRouter(prefix="/app", include_in_schema=False)
WORKER = files("web").joinpath("static/offline-worker.js")
OFFLINE_REASON = "entered on the phone without a connection and sent when it returned"


@router.get("/offline-worker.js")
def offline_worker() -> Response:
    """Served under /app/ so that its scope is the workbench (a worker controls only its own path)."""
    return Response(
        WORKER.read_bytes(),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/app/"},
    )


def entered_at(data: Any) -> datetime | None:
    """The moment a form kept in the outbox was entered on the phone, if it was (an ISO time with
    its offset, as the outbox writes it); refused when it is not one."""
    text = str(data.get("entered_at") or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidValue("entered_at", "give the moment the form was entered, with its offset") from None
    if moment.tzinfo is None:
        raise InvalidValue("entered_at", "give the moment the form was entered, with its offset")
    return moment


def entered(data: object) -> dict[str, Any]:
    """The business time of a form kept in the outbox and, since it is then recorded after the
    fact, the reason for it (domain/time/backdating.py: past the grace a person's command needs
    one, and it may lie only its kind's window back), as `CommandMeta` fields."""
    at = entered_at(data)
    return {"effective_at": at, "late_reason": OFFLINE_REASON if at is not None else None}

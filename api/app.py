"""The FastAPI application: routes, error translation, request ids in every log line."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.docs import install_docs
from api.errors import install_error_handlers
from api.limits import UPLOAD_OVERHEAD, BodyLimit
from api.problem_docs import document_problems
from api.routes import (
    assessments,
    calendars,
    cases,
    clocks,
    deadlines,
    directory,
    dispute_list,
    disputes,
    evidence,
    identity,
    incidents,
    notices,
    patrols,
    petitions,
    seal,
    signals,
    statistics,
    uploads,
    villages,
)
from api.routes import briefings as briefing_routes
from api.routes import sweeps as sweep_routes
from api.times import LocalTimeJSONResponse
from infra import oidc, tracing
from infra.bootstrap import System
from infra.metrics import CONTENT_TYPE, exposition
from infra.sql import Database
from projections import followers
from service import telemetry
from service.evidence.uploads import CHUNK
from web import (
    assessor_pages,
    auditor_pages,
    board_pages,
    briefing_pages,
    dispute_documents,
    evidence_pages,
    inbox_pages,
    incident_pages,
    offline,
    oidc_pages,
    pages,
    patrol_pages,
    petition_pages,
    signals_pages,
    sweep_pages,
)
from web.errors import install_page_handlers

log = structlog.get_logger()


REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def request_id_of(request: Request) -> str:
    """The client's X-Request-ID if it is a plain token of at most 128 characters, else a fresh
    one: whatever a client sends is logged and echoed, so it may not carry text or bulk."""
    sent = request.headers.get("X-Request-ID", "")
    return sent if REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def create_api(system: System) -> FastAPI:
    app = FastAPI(
        title="Fengqiao",
        summary="Grassroots disputes and petitions, as append-only case histories.",
        version="0.1.0",
        default_response_class=LocalTimeJSONResponse,  # every instant shown in local time
        docs_url=None,
        redoc_url=None,
    )
    app.state.system = system
    config = oidc.config_of(system.settings)
    app.state.oidc = oidc.OidcSignIn(config, system.views) if config else None
    _prepare_views(system.views, system)
    install_error_handlers(app)
    install_docs(app)
    app.include_router(identity.router)
    app.include_router(assessments.router)
    app.include_router(calendars.router)
    app.include_router(clocks.router)
    app.include_router(deadlines.router)
    app.include_router(directory.router)
    app.include_router(dispute_list.router)
    app.include_router(cases.router)
    app.include_router(disputes.router)
    app.include_router(incidents.router)
    app.include_router(patrols.router)
    app.include_router(villages.router)
    app.include_router(petitions.router)
    app.include_router(statistics.router)
    app.include_router(signals.router)
    app.include_router(notices.router)
    app.include_router(seal.router)
    app.include_router(seal.evidence_router)
    app.include_router(evidence.router)
    app.include_router(uploads.router)
    app.include_router(evidence_pages.router)
    app.include_router(oidc_pages.router)
    app.include_router(signals_pages.router)
    app.include_router(auditor_pages.router)
    app.include_router(petition_pages.router)
    app.include_router(dispute_documents.router)
    app.include_router(incident_pages.router)
    app.include_router(patrol_pages.router)
    app.include_router(sweep_routes.router)
    app.include_router(briefing_routes.router)
    app.include_router(sweep_pages.router)
    app.include_router(briefing_pages.router)
    app.include_router(board_pages.router)
    app.include_router(inbox_pages.router)
    app.include_router(assessor_pages.router)
    app.include_router(offline.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(packages=[("web", "static")]), name="static")
    install_page_handlers(app)
    document_problems(app)

    @app.get("/", include_in_schema=False)
    def workbench() -> RedirectResponse:
        return RedirectResponse("/app", status_code=303)

    # Outermost: a body too large is refused before it is read, parsed or authenticated.
    upload = system.evidence.limits.largest + UPLOAD_OVERHEAD
    chunk = CHUNK + 1  # a PATCH of /uploads/{id} carries one chunk: a little more than that is refused
    app.add_middleware(
        BodyLimit,
        larger=[
            (evidence.UPLOAD_PATH, upload),
            (evidence_pages.UPLOAD_PATH, upload),
            (uploads.CHUNK_PATH, chunk),
        ],
    )

    @app.middleware("http")
    async def request_context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request_id_of(request)
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        line = {"method": request.method, "path": request.url.path}
        try:
            response = await call_next(request)
        except Exception:
            # A 500 is answered by the server's outermost layer; it still gets its access line.
            # The route is known only once routing has run (inside call_next).
            telemetry.HTTP_REQUESTS.labels(request.method, route_template(request), "500").inc()
            log.exception("http.request", **line, status=500, ms=_ms(started))
            raise
        elapsed = time.perf_counter() - started
        response.headers["X-Request-ID"] = request_id
        route = route_template(request)
        telemetry.HTTP_REQUESTS.labels(request.method, route, str(response.status_code)).inc()
        telemetry.HTTP_SECONDS.labels(request.method, route).observe(elapsed)
        log.info("http.request", **line, status=response.status_code, ms=round(elapsed * 1000, 1))
        return response

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    def metrics() -> PlainTextResponse:
        """Prometheus metrics: this replica's requests and commands, and the store's gauges
        (followers' lag, open and overdue clocks). docs/operations.md lists every series."""
        return PlainTextResponse(exposition(system), media_type=CONTENT_TYPE)

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, Any]:
        """Liveness: the API process is up (always 200). It also says how each follower of the
        event log is doing — `degraded` when one is dead, retrying or lagging (see /ready)."""
        try:
            found = _followers(system)
        except Exception as failure:  # noqa: BLE001 - liveness answers whatever the store does
            return {"status": "degraded", "followers": f"unknown: {type(failure).__name__}: {failure}"}
        return {
            "status": "ok" if all(f.ok for f in found) else "degraded",
            "followers": [asdict(f) for f in found],
        }

    @app.get("/ready", tags=["operations"], responses={503: {"description": "not ready, and why"}})
    def ready() -> JSONResponse:
        """Readiness: the event store answers, and every follower of the log (each read model and
        the dispatcher) is running and at most `FENGQIAO_READY_MAX_LAG` notifications behind."""
        try:
            found = _followers(system)
        except Exception as failure:  # noqa: BLE001 - not ready is the answer to any failure
            reason = f"the store does not answer: {type(failure).__name__}: {failure}"
            return JSONResponse({"ready": False, "reasons": [reason[:500]]}, status_code=503)
        reasons = [f"{f.name}: {f.state} — {f.detail}" for f in found if not f.ok]
        return JSONResponse(
            {"ready": not reasons, "reasons": reasons, "followers": [asdict(f) for f in found]},
            status_code=503 if reasons else 200,
        )

    tracing.instrument(app)
    return app


def route_template(request: Request) -> str:
    """The matched route's template (`/disputes/{dispute_id}/agreement`), never the raw path, so
    that a metric's labels stay few; `unmatched` for a path no route serves."""
    route = request.scope.get("route")
    return getattr(route, "path", None) or "unmatched"


def _followers(system: System) -> list[followers.FollowerStatus]:
    head = system.reader.head()
    with system.views.reading() as cur:
        return followers.statuses(
            cur,
            system.followers,
            head,
            max_lag=system.settings.ready_max_lag,
            silence=followers.SILENCE_SECONDS,
        )


def _prepare_views(views: Database, system: System) -> None:
    """The API reads tables the projector writes; make sure they exist even before it runs."""
    followers.prepare(
        views,
        system.projections,
        also=[system.identity.create_tables, oidc.OidcSignIn.create_tables, system.uploads.create_tables],
    )

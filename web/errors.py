"""Refusals on pages: the same domain errors as the API's, shown as a page in the person's
language instead of problem details. Paths outside /app keep the API's answers."""

from __future__ import annotations

import structlog
from fastapi import FastAPI, Request
from fastapi.responses import Response

from api.errors import domain_problem
from domain.errors import AccessDenied, CaseNotFound, DomainError
from web.labels import N_
from web.pages import SignInRequired
from web.templating import render

log = structlog.get_logger()
PAGES = "/app"


def _is_page(request: Request) -> bool:
    return request.url.path == PAGES or request.url.path.startswith(PAGES + "/")


def install_page_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def on_sign_in_required(request: Request, _: SignInRequired) -> Response:
        return render(request, "sign_in_needed.html", status=401)

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, error: DomainError) -> Response:
        log.info("command.refused", error=type(error).__name__, detail=error.message)
        if not _is_page(request):
            return domain_problem(error)
        match error:
            case CaseNotFound():
                status, message = 404, N_("There is no such case, or it is not yours to see.")
            case AccessDenied():
                status, message = 403, N_("You do not hold a post that may do this here.")
            case _:
                status, message = 400, N_("This was refused.")
        return render(request, "error.html", status=status, message=message)

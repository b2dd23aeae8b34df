"""Refusals on pages: the same domain errors as the API's, shown as a page in the person's
language instead of problem details. Paths outside /app keep the API's answers."""

from __future__ import annotations

from urllib.parse import quote

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import domain_problem, log_refusal
from domain.errors import AccessDenied, CaseNotFound, DomainError
from domain.identity.errors import TooManyAttempts
from web.labels import N_
from web.pages import CsrfRefused, SignInRequired
from web.templating import render

log = structlog.get_logger()
PAGES = "/app"


def _is_page(request: Request) -> bool:
    return request.url.path == PAGES or request.url.path.startswith(PAGES + "/")


def install_page_handlers(app: FastAPI) -> None:
    """Installed after the API's handlers, whose answers every path outside /app keeps."""
    api_invalid_request = app.exception_handlers[RequestValidationError]
    api_http_error = app.exception_handlers[StarletteHTTPException]

    @app.exception_handler(SignInRequired)
    async def on_sign_in_required(request: Request, _: SignInRequired) -> Response:
        """A browser is sent to sign in, and brought back to the page it asked for."""
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method == "GET":
            return RedirectResponse(f"/app/sign-in?next={quote(back, safe='')}", status_code=303)
        return render(
            request, "error.html", status=401, message=N_("Please sign in again; nothing was recorded.")
        )

    @app.exception_handler(CsrfRefused)
    async def on_csrf_refused(request: Request, _: CsrfRefused) -> Response:
        log.warning("web.csrf_refused", path=request.url.path)
        return render(
            request,
            "error.html",
            status=403,
            message=N_("This form came from another site; nothing was recorded."),
        )

    @app.exception_handler(TooManyAttempts)
    async def on_too_many(request: Request, error: TooManyAttempts) -> Response:
        if not _is_page(request):
            return domain_problem(error)
        page = render(
            request,
            "error.html",
            status=429,
            message=N_("Too many failed attempts; please wait and try again."),
        )
        page.headers["Retry-After"] = str(error.retry_after)
        return page

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, error: DomainError) -> Response:
        log_refusal(error)
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

    @app.exception_handler(RequestValidationError)
    async def on_invalid_request(request: Request, error: RequestValidationError) -> Response:
        if not _is_page(request):
            return await api_invalid_request(request, error)  # type: ignore[no-any-return]
        # Pages read their forms themselves: what FastAPI refuses is the path (a case id that
        # is not one), so the person is told there is no such page rather than shown JSON.
        return render(request, "error.html", status=404, message=N_("There is no such page."))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, error: StarletteHTTPException) -> Response:
        if not _is_page(request):
            return await api_http_error(request, error)  # type: ignore[no-any-return]
        missing = error.status_code in (404, 405)
        message = N_("There is no such page.") if missing else N_("This was refused.")
        response = render(
            request, "error.html", status=404 if missing else error.status_code, message=message
        )
        response.headers.update(error.headers or {})
        return response

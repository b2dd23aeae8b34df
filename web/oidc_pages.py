"""Signing in through the county's OpenID provider (infra/oidc.py), when one is configured: the
sign-in page offers a button; the provider's answer becomes an ordinary server-side session,
the same as a password sign-in — for a person of the directory who holds a post, and nobody else."""

from __future__ import annotations

import httpx
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SystemDep, client_address, set_session_cookie
from infra.oidc import PENDING_SECONDS, OidcRefused, OidcSignIn
from web.labels import N_
from web.pages import _gettext, _local_path
from web.templating import render

log = structlog.get_logger()
router = APIRouter(prefix="/app", include_in_schema=False)
PENDING_COOKIE = "fq_oidc"
CALLBACK = "/app/sign-in/oidc/callback"


def provider_of(request: Request) -> OidcSignIn | None:
    return request.app.state.oidc  # type: ignore[no-any-return]


def _callback_url(request: Request, provider: OidcSignIn) -> str:
    return provider.config.redirect_url or str(request.url.replace(path=CALLBACK, query=""))


def _refused(request: Request, message: str, status: int) -> Response:
    page = render(request, "oidc_refused.html", status=status, problem=message)
    page.delete_cookie(PENDING_COOKIE, path="/app/sign-in/oidc")
    return page


@router.get("/sign-in/oidc", response_class=HTMLResponse)
def begin(request: Request, system: SystemDep) -> Response:
    """Off to the provider, with state, nonce and a PKCE challenge; the browser keeps a handle."""
    provider = provider_of(request)
    gettext = _gettext(request)
    if provider is None:
        return _refused(request, gettext(N_("Sign-in through an identity provider is not set up here.")), 404)
    try:
        url, handle = provider.begin(
            _callback_url(request, provider), _local_path(request.query_params.get("next"))
        )
    except (httpx.HTTPError, OidcRefused, KeyError, ValueError) as failure:
        log.warning("auth.oidc_unavailable", error=f"{type(failure).__name__}: {failure}"[:300])
        return _refused(
            request, gettext(N_("The identity provider cannot be reached; try again later.")), 502
        )
    response = RedirectResponse(url, status_code=303)
    response.set_cookie(
        PENDING_COOKIE,
        handle,
        max_age=PENDING_SECONDS,
        path="/app/sign-in/oidc",
        secure=system.settings.session_cookie_secure,
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level GET: the cookie comes along
    )
    return response


@router.get("/sign-in/oidc/callback", response_class=HTMLResponse)
def callback(request: Request, system: SystemDep) -> Response:
    """The provider's answer: a verified ID token naming a person of the directory with a post
    signs them in; anything else is refused with a page saying why, and logged."""
    provider = provider_of(request)
    gettext = _gettext(request)
    address = client_address(request)
    if provider is None:
        return _refused(request, gettext(N_("Sign-in through an identity provider is not set up here.")), 404)
    try:
        person, back = provider.finish(
            request.cookies.get(PENDING_COOKIE), dict(request.query_params), _callback_url(request, provider)
        )
    except OidcRefused as refused:
        log.warning("auth.oidc_refused", reason=refused.reason[:300], address=address)
        return _refused(request, gettext(N_("The sign-in could not be completed; please start again.")), 400)
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    if person not in directory.people:
        log.warning("auth.oidc_refused", reason="not in the directory", person=person[:100], address=address)
        return _refused(request, gettext(N_("Your account is not a person of this system's directory.")), 403)
    if not directory.posts_of(person, now):
        log.warning("auth.oidc_refused", reason="holds no post", person=person, address=address)
        return _refused(request, gettext(N_("You hold no post in the directory now.")), 403)
    session_id, session = system.identity.sessions.start(person)
    log.info("auth.signed_in", person=person, address=address, via="oidc")
    response = RedirectResponse(back, status_code=303)
    response.delete_cookie(PENDING_COOKIE, path="/app/sign-in/oidc")
    set_session_cookie(response, system, session_id, session)
    return response

"""Signing in and out, first passwords through enrolment codes, password changes, API tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import APIKeyCookie

from api.deps import (
    SESSION_COOKIE,
    CurrentPerson,
    PersonId,
    SystemDep,
    check_csrf,
    client_address,
    set_session_cookie,
)
from api.identity_schemas import (
    EnrolIn,
    Enrolled,
    EnrolmentIssued,
    PasswordChangeIn,
    PostHeld,
    RevokeIn,
    SignInIn,
    TokenIn,
    TokenIssued,
    TokenList,
    TokenPublic,
    WhoAmI,
)
from domain.errors import AccessDenied
from infra.bootstrap import System

router = APIRouter(tags=["identity"])
SessionCookie = Annotated[str | None, Depends(APIKeyCookie(name=SESSION_COOKIE, auto_error=False))]
NO_STORE = {"Cache-Control": "no-store"}


def _who(system: System, request: Request, person: str) -> WhoAmI:
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    session = getattr(request.state, "session", None)
    return WhoAmI(
        person_id=person,
        name=directory.name_of(person),
        posts=[PostHeld(post=t.post, node=t.node, since=t.start) for t in directory.posts_of(person, now)],
        signed_in_with="session" if session else "token",
        csrf_token=session.csrf_token if session else None,
        session_expires_at=session.expires_at if session else None,
    )


@router.post("/session", response_model=WhoAmI)
def sign_in(
    body: SignInIn, request: Request, response: Response, system: SystemDep, earlier: SessionCookie
) -> WhoAmI:
    """Sign in with a password: sets the session cookie and returns the session's CSRF token."""
    session_id, session = system.identity.sign_in(body.person_id, body.password, client_address(request))
    if earlier:
        system.identity.sessions.end(earlier)  # one browser, one session: the cookie is replaced
    set_session_cookie(response, system, session_id, session)
    response.headers.update(NO_STORE)
    request.state.session = session
    return _who(system, request, session.person_id)


@router.get("/session", response_model=WhoAmI)
def who_am_i(request: Request, person: CurrentPerson, system: SystemDep) -> WhoAmI:
    """Who is signed in: the person, their name and the posts they hold now."""
    return _who(system, request, person)


@router.delete("/session", status_code=204)
def sign_out(request: Request, system: SystemDep, session_id: SessionCookie) -> Response:
    """Sign out: ends the session of the cookie (with its CSRF token) and clears the cookie."""
    if session_id:
        session = system.identity.sessions.find(session_id)
        if session is not None:
            check_csrf(request, session)
            system.identity.sign_out(session_id, session, client_address(request))
    response = Response(status_code=204)
    response.delete_cookie(
        SESSION_COOKIE, path="/", secure=system.settings.session_cookie_secure, httponly=True, samesite="lax"
    )
    return response


@router.post("/people/{person_id}/enrolment", response_model=EnrolmentIssued, status_code=201)
def issue_enrolment(
    person_id: PersonId, person: CurrentPerson, system: SystemDep, response: Response
) -> EnrolmentIssued:
    """Issue a one-time code for the person to set a password with (their workstation only)."""
    code, expires_at = system.identity.desk.issue_enrolment(person, person_id)
    response.headers.update(NO_STORE)
    return EnrolmentIssued(person_id=person_id, code=code, expires_at=expires_at)


@router.post("/enrolment", response_model=Enrolled)
def enrol(body: EnrolIn, request: Request, system: SystemDep) -> Enrolled:
    """Set a password with an enrolment code; the code works once. Then sign in."""
    return Enrolled(person_id=system.identity.enrol(body.code, body.password, client_address(request)))


@router.post("/people/{person_id}/password", status_code=204)
def change_password(
    person_id: PersonId, body: PasswordChangeIn, request: Request, person: CurrentPerson, system: SystemDep
) -> Response:
    """Change one's own password, giving the current one; one's other sessions end."""
    if person != person_id:
        raise AccessDenied(person, "change_password", None, "a password is changed only by its owner")
    system.identity.change_password(
        person,
        body.current_password,
        body.new_password,
        client_address(request),
        keep=getattr(request.state, "session_id", None),
    )
    return Response(status_code=204)


@router.post("/people/{person_id}/tokens", response_model=TokenIssued, status_code=201)
def issue_token(
    person_id: PersonId, body: TokenIn, person: CurrentPerson, system: SystemDep, response: Response
) -> TokenIssued:
    """Issue a named API token, by the person or their workstation; the token is shown only now."""
    issued = system.identity.desk.issue_token(person, person_id, name=body.name, expires_at=body.expires_at)
    response.headers.update(NO_STORE)
    public = TokenPublic.of(issued.record, None, system.casebook.clock())
    return TokenIssued(**public.model_dump(), token=issued.token)


@router.get("/people/{person_id}/tokens", response_model=TokenList)
def list_tokens(person_id: PersonId, person: CurrentPerson, system: SystemDep) -> TokenList:
    """The person's API tokens: names, expiry, last use; never the secret."""
    tokens = system.identity.desk.tokens(person, person_id)
    used, now = system.identity.sessions.tokens_last_used(person_id), system.casebook.clock()
    return TokenList(tokens=[TokenPublic.of(t, used.get(t.token_id), now) for t in tokens])


@router.delete("/people/{person_id}/tokens/{token_id}", status_code=204)
def revoke_token(
    person_id: PersonId, token_id: str, person: CurrentPerson, system: SystemDep, body: RevokeIn | None = None
) -> Response:
    """Revoke an API token, by the person or their workstation; it stops working at once."""
    system.identity.desk.revoke_token(person, person_id, token_id, body.reason if body else "")
    return Response(status_code=204)

"""Who is asking: a password, an API token, a development token or a session becomes a person.

Every way in ends at the same check: the person must hold a post in the directory now, so a
person whose last post ended is refused with every token and session they still have.
Failures are counted per account and per client address, and logged without the secret.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

import structlog

from domain.identity.errors import NotAuthenticated, TooManyAttempts
from service import telemetry
from service.identity import throttle
from service.identity.crypto import split_api_token
from service.identity.desk import CredentialsDesk
from service.identity.sessions import Session, Sessions
from service.identity.throttle import Throttle

if TYPE_CHECKING:
    from service.identity.storage import Cursor
    from service.store import CaseStore

log = structlog.get_logger()
FileTokens = Callable[[str], "str | None"]  # a development token from the directory file → person


@dataclass
class Gate:
    casebook: CaseStore
    desk: CredentialsDesk
    sessions: Sessions
    throttle: Throttle
    file_tokens: FileTokens

    def create_tables(self, cur: Cursor) -> None:
        self.sessions.create_tables(cur)
        self.throttle.create_tables(cur)

    def sign_in(self, person_id: str, password: str, address: str) -> tuple[str, Session]:
        keys = (throttle.account(person_id), throttle.address(address))
        self._check(keys, "password", person_id, address)
        if not self.desk.password_matches(person_id, password):
            self._failed(keys, "password", person_id, address, "wrong person or password")
        self.throttle.succeeded(keys[0])
        self.require_post(person_id)
        session_id, session = self.sessions.start(person_id)
        log.info("auth.signed_in", person=person_id, address=address)
        return session_id, session

    def by_token(self, token: str, address: str) -> str:
        """The person an API token or a development token belongs to."""
        owner = self.desk.token_owner(token)
        claimed = owner[0] if owner else _claimed_person(token)
        keys = (throttle.address(address), *([throttle.account(claimed)] if claimed else []))
        self._check(keys, "token", claimed, address)
        if owner is not None:
            person_id, token_id = owner
            self.sessions.token_used(token_id, person_id)
        else:
            person_id = self.file_tokens(token)
            if person_id is None:
                self._failed(keys, "token", claimed, address, "unknown, expired or revoked token")
        self.require_post(person_id)
        return person_id

    def by_session(self, session_id: str) -> Session:
        session = self.sessions.find(session_id)
        if session is None:
            raise NotAuthenticated("the session has ended or expired; sign in again")
        self.require_post(session.person_id)
        return session

    def sign_out(self, session_id: str, session: Session, address: str) -> None:
        self.sessions.end(session_id)
        log.info("auth.signed_out", person=session.person_id, address=address)

    def enrol(self, code: str, password: str, address: str) -> str:
        claimed = code.strip().rpartition(".")[0]
        keys = (throttle.address(address), *([throttle.account(claimed)] if claimed else []))
        self._check(keys, "enrolment", claimed, address)
        try:
            person_id = self.desk.enrol(code, password)
        except NotAuthenticated as refused:
            self._failed(keys, "enrolment", claimed, address, refused.message)
        self.sessions.end_all(person_id)
        log.info("auth.enrolled", person=person_id, address=address)
        return person_id

    def change_password(self, person_id: str, current: str, new: str, address: str, keep: str | None) -> None:
        keys = (throttle.account(person_id), throttle.address(address))
        self._check(keys, "password", person_id, address)
        if not self.desk.password_matches(person_id, current):
            self._failed(keys, "password", person_id, address, "the current password is wrong")
        self.desk.change_password(person_id, new)
        self.sessions.end_all(person_id, keep=keep)
        log.info("auth.password_changed", person=person_id, address=address)

    def require_post(self, person_id: str) -> None:
        directory = self.casebook.current_directory()
        if not directory.posts_of(person_id, self.casebook.clock()):
            raise NotAuthenticated(f"{person_id} holds no post in the directory now")

    def _check(self, keys: tuple[str, ...], kind: str, person_id: str | None, address: str) -> None:
        try:
            self.throttle.check(*keys)
        except TooManyAttempts as refused:
            telemetry.SIGN_IN_THROTTLED.labels(kind).inc()
            log.warning(
                "auth.throttled",
                kind=kind,
                person=person_id,
                address=address,
                retry_after=refused.retry_after,
            )
            raise

    def _failed(
        self, keys: tuple[str, ...], kind: str, person_id: str | None, address: str, why: str
    ) -> NoReturn:
        self.throttle.failed(*keys)
        telemetry.SIGN_IN_FAILURES.labels(kind).inc()
        log.warning("auth.failed", kind=kind, person=person_id, address=address, reason=why)
        raise NotAuthenticated(why)


def _claimed_person(token: str) -> str | None:
    parsed = split_api_token(token)
    return parsed[0] if parsed else None

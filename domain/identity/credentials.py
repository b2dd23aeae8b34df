"""A person's credentials: one stream per person, holding only hashes, never a secret.

The password hash is made by the service (a memory-hard hash needs a library); codes and
tokens are random secrets compared by their SHA-256 digest, which the aggregate checks.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue, TransitionNotAllowed
from domain.identity.errors import NotAuthenticated

CREDENTIALS_NAMESPACE = uuid5(NAMESPACE_URL, "https://fengqiao.example/credentials")


def credentials_id(person_id: str) -> UUID:
    return uuid5(CREDENTIALS_NAMESPACE, person_id)


@dataclass
class Enrolment:
    enrolment_id: str
    code_sha256: str
    expires_at: datetime
    issued_by: str
    used: bool = False


@dataclass
class Token:
    token_id: str
    name: str
    secret_sha256: str
    issued_at: datetime
    expires_at: datetime
    issued_by: str
    revoked_at: datetime | None = None

    def live_at(self, at: datetime) -> bool:
        return self.revoked_at is None and at < self.expires_at


class Credentials(Aggregate):
    """What lets one person prove who they are: a password, set first through a one-time
    enrolment code from their workstation, and named API tokens for machines and scripts."""

    TOPIC = "fengqiao.credentials:Credentials"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Opened(Aggregate.Created, Event):
        """The person's credentials began (with none yet)."""

        TOPIC = "fengqiao.credentials:Opened"
        person_id: str

    Created = Opened

    class EnrolmentIssued(Event):
        """A workstation issued a one-time code to set a password with; it replaces any earlier code."""

        TOPIC = "fengqiao.credentials:EnrolmentIssued"
        enrolment_id: str
        code_sha256: str
        expires_at: datetime

        def apply(self, c: Credentials) -> None:
            c.enrolment = Enrolment(self.enrolment_id, self.code_sha256, self.expires_at, self.actor)

    class PasswordSet(Event):
        """The person set a password with an enrolment code, which is used up."""

        TOPIC = "fengqiao.credentials:PasswordSet"
        enrolment_id: str
        password_hash: str

        def apply(self, c: Credentials) -> None:
            assert c.enrolment is not None
            c.enrolment.used = True
            c.password_hash = self.password_hash
            c.password_set_at = self.effective_at

    class PasswordChanged(Event):
        """The person changed their password, giving the current one."""

        TOPIC = "fengqiao.credentials:PasswordChanged"
        password_hash: str

        def apply(self, c: Credentials) -> None:
            c.password_hash = self.password_hash
            c.password_set_at = self.effective_at

    class PasswordRehashed(Event):
        """The same password, hashed again with the current Argon2 parameters at a successful
        sign-in, because the stored hash was made with older (weaker or different) ones."""

        TOPIC = "fengqiao.credentials:PasswordRehashed"
        password_hash: str

        def apply(self, c: Credentials) -> None:
            c.password_hash = self.password_hash

    class TokenIssued(Event):
        """A named API token was issued, shown once; only its digest is kept."""

        TOPIC = "fengqiao.credentials:TokenIssued"
        token_id: str
        name: str
        secret_sha256: str
        expires_at: datetime

        def apply(self, c: Credentials) -> None:
            c.tokens[self.token_id] = Token(
                self.token_id, self.name, self.secret_sha256, self.effective_at, self.expires_at, self.actor
            )

    class TokenRevoked(Event):
        """An API token was revoked; it works no more."""

        TOPIC = "fengqiao.credentials:TokenRevoked"
        token_id: str
        reason: str

        def apply(self, c: Credentials) -> None:
            c.tokens[self.token_id].revoked_at = self.effective_at

    def __init__(self, *, person_id: str, actor: str, effective_at: datetime, command_id: str) -> None:
        self.person_id = person_id
        self.password_hash: str | None = None
        self.password_set_at: datetime | None = None
        self.enrolment: Enrolment | None = None
        self.tokens: dict[str, Token] = {}

    @staticmethod
    def create_id(person_id: str, **_: object) -> UUID:
        return credentials_id(person_id)

    @classmethod
    def open(cls, person_id: str, **stamp: Any) -> Credentials:
        return cls._create(cls.Opened, person_id=person_id, **stamp)

    # -- commands ---------------------------------------------------------------

    def issue_enrolment(
        self, *, enrolment_id: str, code_sha256: str, expires_at: datetime, **stamp: Any
    ) -> None:
        if expires_at <= stamp["effective_at"]:
            raise InvalidValue("expires_at", "an enrolment code must expire after it is issued")
        self.trigger_event(
            self.EnrolmentIssued,
            enrolment_id=enrolment_id,
            code_sha256=code_sha256,
            expires_at=expires_at,
            **stamp,
        )

    def enrol(self, *, code_sha256: str, password_hash: str, **stamp: Any) -> None:
        """Sets the password if the code is the one outstanding, unused and unexpired."""
        enrolment = self.enrolment
        if enrolment is None or not hmac.compare_digest(enrolment.code_sha256, code_sha256):
            raise NotAuthenticated("unknown enrolment code")
        if enrolment.used:
            raise NotAuthenticated("this enrolment code has been used; ask your workstation for a new one")
        if stamp["effective_at"] >= enrolment.expires_at:
            raise NotAuthenticated("this enrolment code has expired; ask your workstation for a new one")
        self.trigger_event(
            self.PasswordSet, enrolment_id=enrolment.enrolment_id, password_hash=password_hash, **stamp
        )

    def rehash_password(self, *, password_hash: str, **stamp: Any) -> None:
        if self.password_hash is None:
            raise TransitionNotAllowed("rehash_password", "without a password", [], "nothing to rehash")
        self.trigger_event(self.PasswordRehashed, password_hash=password_hash, **stamp)

    def change_password(self, *, password_hash: str, **stamp: Any) -> None:
        if self.password_hash is None:
            raise TransitionNotAllowed(
                "change_password", "without a password", [], "set a first one with an enrolment code"
            )
        self.trigger_event(self.PasswordChanged, password_hash=password_hash, **stamp)

    def issue_token(
        self, *, token_id: str, name: str, secret_sha256: str, expires_at: datetime, **stamp: Any
    ) -> None:
        at = stamp["effective_at"]
        if not name.strip():
            raise InvalidValue("name", "give the token a name that says what uses it")
        if expires_at <= at:
            raise InvalidValue("expires_at", "a token must expire after it is issued")
        if any(t.name == name.strip() and t.live_at(at) for t in self.tokens.values()):
            raise InvalidValue("name", "a live token is already named {name!r}", name=name.strip())
        self.trigger_event(
            self.TokenIssued,
            token_id=token_id,
            name=name.strip(),
            secret_sha256=secret_sha256,
            expires_at=expires_at,
            **stamp,
        )

    def revoke_token(self, *, token_id: str, reason: str, **stamp: Any) -> None:
        token = self.tokens.get(token_id)
        if token is None:
            raise InvalidValue("token_id", "no token {token_id!r}", token_id=token_id)
        if token.revoked_at is not None:
            raise TransitionNotAllowed("revoke_token", "revoked", [], "the token is already revoked")
        self.trigger_event(self.TokenRevoked, token_id=token_id, reason=reason, **stamp)

    # -- questions --------------------------------------------------------------

    def token_matching(self, token_id: str, secret_sha256: str, at: datetime) -> Token | None:
        """The live token with this id and secret, or None."""
        token = self.tokens.get(token_id)
        if token is None or not hmac.compare_digest(token.secret_sha256, secret_sha256):
            return None
        return token if token.live_at(at) else None


EVENT_CLASSES = (
    Credentials.Opened,
    Credentials.EnrolmentIssued,
    Credentials.PasswordSet,
    Credentials.PasswordChanged,
    Credentials.PasswordRehashed,
    Credentials.TokenIssued,
    Credentials.TokenRevoked,
)

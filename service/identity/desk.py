"""Commands on a person's credentials: enrolment codes, passwords and API tokens.

A code or token is made here and shown once; the stream keeps its digest. Commands that
make a secret take no idempotency key: a retry could not be answered with the same secret.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.directory.access import Right
from domain.directory.tree import Directory
from domain.errors import AccessDenied, CaseNotFound, InvalidValue
from domain.identity.credentials import Credentials, Token, credentials_id
from domain.identity.errors import NotAuthenticated
from service.identity import crypto
from service.identity.crypto import PasswordHashing
from service.identity.policy import IdentityPolicy
from service.store import NO_META, Stamp

if TYPE_CHECKING:
    from service.store import CaseStore

MAX_PASSWORD = 1024


class IssuedToken(NamedTuple):
    token: str  # shown once, never stored
    record: Token


class CredentialsDesk:
    def __init__(self, casebook: CaseStore, hashing: PasswordHashing, policy: IdentityPolicy) -> None:
        self.cb = casebook
        self.hashing = hashing
        self.policy = policy

    # -- enrolment and passwords --------------------------------------------------

    def issue_enrolment(self, actor: str, person_id: str, by_operator: bool = False) -> tuple[str, datetime]:
        """A one-time code the person sets their password with; only a workstation issues it,
        or the operator on the server's command line (the first workstation staff of all)."""
        directory = self._person(person_id)
        if not by_operator:
            self._require_workstation(directory, actor, person_id)
        secret = crypto.new_code()
        expires_at = self.cb.clock() + self.policy.enrolment_lifetime

        def decide(c: Credentials, stamp: Stamp) -> None:
            c.issue_enrolment(
                enrolment_id=crypto.new_id(),
                code_sha256=crypto.sha256(secret),
                expires_at=expires_at,
                **stamp,
            )

        self._change(person_id, "issue_enrolment", actor, decide)
        return crypto.enrolment_code(person_id, secret), expires_at

    def enrol(self, code: str, password: str) -> str:
        """Sets the first (or a forgotten) password with an enrolment code; returns whose it was."""
        parsed = crypto.split_enrolment_code(code)
        self.check_new_password(parsed[0] if parsed else "", password, "password")
        if parsed is None or self.credentials(parsed[0]) is None:
            raise NotAuthenticated("unknown enrolment code")
        person_id, secret = parsed
        password_hash = self.hashing.hash(password)

        def decide(c: Credentials, stamp: Stamp) -> None:
            c.enrol(code_sha256=crypto.sha256(secret), password_hash=password_hash, **stamp)

        self._change(person_id, "enrol", person_id, decide)
        return person_id

    def password_matches(self, person_id: str, password: str) -> bool:
        """Whether the password is the person's. A match on a hash made with older Argon2
        parameters is hashed again with the current ones, recorded as PasswordRehashed."""
        found = self.credentials(person_id)
        stored = found.password_hash if found else None
        if not self.hashing.verify(stored, password):
            return False
        if stored is not None and self.hashing.needs_rehash(stored):
            fresh = self.hashing.hash(password)

            def decide(c: Credentials, stamp: Stamp) -> bool | None:
                if c.password_hash != stored:
                    return False  # changed meanwhile: nothing to rehash
                c.rehash_password(password_hash=fresh, **stamp)
                return None

            self._change(person_id, "rehash_password", person_id, decide)
        return True

    def change_password(self, person_id: str, new_password: str) -> None:
        """The caller has checked the current password."""
        self.check_new_password(person_id, new_password, "new_password")
        password_hash = self.hashing.hash(new_password)

        def decide(c: Credentials, stamp: Stamp) -> None:
            c.change_password(password_hash=password_hash, **stamp)

        self._change(person_id, "change_password", person_id, decide)

    def check_new_password(self, person_id: str, password: str, field: str) -> None:
        if len(password) < self.policy.password_min_length:
            raise InvalidValue(
                field,
                "a password has at least {password_min_length} characters",
                password_min_length=self.policy.password_min_length,
            )
        if len(password) > MAX_PASSWORD:
            raise InvalidValue(
                field, "a password has at most {max_password} characters", max_password=MAX_PASSWORD
            )
        if password.strip().casefold() == person_id.casefold():
            raise InvalidValue(field, "a password must not be the person's id")

    # -- API tokens ---------------------------------------------------------------

    def issue_token(self, actor: str, person_id: str, *, name: str, expires_at: datetime) -> IssuedToken:
        self._require_self_or_workstation(actor, person_id)
        latest = self.cb.clock() + self.policy.token_max_lifetime
        if expires_at > latest:
            raise InvalidValue(
                "expires_at", "a token lives at most {days} days", days=self.policy.token_max_lifetime.days
            )
        token_id, secret = crypto.new_id(), crypto.new_secret()

        def decide(c: Credentials, stamp: Stamp) -> None:
            c.issue_token(
                token_id=token_id,
                name=name,
                secret_sha256=crypto.sha256(secret),
                expires_at=expires_at,
                **stamp,
            )

        found = self._change(person_id, "issue_token", actor, decide)
        return IssuedToken(crypto.api_token(person_id, token_id, secret), found.tokens[token_id])

    def tokens(self, actor: str, person_id: str) -> list[Token]:
        self._require_self_or_workstation(actor, person_id)
        found = self.credentials(person_id)
        return sorted(found.tokens.values(), key=lambda t: t.issued_at) if found else []

    def revoke_token(self, actor: str, person_id: str, token_id: str, reason: str = "") -> None:
        self._require_self_or_workstation(actor, person_id)
        if self.credentials(person_id) is None:
            raise InvalidValue("token_id", "no token {token_id!r}", token_id=token_id)

        def decide(c: Credentials, stamp: Stamp) -> None:
            c.revoke_token(token_id=token_id, reason=reason, **stamp)

        self._change(person_id, "revoke_token", actor, decide)

    def token_owner(self, token: str) -> tuple[str, str] | None:
        """(person, token id) of a live API token, or None."""
        parsed = crypto.split_api_token(token)
        if parsed is None:
            return None
        person_id, token_id, secret = parsed
        found = self.credentials(person_id)
        if found is None or found.token_matching(token_id, crypto.sha256(secret), self.cb.clock()) is None:
            return None
        return person_id, token_id

    # -- machinery ----------------------------------------------------------------

    def credentials(self, person_id: str) -> Credentials | None:
        try:
            return self.cb.repository.get(credentials_id(person_id), deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None

    def _person(self, person_id: str) -> Directory:
        directory = self.cb.current_directory()
        if person_id not in directory.people:
            raise CaseNotFound("person", person_id)
        return directory

    def _require_self_or_workstation(self, actor: str, person_id: str) -> None:
        directory = self._person(person_id)
        if actor != person_id:
            self._require_workstation(directory, actor, person_id)

    def _require_workstation(self, directory: Directory, actor: str, person_id: str) -> None:
        """The actor manages the directory at a node containing one of the person's posts."""
        now = self.cb.clock()
        posts = directory.posts_of(person_id, now)
        if not posts:
            reason = f"{person_id} holds no post, so no workstation answers for them"
            raise AccessDenied(actor, Right.MANAGE_DIRECTORY, None, reason)
        refusal: AccessDenied | None = None
        for tenure in posts:
            try:
                directory.authorise(actor, Right.MANAGE_DIRECTORY, tenure.node, now)
                return
            except AccessDenied as denied:
                refusal = refusal or denied
        assert refusal is not None
        raise refusal

    def _change(self, person_id: str, action: str, actor: str, decide: Any) -> Credentials:
        stamp = self.cb.stamp(actor, NO_META)
        stream = credentials_id(person_id)
        if self.credentials(person_id) is None:
            try:
                self.cb.save(Credentials.open(person_id, **{**stamp, "command_id": f"open:{person_id}"}))
            except IntegrityError:
                pass  # opened meanwhile by another request
        return self.cb.change(Credentials, stream, "credentials", action, stamp, decide)

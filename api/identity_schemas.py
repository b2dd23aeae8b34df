"""Bodies of the identity routes: signing in, enrolment, passwords, API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.identity.credentials import Token

PASSWORD = Field(min_length=1, max_length=1024)


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SignInIn(Body):
    person_id: str = Field(min_length=1, max_length=100)
    password: str = PASSWORD


class EnrolIn(Body):
    code: str = Field(min_length=1, max_length=200, description="The code the person's workstation issued.")
    password: str = PASSWORD


class PasswordChangeIn(Body):
    current_password: str = PASSWORD
    new_password: str = PASSWORD


class TokenIn(Body):
    name: str = Field(min_length=1, max_length=100, description="What uses it, e.g. 'nightly export'.")
    expires_at: AwareDatetime = Field(description="When it stops working (ISO 8601 with offset).")


class RevokeIn(Body):
    reason: str = Field("", max_length=500)


class PostHeld(BaseModel):
    post: str
    node: str
    since: datetime


class WhoAmI(BaseModel):
    person_id: str
    name: str
    posts: list[PostHeld]
    signed_in_with: Literal["session", "token"]
    csrf_token: str | None = Field(
        None, description="With a session: send it as X-CSRF-Token on every request that changes anything."
    )
    session_expires_at: datetime | None = Field(None, description="The latest the session lasts.")


class EnrolmentIssued(BaseModel):
    person_id: str
    code: str = Field(description="Shown once: give it to the person; it works once, until expires_at.")
    expires_at: datetime


class Enrolled(BaseModel):
    person_id: str


class TokenPublic(BaseModel):
    id: str
    name: str
    issued_at: datetime
    issued_by: str
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    live: bool

    @classmethod
    def of(cls, token: Token, last_used: datetime | None, now: datetime) -> TokenPublic:
        return cls(
            id=token.token_id,
            name=token.name,
            issued_at=token.issued_at,
            issued_by=token.issued_by,
            expires_at=token.expires_at,
            revoked_at=token.revoked_at,
            last_used_at=last_used,
            live=token.live_at(now),
        )


class TokenIssued(TokenPublic):
    token: str = Field(description="Shown once, never again: send it as 'Authorization: Bearer <token>'.")


class TokenList(BaseModel):
    tokens: list[TokenPublic]

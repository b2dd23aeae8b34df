"""Refusals of identity: not who they say, or too many failures in a row."""

from __future__ import annotations

from domain.errors import DomainError


class NotAuthenticated(DomainError):
    """The request does not show who is asking: no credential, or one that does not hold."""


class TooManyAttempts(DomainError):
    """Too many failed attempts for an account or from an address; try again later."""

    def __init__(self, scope: str, retry_after: int) -> None:
        super().__init__(f"too many failed attempts for this {scope}; try again in {retry_after} s")
        self.scope = scope
        self.retry_after = retry_after

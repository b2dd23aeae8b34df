"""How long credentials live and how many failures are tolerated; from the settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class IdentityPolicy:
    session_idle: timedelta = timedelta(minutes=30)
    session_absolute: timedelta = timedelta(hours=12)
    enrolment_lifetime: timedelta = timedelta(hours=72)
    token_max_lifetime: timedelta = timedelta(days=366)
    failure_window: timedelta = timedelta(minutes=15)
    account_failures: int = 5
    address_failures: int = 20
    password_min_length: int = 10

    @property
    def session_touch(self) -> timedelta:
        """How stale a session's last-seen time may get before a request writes it again."""
        return min(timedelta(minutes=1), self.session_idle / 10)

"""How far in the past a person may date a command (its business time, `effective_at`).

A command from a person may say it took effect earlier than it is recorded — a sign-in entered
when the signal came back, a session written up the next morning — but only within a window set
per kind of command, and with a reason once it is older than a short grace. What it says is kept:
the receipt holds the reason, and the history shows the event as recorded late. The system's own
commands (deadlines, schedules, files loaded) are not a person's and are not limited here.

The windows are keyed by the action names the desks record commands under (`CaseStore.create` and
`CaseStore.change`): an action not named has the default window.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from domain.errors import InvalidValue

GRACE = timedelta(hours=1)  # later than this after its business time, a command is recorded late
DEFAULT_WINDOW = timedelta(days=7)
LATE_REASON_MAX = 500

_ONE_DAY = timedelta(days=1)
WINDOWS: Mapping[str, timedelta] = {
    # directory changes: who held which post, when (every authorisation, every score, hangs on it)
    "take_post": _ONE_DAY,
    "leave_post": _ONE_DAY,
    # patrol sign-ins and checkpoints: recorded on the round, at the latest the day after
    "sign_in_at_start": _ONE_DAY,
    "sign_in_at_checkpoint": _ONE_DAY,
    "sign_in_at_end": _ONE_DAY,
    "record_checkpoint_missed": _ONE_DAY,
}


def window(action: str) -> timedelta:
    """How far in the past a person's command of this kind may be dated."""
    return WINDOWS.get(action, DEFAULT_WINDOW)


def is_late(effective_at: datetime, recorded_at: datetime) -> bool:
    """Whether a command recorded at `recorded_at` for `effective_at` was recorded late."""
    return recorded_at - effective_at > GRACE


def _span(length: timedelta) -> str:
    if length % timedelta(days=1) == timedelta(0):
        days = length // timedelta(days=1)
        return f"{days} day" if days == 1 else f"{days} days"
    hours = length // timedelta(hours=1)
    return f"{hours} hour" if hours == 1 else f"{hours} hours"


def check(action: str, effective_at: datetime | None, now: datetime, late_reason: str | None) -> None:
    """Refuses a person's command dated further back than its kind allows, or older than the grace
    without a reason. Nothing to check when it takes effect now (`effective_at` None) or later."""
    if effective_at is None or not is_late(effective_at, now):
        return
    allowed = window(action)
    if now - effective_at > allowed:
        raise InvalidValue(
            "effective_at",
            "may lie at most {allowed} in the past for {action} (it is {effective_at}, recorded {now})",
            allowed=_span(allowed),
            action=action.replace("_", " "),
            effective_at=effective_at.isoformat(),
            now=now.isoformat(),
        )
    if late_reason is None or not late_reason.strip():
        raise InvalidValue(
            "late_reason",
            "a command dated more than {grace} in the past is recorded late: say why"
            " (allowed for {action}: up to {allowed})",
            grace=_span(GRACE),
            action=action.replace("_", " "),
            allowed=_span(allowed),
        )
    if len(late_reason) > LATE_REASON_MAX:
        raise InvalidValue(
            "late_reason", "at most {late_reason_max} characters", late_reason_max=LATE_REASON_MAX
        )

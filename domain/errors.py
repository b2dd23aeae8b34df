"""Named domain errors: every refusal says what was wrong and what would be allowed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class DomainError(Exception):
    """A command the domain refuses. Nothing is written when one is raised."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidValue(DomainError):
    """A value of a command breaks a rule of the domain.

    `reason` is said in words; where it names the values at hand it is a template with named
    places (`"at most {limit:,} characters"`) and the values come as keywords. `reason` is then
    the template filled in; the template and its values are kept apart as well (`template`,
    `params`), so that the edge can say the same in the person's language: the catalogues hold the
    template (web/messages.py extracts it), never the values.
    """

    def __init__(self, field: str, reason: str, /, **params: Any) -> None:
        said = reason.format(**params) if params else reason
        super().__init__(f"{field}: {said}")
        self.field = field
        self.reason = said
        self.template = reason
        self.params = params


class TransitionNotAllowed(DomainError):
    """The case's current state does not allow the command."""

    def __init__(self, action: str, state: str, allowed: Iterable[str], why: str = "") -> None:
        allowed = sorted(allowed)
        text = f"cannot {action.replace('_', ' ')} while the case is {state.replace('_', ' ')}"
        if why:
            text += f": {why}"
        super().__init__(text)
        self.action = action
        self.state = state
        self.allowed = allowed


class CaseNotFound(DomainError):
    def __init__(self, kind: str, case_id: object) -> None:
        super().__init__(f"no {kind} with id {case_id}")
        self.kind = kind
        self.case_id = str(case_id)


class AccessDenied(DomainError):
    """The acting person lacks the right, or acts outside their node."""

    def __init__(self, person_id: str, right: str, node: str | None, reason: str) -> None:
        super().__init__(reason)
        self.person_id = person_id
        self.right = right
        self.node = node


class GrantRefused(AccessDenied):
    """A directory change that would give power the wrong way: to oneself, or over those above."""

    def __init__(self, person_id: str, node: str, rule: str, reason: str) -> None:
        super().__init__(person_id, "manage_directory", node, reason)
        self.rule = rule


class StaleVersion(DomainError):
    """The caller decided on a version of the case that is no longer current."""

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(
            f"the case is at version {actual}, not {expected}: "
            "someone changed it meanwhile; read it again and retry"
        )
        self.expected = expected
        self.actual = actual


class ConcurrentChanges(DomainError):
    """The case kept changing under the command; nothing was written."""

    def __init__(self, attempts: int) -> None:
        super().__init__(f"the case changed under the command {attempts} times in a row; retry")


class CommandIdReused(DomainError):
    """A command id already used for a different command."""

    def __init__(self, command_id: str, first_action: str) -> None:
        super().__init__(f"command id {command_id!r} was already used for {first_action.replace('_', ' ')}")
        self.command_id = command_id
        self.first_action = first_action


class CommandBodyDiffers(CommandIdReused):
    """The same person sent a command id again with another body: a retry must repeat the command."""

    def __init__(self, command_id: str, first_action: str) -> None:
        super().__init__(command_id, first_action)
        self.message = (
            f"command id {command_id!r} was already used for {first_action.replace('_', ' ')} with another "
            "body; a retry sends the same body, a new command a new Idempotency-Key"
        )
        self.args = (self.message,)


class NoRule(InvalidValue):
    """No policy in force gives a rule for this clock."""

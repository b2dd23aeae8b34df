"""The petition's statutory terms, read by both the desk and the clock keeper: which clock
belongs to which status, and when a clock is (or, before it is recorded, will be) due."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING
from uuid import UUID

from domain.directory.access import Right
from domain.errors import NoRule
from domain.petitions.petition import Petition, Status
from domain.time.calendar import DEFAULT_CALENDAR
from domain.time.clocks import ClockState
from domain.time.policy import Rule
from service.kinds import PETITION
from service.timekeeping import ClockPlan

if TYPE_CHECKING:
    from service.deadlines import DeadlineDesk

KIND = PETITION
ASSIGNMENT = "petition.assignment_report"  # runs from an assignment (交办) until the result is reported
ACTING = frozenset({Right.HANDLE_PETITION, Right.DECIDE_PETITION})  # who is reminded
ENDED = frozenset({Status.NOT_ACCEPTED, Status.DIVERTED, Status.CONCLUDED})
CLOCKS_OF: dict[Status, tuple[str, ...]] = {
    Status.REGISTERED: ("petition.route",),
    Status.OBJECTED: ("petition.route",),
    Status.ROUTED: ("petition.acceptance_notice", "petition.objection"),
    Status.ACCEPTED: ("petition.handling",),
    Status.OPINION_GIVEN: ("petition.review_request",),
    Status.REVIEW_REQUESTED: ("petition.review_decision",),
    Status.REVIEWED: ("petition.re_review_request",),
    Status.RE_REVIEW_REQUESTED: ("petition.re_review_decision",),
}
STAGES = {
    clock: {s for s, named in CLOCKS_OF.items() if clock in named}
    for named in CLOCKS_OF.values()
    for clock in named
}
AT_HOME = frozenset({"petition.route", "petition.review_request", "petition.re_review_request"})
OVERDUE = {  # what was not done in time
    "petition.route": "not routed to a receiving body",
    "petition.acceptance_notice": "acceptance not decided and notified",
    "petition.handling": "no written handling opinion",
    "petition.review_decision": "the review not decided",
    "petition.re_review_decision": "the re-review not decided",
    ASSIGNMENT: "the result of the assignment not reported back to the assigning office",
}
MET = {
    "petition.route": "met: routed to a receiving body",
    "petition.acceptance_notice": "met: acceptance decided",
    "petition.handling": "met: written handling opinion given",
    "petition.review_request": "met: review requested",
    "petition.review_decision": "met: review decided",
    "petition.re_review_request": "met: re-review requested",
    "petition.re_review_decision": "met: re-review decided",
    "petition.assignment_report": "met: the result reported back to the assigning office",
}
OBJECTION = "petition.objection"
OBJECTION_CLOSED = "window closed: no objection"
WINDOWS = {  # the petitioner's windows: the status that waits in one, and what may be requested
    "petition.review_request": (Status.OPINION_GIVEN, "review"),
    "petition.re_review_request": (Status.REVIEWED, "re-review"),
}
WINDOW_ANSWER = {"petition.review_request": "opinion", "petition.re_review_request": "review"}
PAUSED_BY = {
    "handling": "petition.handling",
    "review": "petition.review_decision",
    "re_review": "petition.re_review_decision",
}  # a hearing's stage → the clock it pauses


def attributes(p: Petition) -> dict[str, str]:
    """What a policy rule may be narrowed by."""
    return {"type": p.type.value, "channel": p.channel.value, "group": str(p.group).lower()}


def recorded(deadlines: DeadlineDesk, petition_id: UUID, key: str) -> ClockState | None:
    """The petition's clock with this key, once it is kept."""
    found = deadlines.clocks(KIND, petition_id)
    return found.clocks.get(key) if found else None


def key_of(clock: str, since: datetime) -> str:
    return ClockPlan(clock, "", {}, since).key


def planned_due(deadlines: DeadlineDesk, clock: str, p: Petition, since: datetime) -> datetime:
    """When the petition's clock that started (or starts) at `since` is due (`planned_count`)."""
    return planned_count(deadlines, clock, p, since)[0]


def planned_count(deadlines: DeadlineDesk, clock: str, p: Petition, since: datetime) -> tuple[datetime, bool]:
    """When the petition's clock that started (or starts) at `since` is due, and whether that is
    counted provisionally (on a year whose holiday notice is not loaded): the recorded clock's
    due time, which counts its pauses, extension and recomputations; before it is recorded, the
    due time by the rule in force at `since` — what the clock will start with."""
    kept = recorded(deadlines, p.id, key_of(clock, since))
    if kept is not None:
        return kept.due_at, kept.provisional
    book = deadlines.rulebook.current()
    policy = book.policy_in_force(since)
    rule = policy.rule_for(clock, attributes(p)) if policy else None
    if rule is None:
        raise NoRule(
            "clock",
            "no deadline policy in force at {at} has a rule for {clock}",
            at=since.isoformat(),
            clock=clock,
        )
    reckoning = book.calendar(DEFAULT_CALENDAR).reckon(since, rule.amount, rule.unit)
    return reckoning.due, reckoning.provisional


def window_start(p: Petition, clock: str) -> datetime | None:
    """When the petitioner's window (a clock of WINDOWS) began: the receipt of the answer."""
    return p.window_opened(WINDOW_ANSWER[clock])


def extension_rule(deadlines: DeadlineDesk, policy_version: str | None, since: datetime) -> Rule | None:
    """The most one extension of handling may add: by the version the handling clock follows,
    or (before it is recorded) by the version in force when handling began."""
    book = deadlines.rulebook.current()
    policy = book.policy(policy_version) if policy_version else book.policy_in_force(since)
    return policy.rule_for("petition.extension", {}) if policy else None


def assignment_rule(deadlines: DeadlineDesk, at: datetime) -> Rule:
    """The longest an office may give the body it assigns a petition to for the result report
    (the default when it gives none), by the policy in force at `at`."""
    policy = deadlines.rulebook.current().policy_in_force(at)
    rule = policy.rule_for(ASSIGNMENT, {}) if policy else None
    if rule is None:
        raise NoRule(
            "clock",
            "no deadline policy in force at {at} has a rule for {clock}",
            at=at.isoformat(),
            clock=ASSIGNMENT,
        )
    return rule

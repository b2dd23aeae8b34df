"""Who may do what to a dispute: each post against its own node, a node below it, and a
foreign node. A refusal names the missing right or the node outside the person's posts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.disputes.dispute import Category, Dispute, SessionOutcome, Severity
from domain.errors import AccessDenied, CaseNotFound, DomainError
from infra.bootstrap import System
from tests.support import FOREIGN_GRID, FOREIGN_TOWNSHIP_GRID, GRID, VILLAGE, person

ALLOWED, NO_RIGHT, OUTSIDE, NO_SUCH_CASE = "allowed", "no right", "outside", "no such case"


def report(system: System, role: str, **where: str) -> Dispute:
    return system.casebook.disputes.report(
        person(role),
        parties=[{"name": "A"}, {"name": "B"}],
        category=Category.OTHER,
        severity=Severity.GENERAL,
        description="a quarrel",
        occurred_at=system.casebook.clock() - timedelta(hours=1),
        **where,
    )


def outcome(call) -> str:
    """What access control said; a refusal by the case's state means access was granted."""
    try:
        call()
    except AccessDenied as denied:
        return OUTSIDE if "outside" in str(denied) else NO_RIGHT
    except CaseNotFound:  # a case one may not read is, to them, no case at all
        return NO_SUCH_CASE
    except DomainError:
        return ALLOWED
    return ALLOWED


AT_VILLAGE, AT_GRID = {"village": VILLAGE}, {"grid": GRID}
AT_FOREIGN_GRID, AT_FOREIGN_TOWNSHIP = {"grid": FOREIGN_GRID}, {"grid": FOREIGN_TOWNSHIP_GRID}


@pytest.mark.parametrize(
    ("role", "own", "below", "foreign"),
    [
        # where a post's holder reports: (where, expected) at the post's own node, below it, foreign
        ("grid_member", (AT_GRID, ALLOWED), None, (AT_FOREIGN_GRID, OUTSIDE)),
        ("mediator", (AT_VILLAGE, ALLOWED), (AT_GRID, ALLOWED), (AT_FOREIGN_GRID, OUTSIDE)),
        ("chair", (AT_VILLAGE, ALLOWED), (AT_GRID, ALLOWED), (AT_FOREIGN_GRID, OUTSIDE)),
        ("township", None, (AT_GRID, ALLOWED), (AT_FOREIGN_TOWNSHIP, OUTSIDE)),
        ("petition_agent", (AT_VILLAGE, NO_RIGHT), (AT_GRID, NO_RIGHT), (AT_FOREIGN_GRID, NO_RIGHT)),
        ("branch_secretary", (AT_VILLAGE, NO_RIGHT), (AT_GRID, NO_RIGHT), (AT_FOREIGN_GRID, NO_RIGHT)),
        ("auditor", None, (AT_GRID, NO_RIGHT), (AT_FOREIGN_TOWNSHIP, NO_RIGHT)),
    ],
)
def test_who_may_report_a_dispute(system: System, role: str, own, below, foreign):
    for case in (own, below, foreign):
        if case is not None:
            where, expected = case
            assert outcome(lambda where=where: report(system, role, **where)) == expected, (role, where)


@pytest.mark.parametrize(
    ("role", "read", "accept", "mediate", "seal"),
    [
        ("grid_member", ALLOWED, NO_RIGHT, ALLOWED, NO_RIGHT),
        ("foreign_grid_member", NO_SUCH_CASE, NO_SUCH_CASE, NO_SUCH_CASE, NO_SUCH_CASE),
        ("mediator", ALLOWED, ALLOWED, ALLOWED, NO_RIGHT),
        ("chair", ALLOWED, ALLOWED, ALLOWED, ALLOWED),
        ("township", ALLOWED, ALLOWED, NO_RIGHT, NO_RIGHT),
        ("foreign_township", NO_SUCH_CASE, NO_SUCH_CASE, NO_SUCH_CASE, NO_SUCH_CASE),
        ("petition_agent", ALLOWED, NO_RIGHT, NO_RIGHT, NO_RIGHT),
        ("branch_secretary", ALLOWED, NO_RIGHT, NO_RIGHT, NO_RIGHT),
        ("auditor", ALLOWED, NO_RIGHT, NO_RIGHT, NO_RIGHT),
    ],
)
def test_who_may_act_on_a_dispute_at_grid_level(
    system: System, role: str, read: str, accept: str, mediate: str, seal: str
):
    desk = system.casebook.disputes
    dispute = report(system, "grid_member", grid=GRID)
    actor = person(role)
    assert outcome(lambda: desk.get(actor, dispute.id)) == read
    assert outcome(lambda: desk.accept(actor, dispute.id)) == accept
    assert (
        outcome(lambda: desk.hold_mediation_session(actor, dispute.id, outcome=SessionOutcome.ADJOURNED))
        == mediate
    )
    assert outcome(lambda: desk.seal_agreement(actor, dispute.id)) == seal


def test_at_township_level_only_people_whose_node_holds_the_township_act(system: System):
    desk = system.casebook.disputes
    dispute = report(system, "grid_member", grid=GRID)
    desk.escalate(person("mediator"), dispute.id, reason="beyond the grid")
    desk.accept(person("mediator"), dispute.id)
    desk.escalate(person("mediator"), dispute.id, reason="beyond the village")
    assert outcome(lambda: desk.accept(person("mediator"), dispute.id)) == OUTSIDE
    assert outcome(lambda: desk.accept(person("township"), dispute.id)) == ALLOWED
    assert outcome(lambda: desk.get(person("mediator"), dispute.id)) == ALLOWED, "its village still reads it"


def test_a_patrol_member_reports_through_a_shift_that_the_report_names(system: System):
    from domain.errors import InvalidValue

    with pytest.raises(InvalidValue) as refusal:
        report(system, "patrol_member", grid=GRID)
    assert refusal.value.field == "source_ref"
    from domain.disputes.dispute import Source

    found = system.casebook.disputes.report(
        person("patrol_member"),
        grid=GRID,
        parties=[{"name": "A"}, {"name": "B"}],
        category=Category.OTHER,
        severity=Severity.MINOR,
        description="a quarrel at the well",
        source_ref="shift-12",
        occurred_at=system.casebook.clock() - timedelta(hours=1),
    )
    assert (found.source, found.source_ref) == (Source.PATROL, "shift-12")

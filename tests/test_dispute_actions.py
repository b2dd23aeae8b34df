"""`allowed_actions` is the set of commands the dispute would accept, in every state it can
reach: a state machine drives a dispute through random command sequences (hypothesis) and,
before each step, tries every action on a copy — given valid values — comparing what the
commands accept with what `allowed_actions` offers, and checks that no refusal lists the
action it refused. Each action is named as its desk method (and its route's operation)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule

from domain.disputes.dispute import (
    ACTIONS,
    AgreementForm,
    Category,
    Dispute,
    EscalationTrigger,
    Performance,
    ReferralRoute,
    Remedy,
    Satisfaction,
    SessionOutcome,
    Severity,
    Source,
)
from domain.errors import TransitionNotAllowed
from service.disputes.desk import RIGHT_FOR, DisputeDesk
from tests.dsl import T0
from web.pages import ACTIONS as WEB_ACTIONS

Call = Callable[[Dispute, dict[str, Any]], None]


def _sign(d: Dispute, s: dict[str, Any]) -> None:
    d.sign_agreement(party=(d.unsigned_parties() or ["p1"])[0], **s)


def _duplicate(d: Dispute, s: dict[str, Any]) -> None:
    d.mark_duplicate_of(_report(grid=True, severity=Severity.MINOR, parties=2, at=d.reported_at), **s)


def calls(form: AgreementForm = AgreementForm.WRITTEN, outcome: SessionOutcome = SessionOutcome.ADJOURNED):
    """Each action with values that are valid whatever the state: what is left to refuse is the state."""
    return {
        "accept": lambda d, s: d.accept(**s),
        "hold_mediation_session": lambda d, s: d.hold_mediation_session(
            mediator="li-ming", outcome=outcome, notes="", **s
        ),
        "refuse_mediation": lambda d, s: d.refuse_mediation(party="p2", reason="will sue", **s),
        "reach_agreement": lambda d, s: d.reach_agreement(form=form, terms="fence back", **s),
        "sign_agreement": _sign,
        "seal_agreement": lambda d, s: d.seal_agreement(committee="qiaotou", **s),
        "make_follow_up_visit": lambda d, s: d.make_follow_up_visit(
            performance=Performance.FULLY, satisfaction=Satisfaction.SATISFIED, notes="", **s
        ),
        "request_judicial_confirmation": lambda d, s: d.request_judicial_confirmation(court="Anping", **s),
        "escalate": lambda d, s: d.escalate(reason="beyond us", trigger=EscalationTrigger.MANUAL, **s),
        "refer_out": lambda d, s: d.refer_out(
            route=ReferralRoute.LITIGATION, body="Anping court", reason="", **s
        ),
        "file_with_township": lambda d, s: d.file_with_township(township="anping", **s),
        "report_risk_to_police": lambda d, s: d.report_risk_to_police(
            risk="threats", police_unit="Anping station", **s
        ),
        "convert_to_criminal_case": lambda d, s: d.convert_to_criminal_case(
            police_reference="A-1", description="", **s
        ),
        "close": lambda d, s: d.close(reason="done", remedies_told=[Remedy.LITIGATION], **s),
        "reopen": lambda d, s: d.reopen(reason="again", **s),
        "mark_duplicate": _duplicate,
    }


def _report(*, grid: bool, severity: Severity, parties: int, at: datetime) -> Dispute:
    return Dispute.report(
        village="anping.dongxi.qiaotou",
        grid="anping.dongxi.qiaotou.g1" if grid else None,
        parties=[{"name": "张三"} for _ in range(parties)],
        category=Category.NEIGHBOURHOOD,
        severity=severity,
        description="fence moved",
        occurred_at=at,
        source=Source.GRID_MEMBER,
        source_ref=None,
        actor="wang-fang",
        effective_at=at,
        command_id="report",
    )


def test_every_action_has_a_valid_call_a_right_and_a_desk_method_of_its_name():
    assert set(calls()) == ACTIONS == set(RIGHT_FOR)
    assert all(callable(getattr(DisputeDesk, action, None)) for action in ACTIONS)
    assert set(WEB_ACTIONS) <= ACTIONS


class DisputeMachine(RuleBasedStateMachine):
    """A dispute under random commands; time moves on between them (minutes to weeks), so the
    judicial confirmation window opens and closes too."""

    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.steps = 0
        self.dispute: Dispute

    @initialize(
        grid=st.booleans(),
        severity=st.sampled_from(list(Severity)),
        parties=st.integers(min_value=2, max_value=3),
    )
    def report(self, grid: bool, severity: Severity, parties: int) -> None:
        self.dispute = _report(grid=grid, severity=severity, parties=parties, at=self.now)

    def stamp(self) -> dict[str, Any]:
        self.steps += 1
        return {"actor": "li-ming", "effective_at": self.now, "command_id": f"c{self.steps}"}

    @rule(
        action=st.sampled_from(sorted(ACTIONS)),
        gap=st.sampled_from(
            [timedelta(minutes=5), timedelta(hours=30), timedelta(days=20), timedelta(days=31)]
        ),
        form=st.sampled_from(list(AgreementForm)),
        outcome=st.sampled_from(list(SessionOutcome)),
    )
    def act(self, action: str, gap: timedelta, form: AgreementForm, outcome: SessionOutcome) -> None:
        self.now += gap
        offered = self.dispute.allowed_actions(self.now)
        accepted = set()
        for name, call in calls().items():
            trial = copy.deepcopy(self.dispute)
            try:
                call(trial, self.stamp())
            except TransitionNotAllowed as refusal:
                assert name not in refusal.allowed, f"the refusal of {name} offers {name}"
                assert refusal.allowed == sorted(offered)
            else:
                accepted.add(name)
        assert accepted == offered, (
            f"{self.dispute.status}: offered {sorted(offered)}, accepted {sorted(accepted)}"
        )
        if action in offered:
            calls(form, outcome)[action](self.dispute, self.stamp())


DisputeMachine.TestCase.settings = settings(
    max_examples=60,
    stateful_step_count=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_allowed_actions_are_the_actions_the_commands_accept = DisputeMachine.TestCase

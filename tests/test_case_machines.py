"""Petitions, incidents, patrol routes and shifts under random command sequences (hypothesis state
machines, tests/case_machine.py): refused commands change nothing, the version grows by the
events recorded, the events rebuild the live case, `allowed_actions` is what the commands
accept — and each kind's own rules of its states hold after every step (docs/DOMAIN: an incident
is reported upward before it closes and its levels only rise; a petition leaves no terminal state,
keeps its status log in time order and hears at most one hearing at once; a closed shift accounts
for every checkpoint)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import initialize

from domain.directory.jurisdiction import NodeKind
from domain.incidents.incident import (
    Hazard,
    Incident,
    Kind,
    Marker,
    Offence,
    ReportingLevel,
)
from domain.incidents.incident import Status as IncidentStatus
from domain.patrols.patrol import CadenceLevel, Route, RouteStatus, Shift, ShiftStatus
from domain.petitions.petition import (
    HEARING_STAGE,
    MAX_REPRESENTATIVES,
    AcceptanceDecision,
    Channel,
    DeliveryMethod,
    LegalProcedure,
    Level,
    Opinion,
    Petition,
    PetitionType,
    Status,
)
from tests.case_machine import Call, CaseMachine, machine_test
from tests.dsl import T0
from tests.petition_dsl import ZHANG

# -- incidents --------------------------------------------------------------------------------

KIND_FACTS: dict[Kind, dict[str, Any]] = {
    Kind.MASS_INCIDENT: {"markers": [Marker.ROAD_BLOCKADE], "people_involved": 40},
    Kind.SAFETY_ACCIDENT: {"injured": 1, "dead": 0},
    Kind.FIRE: {},
    Kind.PUBLIC_SECURITY_CASE: {"offence": Offence.CRIMINAL},
    Kind.NATURAL_DISASTER: {"hazard": Hazard.FLOOD},
}


class IncidentMachine(CaseMachine):
    @initialize(kind=st.sampled_from(list(Kind)), grid=st.booleans())
    def report(self, kind: Kind, grid: bool) -> None:
        self.now = T0
        self.started(
            Incident.report(
                kind=kind,
                village="anping.dongxi.qiaotou",
                grid="anping.dongxi.qiaotou.g1" if grid else None,
                occurred_at=T0 - timedelta(hours=1),
                description="the bridge road is blocked",
                location="Qiaotou bridge",
                **KIND_FACTS[kind],
                **self.stamp("wang-fang"),
            )
        )
        self.closed_once = False

    def calls(self, variant: int) -> dict[str, Call]:
        levels = list(ReportingLevel)

        def upward(i: Incident, s: dict[str, Any]) -> None:
            highest = i.highest_level
            above = levels if highest is None else levels[highest.rank + 1 :] or [highest]
            i.report_upward(
                level=above[min(variant, len(above) - 1)], to_node=None, recipient="duty office", **s
            )

        def crowd(i: Incident, s: dict[str, Any]) -> None:
            people = (i.people_involved or 0) + 1 + variant
            markers = [Marker.ROAD_BLOCKADE] + ([Marker.GATHERING_OVER_500] if people > 500 else [])
            i.correct_mass_incident_facts(
                markers=markers, people_involved=people, reason="counted again", **s
            )

        return {
            "report_upward": upward,
            "handle": lambda i, s: i.handle(measures="road cleared", handled_by="police station", **s),
            "close": lambda i, s: i.close(outcome="traffic restored", **s),
            "correct_casualties": lambda i, s: i.correct_casualties(
                injured=(i.injured or 0) + 1 + variant,
                dead=(i.dead or 0) + variant % 2,
                reason="hospital list",
                **s,
            ),
            "correct_mass_incident_facts": crowd,
        }

    def check(self) -> None:
        i: Incident = self.case
        ranks = [ReportingLevel(r["level"]).rank for r in i.reported_to]
        assert ranks == sorted(set(ranks)), "reporting levels only rise"
        assert i.fatal == bool(i.dead)
        if i.status == IncidentStatus.HANDLED:
            assert i.handling
        if i.status == IncidentStatus.CLOSED:
            assert i.reported_to and i.handling and i.outcome
            assert i.closed_at >= i.handling[-1]["at"]
            self.closed_once = True
        assert not self.closed_once or i.status == IncidentStatus.CLOSED, "a closed incident stays closed"


test_incident_commands_keep_the_invariants = machine_test(IncidentMachine)

# -- petitions --------------------------------------------------------------------------------

TERMINAL = {Status.NOT_ACCEPTED, Status.DIVERTED, Status.CONCLUDED}
ANONYMOUS = {"name": "a villager"}


class PetitionMachine(CaseMachine):
    actor = "chen-jing"
    ending = frozenset({"divert", "accept_opinion", "conclude", "decide_re_review"})

    @initialize(
        type=st.sampled_from(list(PetitionType)),
        identified=st.booleans(),
        group=st.booleans(),
        channel=st.sampled_from([Channel.LETTER, Channel.VISIT, Channel.ONLINE]),
    )
    def register(self, type: PetitionType, identified: bool, group: bool, channel: Channel) -> None:
        self.now = T0
        self.started(
            Petition.register(
                node="anping.dongxi.qiaotou",
                node_kind=NodeKind.VILLAGE,
                channel=channel,
                type=type,
                petitioner=ZHANG if identified or type == PetitionType.COMPLAINT else ANONYMOUS,
                content="The road money was never paid to our group.",
                matter="Road compensation",
                people_count=6 if group else 1,
                representatives=[{"name": "Rep 1"}] if group else [],
                accused_person_id="li-ming" if type == PetitionType.ACCUSATION else None,
                reached_level=Level.VILLAGE,
                **self.stamp("qian-dong"),
            )
        )
        self.terminal: Status | None = None

    def calls(self, variant: int) -> dict[str, Call]:
        decisions = list(AcceptanceDecision)
        opinions = list(Opinion)
        body = f"anping.body{self.steps}"  # a body that has not objected to this petition

        def reasoned(call: str) -> Call:
            return lambda p, s: getattr(p, call)(
                outcome=opinions[variant % 3], facts="paid in 2019", legal_basis="Art. 48", body="c", **s
            )

        return {
            "name_representative": lambda p, s: p.name_representative(representative={"name": "Rep"}, **s),
            "route": lambda p, s: p.route(to_node=body, to_level=Level.TOWNSHIP, **s),
            "assign": lambda p, s: p.assign(
                office="county petitions office",
                to_node=body,
                to_level=Level.TOWNSHIP,
                reporter="chen-jing",
                report_within_days=5,
                most_days=15,
                **s,
            ),
            "report_assignment_result": lambda p, s: p.report_assignment_result(result="paid", **s),
            "decide_acceptance": lambda p, s: p.decide_acceptance(
                decision=decisions[variant % 3],
                reason="not ours",
                objection_window_closes=s["effective_at"] + timedelta(days=1),
                **s,
            ),
            "divert": lambda p, s: p.divert(
                procedure=LegalProcedure.LITIGATION, body="Anping court", reason="a contract claim", **s
            ),
            "extend_handling": lambda p, s: p.extend_handling(
                days=30, reason="site survey", most_days=30, handling_due=None, **s
            ),
            "give_opinion": lambda p, s: p.give_opinion(
                outcome=opinions[variant % 3], facts="paid in 2019", legal_basis="Art. 48", **s
            ),
            "start_hearing": lambda p, s: p.start_hearing(body="t", **s),
            "end_hearing": lambda p, s: p.end_hearing(summary="both sides heard", **s),
            "deliver_answer": lambda p, s: p.deliver_answer(
                method=DeliveryMethod.BY_HAND, recipient="Zhang San", received_at=s["effective_at"], **s
            ),
            "request_review": lambda p, s: p.request_review(grounds="forged", window_closes=None, **s),
            "decide_review": reasoned("decide_review"),
            "request_re_review": lambda p, s: p.request_re_review(grounds="still", window_closes=None, **s),
            "decide_re_review": reasoned("decide_re_review"),
            "accept_opinion": lambda p, s: p.accept_opinion(**s),
            "conclude": lambda p, s: p.conclude(window_closes=s["effective_at"] - timedelta(seconds=1), **s),
        }

    def check(self) -> None:
        p: Petition = self.case
        assert p.status_log[-1]["status"] == p.status and p.status_log[-1]["at"] == p.status_since
        times = [entry["at"] for entry in p.status_log]
        assert times == sorted(times), "the status log is in time order"
        assert len(p.representatives) <= MAX_REPRESENTATIVES
        assert sum(h["ended_at"] is None for h in p.hearings) <= 1, "one hearing at a time"
        if p.hearing is not None:
            assert p.status in HEARING_STAGE
        assert (p.conclusion is not None) == (p.status == Status.CONCLUDED)
        if p.anonymous:
            assert p.review_request is None and p.re_review_request is None
        if p.status in TERMINAL:
            self.terminal = self.terminal or p.status
        assert self.terminal is None or p.status == self.terminal, "a terminal state is never left"


test_petition_commands_keep_the_invariants = machine_test(PetitionMachine)

# -- patrol routes and shifts -----------------------------------------------------------------

POINTS = [{"code": "a", "name": "Bridge"}, {"code": "b", "name": "Well"}, {"code": "c", "name": "School"}]


class RouteMachine(CaseMachine):
    elsewhere = frozenset({"schedule_shift"})  # the shift is an aggregate of its own
    ending = frozenset({"retire"})

    @initialize()
    def establish(self) -> None:
        self.now = T0
        self.started(
            Route.establish(node="anping.dongxi.qiaotou", name="River", checkpoints=POINTS, **self.stamp())
        )

    def calls(self, variant: int) -> dict[str, Call]:
        def revise(r: Route, s: dict[str, Any]) -> None:
            r.revise(
                checkpoints=POINTS[: 1 + (r.revision + variant) % 3]
                + [{"code": f"x{r.revision}", "name": "New"}],
                **s,
            )

        def shift(r: Route, s: dict[str, Any]) -> None:
            start = s["effective_at"] + timedelta(days=1)
            Shift.schedule(
                route=r,
                leader="li-ming",
                members=["wang-fang"],
                planned_start=start,
                planned_end=start + timedelta(hours=2),
                **s,
            )

        team = [["wang-fang"], ["wang-fang", "zhao-lei"]][variant % 2]
        return {
            "revise": revise,
            "retire": lambda r, s: r.retire(reason="road closed", **s),
            "schedule_shift": shift,
            "assign_team": lambda r, s: r.assign_team(
                leader="li-ming",
                members=team if r.team is None or r.team["members"] != team else team[:1] + ["sun-li"],
                **s,
            ),
            "start_schedule": lambda r, s: r.start_schedule(
                level=CadenceLevel.VILLAGE,
                first_start=s["effective_at"] + timedelta(hours=1),
                shift_minutes=120,
                **s,
            ),
            "stop_schedule": lambda r, s: r.stop_schedule(reason="harvest", **s),
        }

    def check(self) -> None:
        r: Route = self.case
        assert sum(s["stopped_at"] is None for s in r.schedules) <= 1, "one schedule runs at a time"
        assert [s["schedule"] for s in r.schedules] == list(range(1, len(r.schedules) + 1))
        if r.status == RouteStatus.RETIRED:
            assert r.schedule is None and not r.allowed_actions()
        assert r.revision >= 1 and r.checkpoints


test_route_commands_keep_the_invariants = machine_test(RouteMachine)

TEAM = ["li-ming", "wang-fang"]
SHIFT_TERMINAL = {ShiftStatus.CLOSED, ShiftStatus.MISSED, ShiftStatus.CANCELLED}


class ShiftMachine(CaseMachine):
    ending = frozenset({"cancel", "record_shift_missed", "close"})
    exact = False  # what a shift accepts depends on who acts; allowed_actions is what some member may do
    gaps = st.sampled_from(
        [timedelta(minutes=5), timedelta(minutes=20), timedelta(hours=1), timedelta(hours=3)]
    )

    def actors(self) -> list[str]:
        return [*TEAM, "sun-li"]  # sun-li is not on the team

    def offered(self) -> frozenset[str]:
        return self.case.allowed_actions(self.now)

    @initialize(lead=st.sampled_from([timedelta(minutes=30), timedelta(hours=6), timedelta(days=3)]))
    def schedule(self, lead: timedelta) -> None:
        self.now = T0
        route = Route.establish(
            node="anping.dongxi.qiaotou", name="River", checkpoints=POINTS, **self.stamp()
        )
        start = T0 + lead
        self.started(
            Shift.schedule(
                route=route,
                leader=TEAM[0],
                members=TEAM[1:],
                planned_start=start,
                planned_end=start + timedelta(hours=4),
                **self.stamp(),
            )
        )
        self.terminal: ShiftStatus | None = None

    def calls(self, variant: int) -> dict[str, Call]:
        point = POINTS[variant % 3]["code"]
        return {
            "sign_in_at_start": lambda sh, s: sh.sign_in_at_start(**s),
            "sign_in_at_checkpoint": lambda sh, s: sh.sign_in_at_checkpoint(checkpoint=point, **s),
            "sign_in_at_end": lambda sh, s: sh.sign_in_at_end(**s),
            "record_checkpoint_missed": lambda sh, s: sh.record_checkpoint_missed(
                checkpoint=point, reason="bridge flooded", **s
            ),
            "report_finding": lambda sh, s: sh.report_finding(
                kind="dispute", case_id=f"case-{s['command_id']}", summary="a quarrel", checkpoint=point, **s
            ),
            "close": lambda sh, s: sh.close(notes="quiet", **s),
            "record_shift_missed": lambda sh, s: sh.record_missed(reason="nobody came", **s),
            "cancel": lambda sh, s: sh.cancel(reason="storm warning", **s),
        }

    def check(self) -> None:
        sh: Shift = self.case
        codes = sh.checkpoint_codes()
        assert not set(sh.signed) & set(sh.missed), "a checkpoint is signed or missed, not both"
        assert set(sh.present) <= set(sh.team()) and set(sh.signed_out) <= set(sh.present)
        if sh.status == ShiftStatus.OPEN:
            assert sh.started_at is not None and sh.present
        if sh.status == ShiftStatus.CLOSED:
            assert set(sh.signed) | set(sh.missed) == set(codes), (
                "a closed shift accounts for every checkpoint"
            )
            assert sh.record is not None and sh.record["checkpoints_scheduled"] == codes
        if sh.status in SHIFT_TERMINAL:
            self.terminal = self.terminal or sh.status
            assert sh.ended_at is not None
        assert self.terminal is None or sh.status == self.terminal, "a terminal state is never left"


test_shift_commands_keep_the_invariants = machine_test(ShiftMachine)

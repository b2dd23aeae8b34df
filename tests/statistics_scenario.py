"""A scripted quarter (and a little of April) in two townships: disputes, petitions, incidents,
patrols and clocks in Qiaotou and Shangba (Dongxi) and in Hetou (Xishan), every step on a
fixed business day, so that the statistics can be counted by hand (tests/test_node_statistics.py
says what each case gives)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from domain.disputes.dispute import AgreementForm, Category, ReferralRoute, Remedy, SessionOutcome, Severity
from domain.incidents.incident import Kind, Offence
from domain.petitions.petition import AcceptanceDecision, Channel, Level, Opinion, PetitionType
from domain.time.calendar import CHINA
from infra.bootstrap import System
from service.store import CommandMeta
from tests.petition_dsl import id_number
from tests.support import pass_grid_deadline, person

COUNTY, DONGXI, XISHAN = "anping", "anping.dongxi", "anping.xishan"
QIAOTOU, SHANGBA, HETOU = f"{DONGXI}.qiaotou", f"{DONGXI}.shangba", f"{XISHAN}.hetou"
Q_G1, Q_G2, S_G1, H_G1 = f"{QIAOTOU}.g1", f"{QIAOTOU}.g2", f"{SHANGBA}.g1", f"{HETOU}.g1"
NOW = datetime(2026, 4, 20, 12, 0, tzinfo=CHINA)
POINTS = [{"code": f"C{i}", "name": f"Checkpoint {i}"} for i in (1, 2, 3)]


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> CommandMeta:
    return CommandMeta(effective_at=datetime(2026, month, day, hour, minute, tzinfo=CHINA))


class Quarter:
    def __init__(self, system: System) -> None:
        self.system = system
        self.cb = system.casebook
        self.keeper = system.casebook.keepers["dispute"]
        self.ids: dict[str, UUID] = {}

    def run(self) -> Quarter:
        self.disputes_in_qiaotou()
        self.disputes_in_shangba_and_hetou()
        self.petitions()
        self.incidents()
        self.patrols()
        return self

    # -- disputes -------------------------------------------------------------------------------

    def report(
        self,
        name: str,
        role: str,
        meta: CommandMeta,
        category: Category,
        severity: Severity,
        grid: str | None = None,
        village: str | None = None,
    ) -> UUID:
        dispute = self.cb.disputes.report(
            person(role),
            grid=grid,
            village=village,
            parties=[{"name": "A"}, {"name": "B"}],
            category=category,
            severity=severity,
            description=f"case {name}",
            occurred_at=meta.effective_at,
            meta=meta,
        )
        self.ids[name] = dispute.id
        return dispute.id

    def disputes_in_qiaotou(self) -> None:
        d, grid, mediator = self.cb.disputes, person("grid_member"), person("mediator")
        q1 = self.report("Q1", "grid_member", at(1, 5, 9), Category.LABOUR, Severity.GENERAL, grid=Q_G1)
        self.keeper.sync(q1, 0)
        d.hold_mediation_session(grid, q1, outcome=SessionOutcome.ADJOURNED, meta=at(1, 5, 10))
        d.reach_agreement(grid, q1, form=AgreementForm.ORAL, terms="wages paid", meta=at(1, 5, 15))
        self.keeper.sync(q1, 0)
        d.make_follow_up_visit(mediator, q1, performance="fully", satisfaction="satisfied", meta=at(1, 15))
        self.keeper.sync(q1, 0)
        d.close(mediator, q1, reason="kept", meta=at(1, 16))

        q2 = self.report("Q2", "mediator", at(1, 10), Category.NEIGHBOURHOOD, Severity.MINOR, grid=Q_G2)
        d.escalate(mediator, q2, reason="for the committee", meta=at(1, 10, 11))
        d.accept(mediator, q2, meta=at(1, 11))
        d.hold_mediation_session(mediator, q2, outcome=SessionOutcome.FAILED, meta=at(1, 15))
        d.close(mediator, q2, reason="failed", remedies_told=[Remedy.LITIGATION], meta=at(1, 16))
        d.reopen(mediator, q2, reason="both came back", meta=at(2, 10))
        d.accept(mediator, q2, meta=at(2, 11))
        d.reach_agreement(mediator, q2, form=AgreementForm.ORAL, terms="fence moved", meta=at(2, 12))

        q3 = self.report("Q3", "grid_member", at(2, 3, 9), Category.FAMILY, Severity.MAJOR, grid=Q_G1)
        d.escalate(mediator, q3, reason="too big for the grid", meta=at(2, 3))
        d.escalate(mediator, q3, reason="too big for the village", meta=at(2, 4))
        d.refer_out(
            person("township"), q3, route=ReferralRoute.LITIGATION, body="Anping court", meta=at(2, 20)
        )

        q4 = self.report("Q4", "grid_member", at(3, 2, 9), Category.LABOUR, Severity.GENERAL, grid=Q_G1)
        d.convert_to_criminal_case(mediator, q4, police_reference="AP-2026-31", meta=at(3, 10))

        q5 = self.report("Q5", "grid_member", at(3, 20, 9), Category.NEIGHBOURHOOD, Severity.MINOR, grid=Q_G1)
        pass_grid_deadline(self.system, q5)

        q6 = self.report("Q6", "mediator", at(2, 25), Category.LABOUR, Severity.GENERAL, village=QIAOTOU)
        d.mark_duplicate(mediator, q6, original_id=q3, meta=at(3, 1))

    def disputes_in_shangba_and_hetou(self) -> None:
        d, zhao, yan = self.cb.disputes, person("foreign_grid_member"), person("foreign_township_mediator")
        s1 = self.report(
            "S1", "foreign_grid_member", at(2, 8, 9), Category.TRAFFIC_ACCIDENT, Severity.MINOR, grid=S_G1
        )
        d.reach_agreement(zhao, s1, form=AgreementForm.ORAL, terms="repairs paid", meta=at(2, 8, 12))
        d.make_follow_up_visit(
            zhao, s1, performance="fully", satisfaction="basically_satisfied", meta=at(2, 20)
        )

        h1 = self.report(
            "H1", "foreign_township_mediator", at(1, 12, 9), Category.NEIGHBOURHOOD, Severity.MINOR, grid=H_G1
        )
        d.hold_mediation_session(yan, h1, outcome=SessionOutcome.FAILED, meta=at(1, 12))
        d.escalate(yan, h1, reason="the committee", meta=at(1, 13))
        d.accept(yan, h1, meta=at(1, 13, 11))
        d.hold_mediation_session(yan, h1, outcome=SessionOutcome.ADJOURNED, meta=at(1, 20))
        d.reach_agreement(yan, h1, form=AgreementForm.ORAL, terms="path shared", meta=at(1, 22))
        d.make_follow_up_visit(yan, h1, performance="partly", satisfaction="dissatisfied", meta=at(2, 5))

        h2 = self.report(
            "H2",
            "foreign_township_mediator",
            at(2, 14, 9),
            Category.ENVIRONMENTAL_POLLUTION,
            Severity.MAJOR,
            village=HETOU,
        )
        d.escalate(yan, h2, reason="the factory is the township's", meta=at(2, 15))

        h3 = self.report(
            "H3", "foreign_township_mediator", at(4, 1, 9), Category.LABOUR, Severity.GENERAL, grid=H_G1
        )
        d.hold_mediation_session(yan, h3, outcome=SessionOutcome.FAILED, meta=at(4, 2))
        d.close(yan, h3, reason="failed", remedies_told=[Remedy.ARBITRATION], meta=at(4, 3))

    # -- petitions, with their clocks kept by hand (their keeper is other work) -----------------------

    def petitions(self) -> None:
        p, agent, township = self.cb.petitions, person("petition_agent"), person("township")
        zhang = {"name": "Zhang San", "id_number": id_number(501)}
        facts: dict[str, Any] = {
            "type": PetitionType.COMPLAINT,
            "content": "road money",
            "matter": "Road money",
        }
        p1 = p.register(
            agent, node=QIAOTOU, channel=Channel.VIA_AGENT, petitioner=zhang, meta=at(2, 2), **facts
        ).id
        self.clock("petition", p1, "petition.acceptance_notice", QIAOTOU, at(2, 2), stop=at(2, 9))
        p.route(agent, p1, to_node=DONGXI, meta=at(2, 3))
        p.decide_acceptance(township, p1, decision=AcceptanceDecision.ACCEPTED, meta=at(2, 9))
        self.clock("petition", p1, "petition.handling", DONGXI, at(2, 9), stop=at(3, 20))
        p3 = p.register(
            agent, node=QIAOTOU, channel=Channel.VIA_AGENT, petitioner=zhang, meta=at(3, 5), **facts
        ).id
        self.clock("petition", p3, "petition.acceptance_notice", QIAOTOU, at(3, 5), stop=at(3, 25))
        p.give_handling_opinion(
            township, p1, outcome=Opinion.EXPLAIN, facts="paid in 2019", legal_basis="Art. 48", meta=at(3, 18)
        )
        p.accept_opinion(agent, p1, meta=at(3, 20))

        group = {"name": "Wu Da", "id_number": id_number(502)}
        p2 = p.register(
            person("foreign_township"),
            node=HETOU,
            channel=Channel.VISIT,
            petitioner=group,
            people_count=6,
            representatives=[group, {"name": "Wu Er"}],
            reached_level=Level.COUNTY,
            meta=at(2, 16),
            type=PetitionType.COMPLAINT,
            content="dust",
            matter="Factory dust",
        ).id
        self.clock("petition", p2, "petition.acceptance_notice", XISHAN, at(2, 16), miss=True)
        p4 = p.register(
            township,
            node=DONGXI,
            channel=Channel.LETTER,
            petitioner={"name": "Li", "id_number": id_number(503)},
            reached_level=Level.PROVINCE,
            meta=at(4, 2),
            type=PetitionType.SUGGESTION,
            content="a bridge",
            matter="Bridge",
        )
        self.ids.update(P1=p1, P2=p2, P3=p3, P4=p4.id)

    def clock(
        self,
        kind: str,
        case: UUID,
        name: str,
        node: str,
        start: CommandMeta,
        stop: CommandMeta | None = None,
        miss: bool = False,
    ) -> None:
        desk = self.cb.deadlines
        started = desk.start(kind, case, clock=name, node=node, attributes={}, started_at=start.effective_at)
        if stop is not None:
            desk.stop(kind, case, key=started.key, outcome="met", at=stop.effective_at)
        if miss:
            desk.miss(kind, case, key=started.key, consequence="late", at=started.due_at)
            self.due = started.due_at

    # -- incidents and patrols ------------------------------------------------------------------------

    def incidents(self) -> None:
        i = self.cb.incidents
        for role, place, kind, meta, extra in (
            ("grid_member", {"grid": Q_G1}, Kind.FIRE, at(2, 8), {}),
            (
                "foreign_township",
                {"village": HETOU},
                Kind.SAFETY_ACCIDENT,
                at(3, 12),
                {"injured": 1, "dead": 0},
            ),
            (
                "village_staff",
                {"grid": Q_G2},
                Kind.PUBLIC_SECURITY_CASE,
                at(3, 15),
                {"offence": Offence.ADMINISTRATIVE},
            ),
        ):
            i.report(
                person(role),
                kind=kind,
                description="it happened",
                location="here",
                occurred_at=meta.effective_at,
                meta=meta,
                **place,
                **extra,
            )

    def patrols(self) -> None:
        pd, leader, member = self.cb.patrols, person("patrol_leader"), person("patrol_member")
        route = pd.establish_route(
            leader, node=QIAOTOU, name="River loop", checkpoints=POINTS, meta=at(1, 2)
        ).id

        def shift(scheduled: CommandMeta, month: int, day: int, hour: int) -> UUID:
            start = datetime(2026, month, day, hour, tzinfo=CHINA)
            return pd.schedule_shift(
                leader,
                route_id=route,
                leader=leader,
                members=[member],
                planned_start=start,
                planned_end=start.replace(hour=hour + 3),
                meta=scheduled,
            ).id

        walked = shift(at(1, 10), 1, 20, 20)
        pd.sign_in_at_start(leader, walked, meta=at(1, 20, 20))
        pd.sign_in_at_start(member, walked, meta=at(1, 20, 20, 5))
        for who, point, minute in ((leader, "C1", 30), (member, "C1", 31), (leader, "C2", 50)):
            pd.sign_in_at_checkpoint(who, walked, checkpoint=point, meta=at(1, 20, 20, minute))
        for who in (leader, member):
            pd.sign_in_at_end(who, walked, meta=at(1, 20, 22, 50))
        pd.close_shift(leader, walked, notes="C3 flooded", meta=at(1, 20, 22, 55))

        nobody = shift(at(2, 1), 2, 10, 20)
        pd.miss_shift(leader, nobody, reason="all at a fire", meta=at(2, 10, 23, 30))
        called_off = shift(at(2, 1), 2, 20, 20)
        pd.cancel_shift(leader, called_off, reason="typhoon", meta=at(2, 15))

        full = shift(at(3, 1), 3, 5, 8)
        pd.sign_in_at_start(leader, full, meta=at(3, 5, 8))
        for minute, point in ((20, "C1"), (40, "C2"), (59, "C3")):
            pd.sign_in_at_checkpoint(leader, full, checkpoint=point, meta=at(3, 5, 8, minute))
        pd.sign_in_at_end(leader, full, meta=at(3, 5, 10, 30))
        pd.close_shift(leader, full, meta=at(3, 5, 10, 40))

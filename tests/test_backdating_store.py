"""A person's command dated in the past: limited by kind, given a reason, kept on the receipt, and
checked against the posts the person held then (service/store.py, domain/time/backdating.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest
from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import StoredEvent

from domain.directory.access import Post, Right
from domain.errors import AccessDenied, InvalidValue
from domain.receipts import CommandReceipt, receipt_id
from infra.bootstrap import System
from service.store import CommandMeta
from tests.support import GRID, VILLAGE, Clock, person, report_fence

REASON = "the grid's network was down; entered when it came back"


def backdated(ago: timedelta, clock: Clock, reason: str | None = None, **more: object) -> CommandMeta:
    return CommandMeta(
        command_id=f"c-{uuid4().hex}",
        effective_at=clock() - ago,
        late_reason=reason,
        from_person=True,
        **more,  # type: ignore[arg-type]
    )


def report(system: System, meta: CommandMeta, actor: str | None = None):
    return system.casebook.disputes.report(
        actor or person("grid_member"),
        grid=GRID,
        parties=[{"name": "张三"}, {"name": "李四"}],
        category="neighbourhood",
        severity="minor",
        description="fence moved",
        occurred_at=(meta.effective_at or system.casebook.clock()) - timedelta(hours=1),
        meta=meta,
    )


def receipt(system: System, actor: str, meta: CommandMeta) -> CommandReceipt | None:
    try:
        return system.casebook.repository.get(receipt_id(actor, meta.command_id or ""))
    except AggregateNotFoundError:
        return None


def disputes(system: System) -> int:
    """How many events the store has recorded (any kind): a refused command records none."""
    return system.casebook.recorder.max_notification_id() or 0


def test_a_report_dated_two_days_back_without_a_reason_is_refused_and_nothing_recorded(
    system: System, clock: Clock
):
    before = disputes(system)
    meta = backdated(timedelta(days=2), clock)
    with pytest.raises(InvalidValue) as refused:
        report(system, meta)
    assert refused.value.field == "late_reason"
    assert disputes(system) == before
    assert receipt(system, person("grid_member"), meta) is None


def test_with_a_reason_it_is_accepted_and_the_reason_kept_on_the_receipt(system: System, clock: Clock):
    meta = backdated(timedelta(days=2), clock, REASON)
    dispute = report(system, meta)
    assert dispute.reported_at == meta.effective_at
    kept = receipt(system, person("grid_member"), meta)
    assert kept is not None and kept.late_reason == REASON


def test_within_the_grace_no_reason_is_asked_and_none_kept(system: System, clock: Clock):
    for reason in (None, "no reason needed"):
        meta = backdated(timedelta(minutes=50), clock, reason)
        report(system, meta)
        kept = receipt(system, person("grid_member"), meta)
        assert kept is not None and kept.late_reason is None


def test_beyond_the_window_it_is_refused_even_with_a_reason(system: System, clock: Clock):
    before = disputes(system)
    with pytest.raises(InvalidValue) as refused:
        report(system, backdated(timedelta(days=8), clock, REASON))
    assert refused.value.field == "effective_at"
    assert "at most 7 days in the past for report dispute" in refused.value.reason
    assert disputes(system) == before


def test_a_command_on_a_case_is_limited_too_and_refused_before_anything_is_recorded(
    system: System, clock: Clock
):
    dispute = report_fence(system, ago=timedelta(days=1))
    clock.advance(timedelta(days=9))
    with pytest.raises(InvalidValue) as refused:
        system.casebook.disputes.accept(
            person("mediator"), dispute.id, meta=backdated(timedelta(days=8), clock, REASON)
        )
    assert refused.value.field == "effective_at"
    assert system.casebook.disputes.get(person("auditor"), dispute.id).version == dispute.version
    accepted = system.casebook.disputes.accept(
        person("mediator"), dispute.id, meta=backdated(timedelta(days=6), clock, REASON)
    )
    assert accepted.version == dispute.version + 1


def test_the_systems_own_commands_and_internal_calls_are_not_limited(system: System, clock: Clock):
    internal = CommandMeta(command_id="c-internal", effective_at=clock() - timedelta(days=30))
    assert not internal.from_person
    report(system, internal)  # a file loaded, a bench, a workflow's call: not a person's command
    as_system = backdated(timedelta(days=30), clock)
    assert system.casebook.business_time("system:deadline", as_system) is None
    assert system.casebook.business_time(person("grid_member"), as_system) == as_system.effective_at


def test_a_post_taken_three_days_ago_does_not_cover_a_report_dated_five_days_ago(
    system: System, clock: Clock
):
    township = person("township")
    system.casebook.directory.register_person(
        township, person_id="new-gm", name="新网格员", phone=None, node=GRID
    )
    system.casebook.directory.take_post(township, person_id="new-gm", post=Post.GRID_MEMBER, node=GRID)
    clock.advance(timedelta(days=3))
    before = disputes(system)
    with pytest.raises(AccessDenied) as refused:
        report(system, backdated(timedelta(days=5), clock, REASON), actor="new-gm")
    assert refused.value.right == Right.REPORT_DISPUTE
    assert "when the command is dated" in refused.value.message
    assert disputes(system) == before
    report(system, backdated(timedelta(days=2), clock, REASON), actor="new-gm")  # held then
    assert disputes(system) > before


def test_a_command_on_a_case_asks_for_the_post_held_at_its_business_time(system: System, clock: Clock):
    township = person("township")
    dispute = report(system, backdated(timedelta(days=4), clock, REASON))
    system.casebook.directory.register_person(
        township, person_id="new-med", name="新调解员", phone=None, node=VILLAGE
    )
    system.casebook.directory.take_post(township, person_id="new-med", post=Post.MEDIATOR, node=VILLAGE)
    clock.advance(timedelta(days=3))
    with pytest.raises(AccessDenied) as refused:  # after the report, within the window, before the post
        system.casebook.disputes.accept(
            "new-med", dispute.id, meta=backdated(timedelta(days=5), clock, REASON)
        )
    assert refused.value.right == Right.ACCEPT_DISPUTE
    assert "when the command is dated" in refused.value.message
    assert system.casebook.disputes.get(person("auditor"), dispute.id).version == dispute.version
    accepted = system.casebook.disputes.accept(
        "new-med", dispute.id, meta=backdated(timedelta(days=2), clock, REASON)
    )
    assert accepted.version == dispute.version + 1


def test_a_post_granted_is_dated_at_most_a_day_back(system: System, clock: Clock):
    township = person("township")
    system.casebook.directory.register_person(
        township, person_id="new-gm", name="新网格员", phone=None, node=GRID
    )
    with pytest.raises(InvalidValue) as refused:
        system.casebook.directory.take_post(
            township,
            person_id="new-gm",
            post=Post.GRID_MEMBER,
            node=GRID,
            meta=backdated(timedelta(days=2), clock, REASON),
        )
    assert refused.value.field == "effective_at"
    assert "at most 1 day in the past for take post" in refused.value.reason
    system.casebook.directory.take_post(
        township,
        person_id="new-gm",
        post=Post.GRID_MEMBER,
        node=GRID,
        meta=backdated(timedelta(hours=20), clock, REASON),
    )


def test_a_receipt_recorded_before_version_4_reads_with_no_late_reason(system: System):
    encode = system.casebook.mapper.transcoder.encode
    at = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)
    key = receipt_id("wang-fang", "old-command")
    state = {
        "timestamp": at,
        "originator_topic": CommandReceipt.TOPIC,
        "class_version": 3,
        "command_id": "old-command",
        "action": "report_dispute",
        "stream_id": str(uuid4()),
        "trace": "",
        "sender": "wang-fang",
        "digest": "",
    }
    system.casebook.recorder.insert_events(
        [StoredEvent(key, 1, CommandReceipt.Recorded.TOPIC, encode(state))]
    )
    old = system.casebook.repository.get(key)
    assert isinstance(old, CommandReceipt) and old.late_reason is None and old.action == "report_dispute"


TOWNSHIP = "anping.dongxi"


def _incident(system: System, actor: str, meta: CommandMeta) -> object:
    from domain.incidents.incident import Kind

    return system.casebook.incidents.report(
        actor,
        grid=GRID,
        kind=Kind.FIRE,
        description="barn on fire",
        location="Li's barn",
        occurred_at=(meta.effective_at or system.casebook.clock()) - timedelta(hours=1),
        meta=meta,
    )


def _petition(system: System, actor: str, meta: CommandMeta) -> object:
    from domain.petitions.petition import Channel, PetitionType
    from tests.petition_dsl import ZHANG

    return system.casebook.petitions.register(
        actor,
        node=VILLAGE,
        channel=Channel.LETTER,
        type=PetitionType.COMPLAINT,
        petitioner=ZHANG,
        content="The road money.",
        matter="road compensation",
        meta=meta,
    )


def _route(system: System, actor: str, meta: CommandMeta) -> object:
    return system.casebook.patrols.establish_route(
        actor, node=VILLAGE, name="River loop", checkpoints=[{"code": "C1", "name": "Bridge"}], meta=meta
    )


def _rename(system: System, actor: str, meta: CommandMeta) -> object:
    return system.casebook.directory.rename_node(actor, code=VILLAGE, name="新桥头", meta=meta)


@pytest.mark.parametrize(
    ("post", "node", "command", "right"),
    [
        (Post.GRID_MEMBER, GRID, _incident, Right.REPORT_INCIDENT),
        (Post.PETITION_AGENT, VILLAGE, _petition, Right.REGISTER_PETITION),
        (Post.PATROL_LEADER, VILLAGE, _route, Right.LEAD_PATROL),
        (Post.WORKSTATION_STAFF, TOWNSHIP, _rename, Right.MANAGE_DIRECTORY),
    ],
    ids=["incident", "petition", "patrol route", "directory"],
)
def test_every_desk_asks_for_the_post_held_at_the_business_time(
    system: System, clock: Clock, post: Post, node: str, command, right: Right
):
    township = person("township")
    system.casebook.directory.register_person(
        township, person_id="newcomer", name="新人", phone=None, node=node
    )
    system.casebook.directory.take_post(township, person_id="newcomer", post=post, node=node)
    clock.advance(timedelta(days=3))
    before = disputes(system)
    with pytest.raises(AccessDenied) as refused:
        command(system, "newcomer", backdated(timedelta(days=5), clock, REASON))
    assert refused.value.right == right
    assert "when the command is dated" in refused.value.message
    assert disputes(system) == before
    command(system, "newcomer", backdated(timedelta(days=2), clock, REASON))  # held the post then
    assert disputes(system) > before


def test_a_patrol_sign_in_is_dated_at_most_a_day_back(system: System, clock: Clock):
    from tests.test_patrol_app import establish, schedule

    start = clock()
    shift = schedule(system, establish(system))  # planned from now for four hours
    clock.advance(timedelta(hours=20))
    shift = system.casebook.patrols.sign_in_at_start(
        person("patrol_leader"),
        shift.id,
        meta=CommandMeta(effective_at=start + timedelta(hours=1), late_reason=REASON, from_person=True),
    )
    clock.advance(timedelta(days=1))
    before = disputes(system)
    with pytest.raises(InvalidValue) as refused:
        system.casebook.patrols.sign_in_at_start(
            person("patrol_member"),
            shift.id,
            meta=CommandMeta(effective_at=start + timedelta(hours=2), late_reason=REASON, from_person=True),
        )
    assert refused.value.field == "effective_at"
    assert "at most 1 day in the past for sign in at start" in refused.value.reason
    assert disputes(system) == before

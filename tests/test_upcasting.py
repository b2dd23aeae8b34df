"""Records written by earlier releases (Reported and Closed, DueDateRecomputed, at class
version 1) are read as today's events: the store is never rewritten, old records are upcast on the way in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from uuid import uuid4

from eventsourcing.persistence import StoredEvent

from domain.disputes.dispute import AgreementForm, Dispute, Level, Source, Status
from domain.petitions.petition import Status as PetitionStatus
from domain.time.calendar import CHINA, Unit
from domain.time.clocks import CaseClocks, clocks_id
from domain.time.explain import explain
from domain.time.policy import InProgress, Rule
from infra.bootstrap import System
from projections.runner import ProjectionRunner
from tests.support import GRID, VILLAGE, Clock, person, shipped_rules
from tests.test_dispute_workflow import report
from tests.test_petition_clocks import petition_at

AT = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)


def v1_records(system: System) -> tuple:
    """The two records exactly as the walking skeleton stored them."""
    dispute_id = uuid4()
    encode = system.casebook.mapper.transcoder.encode
    reported = {
        "timestamp": AT,
        "originator_topic": "fengqiao.dispute:Dispute",
        "actor": "wang-fang",
        "effective_at": AT,
        "command_id": "c-1",
        "village": VILLAGE,
        "grid": GRID,
        "parties": [{"name": "Zhang San"}, {"name": "Li Si"}],
        "category": "neighbourhood",
        "severity": "minor",
        "description": "fence moved",
        "occurred_at": AT,
    }
    agreed = {
        "timestamp": AT,
        "actor": "li-ming",
        "effective_at": AT,
        "command_id": "c-2",
        "level": "grid",
        "form": "oral",
        "terms": "fence back",
    }
    closed = {
        "timestamp": AT,
        "actor": "li-ming",
        "effective_at": AT,
        "command_id": "c-3",
        "with_agreement": True,
        "reason": "done",
    }
    return dispute_id, [
        StoredEvent(dispute_id, 1, "fengqiao.dispute:Reported", encode(reported)),
        StoredEvent(dispute_id, 2, "fengqiao.dispute:AgreementReached", encode(agreed)),
        StoredEvent(dispute_id, 3, "fengqiao.dispute:Closed", encode(closed)),
    ]


def test_a_version_1_report_and_closure_are_read_as_version_2_events(system: System):
    dispute_id, records = v1_records(system)
    assert b"class_version" not in records[0].state
    system.casebook.recorder.insert_events(records)

    dispute = system.casebook.disputes.get(person("auditor"), dispute_id)
    assert (dispute.source, dispute.source_ref, dispute.level) == (Source.UNRECORDED, None, Level.GRID)
    assert dispute.status == Status.CLOSED and dispute.closed_with_agreement
    _, history = system.casebook.disputes.with_history(person("auditor"), dispute_id)
    assert isinstance(history[0], Dispute.Reported) and history[0].source == "unrecorded"
    assert isinstance(history[-1], Dispute.Closed) and history[-1].remedies_told == []


def test_new_events_on_an_upcast_stream_are_written_at_the_new_version(system: System):
    dispute_id, records = v1_records(system)
    system.casebook.recorder.insert_events(records)
    system.casebook.disputes.reopen(person("mediator"), dispute_id, reason="the fence moved again")
    newest = system.casebook.recorder.select_events(dispute_id, desc=True, limit=1)[0]
    assert newest.topic == "fengqiao.dispute:Reopened"
    assert system.casebook.recorder.select_events(dispute_id, lte=1)[0].state == records[0].state


def test_the_statistics_projection_reads_version_1_records(system: System):
    _, records = v1_records(system)
    system.casebook.recorder.insert_events(records)
    runner = ProjectionRunner(system.reader, system.views, system.statistics)
    runner.setup()
    runner.catch_up()
    with system.views.reading() as cur:
        stats = system.statistics.village(cur, VILLAGE)
    assert (stats["reported"], stats["resolved_by_agreement"]) == (1, 1)


def test_a_version_1_recount_keeps_the_days_the_clock_had_and_takes_the_new_due_time(
    system: System, clock: Clock
):
    """DueDateRecomputed v1 did not say how the rule counted on the new calendar; v2 does."""
    clock.now = datetime(2026, 9, 22, 2, 0, tzinfo=UTC)
    dispute = report(system)
    system.casebook.disputes.escalate(person("mediator"), dispute.id, reason="beyond the grid")
    [village] = system.casebook.keepers["dispute"].sync(dispute.id, 0).clocks
    system.casebook.rulebook.adopt_policy(
        "system:operator",
        version="five-days",
        effective_from=clock.now,
        in_progress=InProgress.LATEST,
        rules=shipped_rules(Rule("dispute.village", 5, Unit.CALENDAR_DAYS)),
        reason="faster",
        source="t",
        authorise=False,
    )
    assert system.casebook.deadlines.recompute_open_clocks(reason="r", at=clock.now) == [
        ("dispute", str(dispute.id))
    ]

    transcoder = system.casebook.mapper.transcoder
    records = system.casebook.recorder.select_events(clocks_id("dispute", dispute.id))
    assert records[-1].topic == CaseClocks.DueDateRecomputed.TOPIC
    state = transcoder.decode(records[-1].state)
    assert state.pop("class_version") == 2
    for field in ("skipped", "rolled_forward", "unknown_years"):
        state.pop(field)
    copy = uuid4()
    system.casebook.recorder.insert_events(
        [replace(r, originator_id=copy) for r in records[:-1]]
        + [replace(records[-1], originator_id=copy, state=transcoder.encode(state))]
    )

    as_v1 = system.casebook.repository.get(copy).clock(village.key)
    as_v2 = system.casebook.deadlines.clocks("dispute", dispute.id).clock(village.key)
    assert as_v1.due_at == as_v2.due_at == datetime(2026, 9, 28, 23, 59, 59, tzinfo=CHINA)
    assert (as_v1.skipped, as_v1.rolled_forward, as_v1.unknown_years) == (
        village.skipped,
        village.rolled_forward,
        village.unknown_years,
    )  # what the clock had at its start
    assert village.skipped == [{"day": "2026-10-07", "why": "holiday"}]
    assert as_v2.skipped == [{"day": "2026-09-27", "why": "holiday"}]  # Mid-Autumn, rolled to Monday the 28th


def signed_by_name_records(system: System) -> tuple:
    """A dispute as the releases before party ids wrote it: two parties both named 张三 (a report
    at class version 2, parties by name only), a written agreement, signatures by name (class
    version 1) — each 张三 signed once — the committee's seal, and a refusal by name."""
    dispute_id, refused_id = uuid4(), uuid4()
    encode = system.casebook.mapper.transcoder.encode
    base = {"timestamp": AT, "effective_at": AT}

    def report(command_id: str) -> bytes:
        return encode(
            {
                **base,
                "class_version": 2,
                "originator_topic": "fengqiao.dispute:Dispute",
                "actor": "wang-fang",
                "command_id": command_id,
                "village": VILLAGE,
                "grid": GRID,
                "level": "grid",
                "parties": [{"name": "张三"}, {"name": "张三"}, {"name": "李四"}],
                "category": "neighbourhood",
                "severity": "minor",
                "description": "fence moved",
                "occurred_at": AT,
                "source": "grid_member",
                "source_ref": None,
            }
        )

    def step(command_id: str, **fields: object) -> bytes:
        return encode({**base, "actor": "li-ming", "command_id": command_id, **fields})

    return (
        dispute_id,
        refused_id,
        [
            StoredEvent(dispute_id, 1, "fengqiao.dispute:Reported", report("c-1")),
            StoredEvent(
                dispute_id,
                2,
                "fengqiao.dispute:AgreementReached",
                step("c-2", level="grid", form="written", terms="fence back"),
            ),
            StoredEvent(dispute_id, 3, "fengqiao.dispute:AgreementSigned", step("c-3", party="张三")),
            StoredEvent(dispute_id, 4, "fengqiao.dispute:AgreementSigned", step("c-4", party="李四")),
            StoredEvent(dispute_id, 5, "fengqiao.dispute:AgreementSigned", step("c-5", party="张三")),
            StoredEvent(dispute_id, 6, "fengqiao.dispute:AgreementSealed", step("c-6", committee=VILLAGE)),
            StoredEvent(refused_id, 1, "fengqiao.dispute:Reported", report("c-7")),
            StoredEvent(
                refused_id,
                2,
                "fengqiao.dispute:PartyRefusedMediation",
                step("c-8", level="grid", party="李四", reason="will sue"),
            ),
        ],
    )


def test_parties_known_by_name_are_given_ids_by_their_place_and_signatures_by_name_find_them(
    system: System,
):
    dispute_id, refused_id, records = signed_by_name_records(system)
    system.casebook.recorder.insert_events(records)

    dispute, history = system.casebook.disputes.with_history(person("auditor"), dispute_id)
    assert [(p["id"], p["name"]) for p in dispute.parties] == [("p1", "张三"), ("p2", "张三"), ("p3", "李四")]
    assert dispute.agreement["signed_by"] == ["p1", "p3", "p2"]  # each 张三 in turn
    assert dispute.agreement_in_effect_since == AT and dispute.is_resolved
    assert [e.party_id for e in history if isinstance(e, Dispute.AgreementSigned)] == [None] * 3
    refused = system.casebook.disputes.get(person("auditor"), refused_id)
    assert refused.status == Status.MEDIATION_FAILED
    _, refusal = system.casebook.disputes.with_history(person("auditor"), refused_id)
    assert (refusal[-1].party, refusal[-1].party_id) == ("李四", None)

    # What happens next is recorded by party id, at the new versions.
    system.casebook.disputes.reopen(person("mediator"), dispute_id, reason="the fence moved again")
    system.casebook.disputes.reach_agreement(
        person("mediator"), dispute_id, form=AgreementForm.WRITTEN, terms="fence back, again"
    )
    system.casebook.disputes.sign_agreement(person("mediator"), dispute_id, party="p2")
    newest = system.casebook.recorder.select_events(dispute_id, desc=True, limit=1)[0]
    state = system.casebook.mapper.transcoder.decode(newest.state)
    assert (state["class_version"], state["party"], state["party_id"]) == (2, "张三", "p2")


def test_an_extension_recorded_at_version_1_says_it_was_counted_on_from_the_due_date(
    system: System, clock: Clock
):
    """ClockExtended v1 counted the extension on from the limit's due date; v2 counts the limit and
    its extension as one period from the start and says how that period counted."""
    case, started = uuid4(), datetime(2026, 8, 3, 2, 0, tzinfo=UTC)
    desk = system.casebook.deadlines
    handling = desk.start(
        "petition", case, clock="petition.handling", node=VILLAGE, attributes={}, started_at=started
    )
    desk.extend(
        "petition",
        case,
        key=handling.key,
        amount=30,
        unit=Unit.CALENDAR_DAYS,
        reason="survey",
        approved_by="chen-jing",
        at=started,
        command_id="x",
    )
    transcoder = system.casebook.mapper.transcoder
    records = system.casebook.recorder.select_events(clocks_id("petition", case))
    assert records[-1].topic == CaseClocks.ClockExtended.TOPIC
    state = transcoder.decode(records[-1].state)
    assert state.pop("class_version") == 2
    for field in ("counted", "skipped", "rolled_forward", "unknown_years", "last_day"):
        state.pop(field)
    copy = uuid4()
    system.casebook.recorder.insert_events(
        [replace(r, originator_id=copy) for r in records[:-1]]
        + [replace(records[-1], originator_id=copy, state=transcoder.encode(state))]
    )
    as_v1 = system.casebook.repository.get(copy).clock(handling.key)
    as_v2 = desk.clocks("petition", case).clock(handling.key)
    assert as_v1.extension_counts == [
        {
            "counted": "from_previous_due",
            "skipped": None,
            "rolled_forward": None,
            "unknown_years": None,
            "last_day": None,
        }
    ]
    assert as_v2.extension_counts[0]["counted"] == "one_period"
    assert as_v2.due_at == datetime(2026, 11, 2, 23, 59, 59, tzinfo=CHINA)
    assert "counted on from the limit's due time" in " ".join(explain(as_v1, started))


def test_an_answer_recorded_at_version_1_opened_the_window_when_it_was_recorded(system: System, clock: Clock):
    """HandlingOpinionGiven v1 opened the review window when the opinion was recorded; v2 answers
    open it on their receipt (AnswerDelivered). Old petitions keep the window they had."""
    petition = petition_at(system, clock, PetitionStatus.OPINION_GIVEN, sync=False)
    transcoder = system.casebook.mapper.transcoder
    records = system.casebook.recorder.select_events(petition.id)
    opinion = next(i for i, r in enumerate(records) if r.topic == "fengqiao.petition:HandlingOpinionGiven")
    state = transcoder.decode(records[opinion].state)
    assert (state.pop("class_version"), state.pop("window_from")) == (2, "delivery")
    as_v1, as_v2 = uuid4(), uuid4()
    system.casebook.recorder.insert_events(
        [replace(r, originator_id=as_v1) for r in records[:opinion]]
        + [replace(records[opinion], originator_id=as_v1, state=transcoder.encode(state))]
        + [replace(r, originator_id=as_v2) for r in records[: opinion + 1]]
    )
    old = system.casebook.repository.get(as_v1)
    assert old.opinion["window_from"] == "recorded" and old.window_opened_at == old.status_since
    assert system.casebook.repository.get(as_v2).window_opened_at is None  # waits for its receipt

"""The case list across the four streams, kept from the log: one row per case with its kind,
node, state, who has it in hand, its next due time and whether it is overdue; coloured for the
township's board; and rebuilt from zero it equals the live one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.disputes.dispute import AgreementForm, Category, Severity
from domain.incidents.incident import Kind
from domain.petitions.petition import Channel, PetitionType
from infra.bootstrap import System
from projections.case_list import GREEN, RED, YELLOW, Filters, colour_of
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from service.store import CommandMeta
from tests.petition_dsl import ZHANG
from tests.support import FOREIGN_GRID, GRID, VILLAGE, Clock, person

TOWNSHIP = "anping.dongxi"


def report(system: System, grid: str = GRID, role: str = "grid_member", **meta: object):
    return system.casebook.disputes.report(
        person(role),
        grid=grid,
        parties=[{"name": "A"}, {"name": "B"}],
        category=Category.NEIGHBOURHOOD,
        severity=Severity.MINOR,
        description="a wall",
        occurred_at=system.casebook.clock() - timedelta(days=3),
        meta=CommandMeta(**meta),  # type: ignore[arg-type]
    )


def caught_up(system: System) -> ProjectionRunner:
    runner = ProjectionRunner(system.reader, system.views, system.case_list)
    runner.setup()
    runner.catch_up()
    return runner


def rows(system: System, node: str = TOWNSHIP, **filters: object) -> dict[str, dict]:
    now = system.casebook.clock()
    nodes = system.casebook.current_directory().descendants(node, now)
    with system.views.reading() as cur:
        _total, found = system.case_list.page(cur, Filters(nodes=nodes, **filters), now, 500, 0)  # type: ignore[arg-type]
    return {r["case_id"]: dict(r) for r in found}


@pytest.fixture
def cases(system: System, clock: Clock) -> dict[str, object]:
    """In Qiaotou: a dispute settled in time (its follow-up due in 15 days), one whose grid day
    has passed, an incident and a petition; in Shangba: a dispute just reported."""
    keepers = system.casebook.keepers
    settled, late = report(system), report(system, effective_at=clock.now - timedelta(hours=30))
    foreign = report(system, grid=FOREIGN_GRID, role="foreign_grid_member")
    for dispute in (settled, late, foreign):
        keepers["dispute"].sync(dispute.id, 0)
    system.casebook.disputes.reach_agreement(
        person("grid_member"), settled.id, form=AgreementForm.ORAL, terms="ok"
    )
    keepers["dispute"].sync(settled.id, 0)
    incident = system.casebook.incidents.report(
        person("grid_member"),
        grid=GRID,
        kind=Kind.SAFETY_ACCIDENT,
        description="scaffold collapsed",
        location="brick kiln",
        occurred_at=clock.now - timedelta(hours=1),
        injured=2,
        dead=0,
    )
    keepers["incident"].sync(incident.id, 0)
    petition = system.casebook.petitions.register(
        person("petition_agent"),
        node=VILLAGE,
        channel=Channel.VIA_AGENT,
        type=PetitionType.COMPLAINT,
        petitioner=ZHANG,
        content="The road money was never paid to our group.",
        matter="Road compensation",
    )
    keepers["petition"].sync(petition.id, 0)
    return {"settled": settled, "late": late, "foreign": foreign, "incident": incident, "petition": petition}


def test_one_row_per_case_of_every_stream_with_its_state_node_and_next_due_time(system: System, cases):
    caught_up(system)
    found = rows(system)
    late, settled, foreign = (str(cases[k].id) for k in ("late", "settled", "foreign"))
    incident, petition = str(cases["incident"].id), str(cases["petition"].id)
    assert set(found) == {late, settled, foreign, incident, petition}
    assert {k: found[k]["case_kind"] for k in found} == {
        late: "dispute",
        settled: "dispute",
        foreign: "dispute",
        incident: "incident",
        petition: "petition",
    }
    assert (
        found[settled]["state"] == "agreement_reached" and found[settled]["next_clock"] == "dispute.follow_up"
    )
    assert found[late]["node"] == GRID and found[late]["next_clock"] == "dispute.grid"
    assert found[petition]["node"] == VILLAGE and found[petition]["responsible"] == person("petition_agent")
    assert found[incident]["responsible"] == person("grid_member")
    now = system.casebook.clock()
    assert colour_of(found[late], now) == RED  # its grid day ran out: the workflow is about to record it
    assert colour_of(found[settled], now) == GREEN
    # Only the village's own cases under the village; a filter narrows by kind and state.
    assert foreign not in rows(system, VILLAGE)
    assert set(rows(system, kind="dispute", state="agreement_reached")) == {settled}
    assert set(rows(system, colour=RED)) == {late, *(k for k in found if colour_of(found[k], now) == RED)}


def test_a_missed_deadline_keeps_the_case_red_until_settled_and_a_closed_case_leaves_the_board(
    system: System, cases
):
    late = cases["late"]
    keeper = system.casebook.keepers["dispute"]
    [grid] = system.casebook.deadlines.clocks("dispute", late.id).running()
    keeper.due(late.id, 0, grid.key, None)  # escalated to the village; the miss settled by it
    caught_up(system)
    row = rows(system)[str(late.id)]
    assert row["state"] == "open" and row["missed"] == 0 and row["next_clock"] == "dispute.village"
    assert row["responsible"] == ""  # nobody has accepted it at the village yet
    system.casebook.disputes.accept(person("mediator"), late.id)
    keeper.sync(late.id, 0)
    caught_up(system)
    assert rows(system)[str(late.id)]["responsible"] == person("mediator")
    assert rows(system)[str(late.id)]["state"] == "accepted"


def test_colours_follow_the_clock_warning_and_the_counts_add_up(system: System, cases, clock: Clock):
    caught_up(system)
    now = clock.now
    nodes = system.casebook.current_directory().descendants(TOWNSHIP, now)
    with system.views.reading() as cur:
        counts = system.case_list.counts(cur, Filters(nodes=nodes), now)
        total, _ = system.case_list.page(cur, Filters(nodes=nodes), now, 1, 0)
        by_colour = {
            c: system.case_list.page(cur, Filters(nodes=nodes, colour=c), now, 500, 0)[0] for c in counts
        }
    assert sum(counts.values()) == total == 5
    assert by_colour == counts
    # The settled dispute's follow-up: 15 days, reminded at half of them — yellow from day 8.
    clock.now = now + timedelta(days=8)
    settled = rows(system)[str(cases["settled"].id)]
    assert colour_of(settled, clock.now) == YELLOW
    assert str(cases["settled"].id) in rows(system, colour=YELLOW)


def test_the_case_list_rebuilt_from_zero_equals_the_live_one(system: System, cases):
    live = caught_up(system)
    keeper = system.casebook.keepers["dispute"]
    [grid] = system.casebook.deadlines.clocks("dispute", cases["late"].id).running()
    keeper.due(cases["late"].id, 0, grid.key, None)
    live.catch_up()
    outcome = rebuild(system.reader, system.views, system.case_list, switch=True)
    assert outcome.equal, outcome.differences
    assert outcome.rows > 5


def test_a_case_is_found_by_a_partys_name_or_its_number_and_no_name_is_kept_readable(
    system: System, cases, clock: Clock
):
    mine = system.casebook.disputes.report(
        person("grid_member"),
        grid=GRID,
        parties=[{"name": "张 三丰"}, {"name": "李四"}],
        category=Category.NEIGHBOURHOOD,
        severity=Severity.MINOR,
        description="a wall",
        occurred_at=clock.now - timedelta(days=1),
    )
    accusation = system.casebook.petitions.register(
        person("petition_agent"),
        node=VILLAGE,
        channel=Channel.VIA_AGENT,
        type=PetitionType.ACCUSATION,
        petitioner={**ZHANG, "name": "李四"},
        content="The village head took the money.",
        matter="Misused funds",
    )
    caught_up(system)
    assert set(rows(system, search="张  三丰")) == {str(mine.id)}  # spaces and width as the names were given
    # The accuser is not found by name: an accusation's petitioner is secret.
    assert set(rows(system, search="李四")) == {str(mine.id)}
    assert str(accusation.id) in rows(system, search=str(accusation.id)[:8])
    assert set(rows(system, search=str(mine.id))) == {str(mine.id)}
    assert rows(system, search=str(mine.id)[:7]) == {}  # fewer than eight characters is a name, not a number
    petitioner = cases["petition"]
    assert str(petitioner.id) in rows(system, search=ZHANG["name"])
    with system.views.reading() as cur:
        cur.execute(f"SELECT terms FROM {system.case_list.table}")
        stored = repr(cur.fetchall())
    assert "三丰" not in stored and "李四" not in stored and ZHANG["name"] not in stored
    shown = rows(system, search="李四")[str(mine.id)]
    assert system.case_list.parties_of(shown) == ["张 三丰", "李四"]
    assert system.case_list.parties_of(rows(system)[str(accusation.id)]) == []  # the accuser's name is secret


def test_the_names_a_list_shows_are_encrypted_at_rest_with_the_stores_cipher(tmp_path, clock: Clock):
    from eventsourcing.cryptography import AESCipher

    from infra.bootstrap import bootstrap
    from tests.support import settings_for

    system = bootstrap(settings_for(tmp_path, cipher_key=AESCipher.create_key(32)), clock)
    system.seed()
    try:
        mine = report(system)
        caught_up(system)
        with system.views.reading() as cur:
            cur.execute(f"SELECT parties, summary, level FROM {system.case_list.table}")
            [stored] = cur.fetchall()
        assert stored["parties"].startswith("enc:") and '"A"' not in stored["parties"]
        assert stored["summary"] == '{"category": "neighbourhood", "severity": "minor"}'
        assert stored["level"] == "grid"
        assert system.case_list.parties_of(rows(system)[str(mine.id)]) == ["A", "B"]
    finally:
        system.close()

"""The directory's rules: the tree over time, posts over time, the committee's size."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.directory.access import Post, Right
from domain.directory.jurisdiction import NodeKind
from domain.directory.tree import Directory
from domain.errors import AccessDenied, InvalidValue, TransitionNotAllowed

JAN = datetime(2026, 1, 1, tzinfo=UTC)
_n = iter(range(1, 10_000))


def at(day: datetime, actor: str = "system:seed") -> dict[str, Any]:
    return {"actor": actor, "effective_at": day, "command_id": f"c{next(_n)}"}


def tree() -> Directory:
    """A county, a township, two villages with a grid each; replayed from its events."""
    d = Directory.open(**at(JAN))
    d.create_node(code="c", name="County", kind=NodeKind.COUNTY, parent=None, **at(JAN))
    d.create_node(code="t", name="Township", kind=NodeKind.TOWNSHIP, parent="c", **at(JAN))
    for v in ("v1", "v2"):
        d.create_node(code=v, name=v.upper(), kind=NodeKind.VILLAGE, parent="t", **at(JAN))
        d.create_node(code=f"{v}.g", name=f"{v} group", kind=NodeKind.GRID, parent=v, **at(JAN))
    for p in ("a", "b", "c1"):
        d.register_person(person_id=p, name=p.upper(), phone=None, **at(JAN))
    replayed = None
    for event in d.collect_events():
        replayed = event.mutate(replayed)
    return replayed


def new_events(d: Directory) -> list[str]:
    return [type(e).__name__ for e in d.collect_events()]


def test_a_node_sits_under_a_parent_of_the_kind_above_it():
    d = tree()
    with pytest.raises(InvalidValue) as refusal:
        d.create_node(code="x", name="X", kind=NodeKind.GRID, parent="t", **at(JAN))
    assert refusal.value.field == "parent" and "belongs to a village, not a township" in refusal.value.reason
    with pytest.raises(InvalidValue, match="taken"):
        d.create_node(code="v1", name="again", kind=NodeKind.VILLAGE, parent="t", **at(JAN))
    assert new_events(d) == []


def test_a_renamed_node_keeps_its_earlier_name_in_its_history():
    d = tree()
    d.rename_node(code="v1", name="New Bridge", **at(JAN + timedelta(days=60)))
    assert d.node("v1").name_at(JAN + timedelta(days=1)) == "V1"
    assert d.node("v1").name_at(JAN + timedelta(days=61)) == "New Bridge"


def test_merged_villages_retire_and_their_grids_and_posts_move_or_end():
    d = tree()
    d.take_post(person_id="a", post=Post.VILLAGE_DIRECTOR, node="v2", **at(JAN))
    merged = JAN + timedelta(days=90)
    d.merge_nodes(sources=["v2"], into="v1", **at(merged))
    assert new_events(d) == ["PostTaken", "NodesMerged"]
    assert not d.node("v2").active_at(merged) and d.node("v2").successors == ["v1"]
    assert d.ancestors("v2.g", merged - timedelta(days=1))[:2] == ["v2.g", "v2"]
    assert d.ancestors("v2.g", merged)[:2] == ["v2.g", "v1"]
    assert d.holders("v2", merged) == [] and len(d.holders("v2", merged - timedelta(days=1))) == 1


def test_a_merge_takes_other_nodes_of_the_same_kind():
    d = tree()
    with pytest.raises(InvalidValue, match="not a village"):
        d.merge_nodes(sources=["v2.g"], into="v1", **at(JAN))
    with pytest.raises(InvalidValue) as refusal:
        d.merge_nodes(sources=["v1"], into="v1", **at(JAN))
    assert refusal.value.field == "sources"


def test_a_split_makes_new_parts_and_gives_each_child_to_one():
    d = tree()
    split = JAN + timedelta(days=30)
    d.create_node(code="v1.g2", name="second group", kind=NodeKind.GRID, parent="v1", **at(JAN))
    d.split_node(
        source="v1",
        parts=[{"code": "v1n", "name": "North"}, {"code": "v1s", "name": "South"}],
        children={"v1.g": "v1n", "v1.g2": "v1s"},
        **at(split),
    )
    assert d.children("t", split) == ["v1n", "v1s", "v2"]
    assert d.node("v1s").parent_at(split) == "t" and d.ancestors("v1.g2", split)[1] == "v1s"
    assert d.children("t", split - timedelta(days=1)) == ["v1", "v2"]


def test_a_split_must_place_every_child_in_a_new_part():
    d = tree()
    parts = [{"code": "n", "name": "N"}, {"code": "s", "name": "S"}]
    with pytest.raises(InvalidValue) as refusal:
        d.split_node(source="v1", parts=parts, children={}, **at(JAN))
    assert refusal.value.field == "children" and "v1.g" in refusal.value.reason
    with pytest.raises(InvalidValue, match="taken or repeated"):
        d.split_node(
            source="v1", parts=[{"code": "v2", "name": "x"}, parts[1]], children={"v1.g": "s"}, **at(JAN)
        )
    with pytest.raises(InvalidValue, match="at least two"):
        d.split_node(source="v1", parts=parts[:1], children={"v1.g": "n"}, **at(JAN))


def test_a_post_is_held_only_at_the_kind_of_node_it_belongs_to():
    d = tree()
    with pytest.raises(InvalidValue) as refusal:
        d.take_post(person_id="a", post=Post.GRID_MEMBER, node="v1", **at(JAN))
    assert refusal.value.reason == "a grid member is held at a grid, not a village"
    with pytest.raises(InvalidValue, match="no person"):
        d.take_post(person_id="nobody", post=Post.MEDIATOR, node="v1", **at(JAN))


def test_a_mediation_committee_refuses_a_tenth_member_and_a_second_chair():
    d = tree()
    for i in range(9):
        d.register_person(person_id=f"m{i}", name=f"M{i}", phone=None, **at(JAN))
        d.take_post(
            person_id=f"m{i}", post=Post.MEDIATION_CHAIR if i == 0 else Post.MEDIATOR, node="v1", **at(JAN)
        )
    d.collect_events()
    with pytest.raises(TransitionNotAllowed) as refusal:
        d.take_post(person_id="a", post=Post.MEDIATOR, node="v1", **at(JAN))
    assert "at most 9 members" in str(refusal.value)
    d.leave_post(
        person_id="m8", post=Post.MEDIATOR, node="v1", reason="moved away", **at(JAN + timedelta(days=1))
    )
    with pytest.raises(TransitionNotAllowed, match="already has a chair"):
        d.take_post(person_id="a", post=Post.MEDIATION_CHAIR, node="v1", **at(JAN + timedelta(days=2)))
    d.take_post(person_id="a", post=Post.MEDIATOR, node="v1", **at(JAN + timedelta(days=2)))
    assert new_events(d) == ["PostLeft", "PostTaken"]


def test_leaving_a_post_not_held_is_refused():
    d = tree()
    with pytest.raises(TransitionNotAllowed, match="does not hold"):
        d.leave_post(person_id="a", post=Post.MEDIATOR, node="v1", reason="", **at(JAN))


def test_who_was_responsible_for_a_village_on_a_past_day():
    d = tree()
    d.take_post(person_id="a", post=Post.BRANCH_SECRETARY, node="v1", **at(JAN))
    handover = datetime(2026, 3, 1, tzinfo=UTC)
    d.leave_post(person_id="a", post=Post.BRANCH_SECRETARY, node="v1", reason="term ended", **at(handover))
    d.take_post(person_id="b", post=Post.BRANCH_SECRETARY, node="v1", **at(handover))
    assert [t.person_id for t in d.holders("v1", datetime(2026, 2, 3, tzinfo=UTC))] == ["a"]
    assert [t.person_id for t in d.holders("v1", datetime(2026, 3, 3, tzinfo=UTC))] == ["b"]


def test_authorisation_names_the_missing_right_or_the_node_outside():
    d = tree()
    d.take_post(person_id="a", post=Post.GRID_MEMBER, node="v1.g", **at(JAN))
    now = JAN + timedelta(days=1)
    assert d.authorise("a", Right.REPORT_DISPUTE, "v1.g", now).post == Post.GRID_MEMBER
    with pytest.raises(AccessDenied) as missing:
        d.authorise("a", Right.ACCEPT_DISPUTE, "v1.g", now)
    assert "does not have the right to accept dispute" in str(missing.value)
    assert "mediation_chair" in str(missing.value)
    with pytest.raises(AccessDenied, match="'v2.g' is outside A's jurisdiction"):
        d.authorise("a", Right.REPORT_DISPUTE, "v2.g", now)
    with pytest.raises(AccessDenied, match="'v1' is outside"):
        d.authorise("a", Right.READ, "v1", now)
    with pytest.raises(AccessDenied, match="not in the directory"):
        d.authorise("ghost", Right.READ, "v1", now)

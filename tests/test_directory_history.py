"""Who held which post, as known on a past moment, comes from the directory's history kept as a
read model — and is exactly what a replay of the directory's stream to that moment says."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.directory.access import Post
from domain.directory.tree import DIRECTORY_ID, Directory
from infra.bootstrap import System
from service.directory import DirectoryHistory
from service.store import CommandMeta
from tests.support import VILLAGE, Clock


def replayed(system: System, version: int) -> Directory | None:
    """What the directory was at `version`, replayed from its first event."""
    directory = None
    for event in system.casebook.repository.event_store.get(DIRECTORY_ID, lte=version):
        directory = event.mutate(directory)
    return directory


def leave(system: System, person: str, post: Post) -> None:
    cb = system.casebook
    cb.change(
        Directory,
        DIRECTORY_ID,
        "directory",
        "leave_post",
        cb.stamp("system:seed", CommandMeta()),
        lambda d, s: d.leave_post(person_id=person, post=post, node=VILLAGE, reason="term ended", **s),
    )


def events(system: System) -> list[Any]:
    return list(system.casebook.repository.event_store.get(DIRECTORY_ID))


def test_tenures_known_on_every_moment_are_what_a_replay_of_the_stream_to_then_holds(
    system: System, clock: Clock
):
    desk = system.casebook.directory
    history = DirectoryHistory(system.casebook)
    history.tenures_known_on(clock())  # built before the changes below: it must catch up
    for n in range(3):
        clock.advance(timedelta(minutes=1))
        person = f"secretary-{n}"
        desk.register_person(
            "system:seed", person_id=person, name=person, phone=None, node=VILLAGE, authorise=False
        )
        clock.advance(timedelta(minutes=1))
        desk.take_post(
            "system:seed", person_id=person, post=Post.BRANCH_SECRETARY, node=VILLAGE, authorise=False
        )
        clock.advance(timedelta(minutes=1))
        leave(system, person, Post.BRANCH_SECRETARY)
    stream = events(system)
    assert sum(type(e).__name__ == "PostLeft" for e in stream) >= 3
    for event in stream[-12:]:
        for moment in (event.timestamp - timedelta(microseconds=1), event.timestamp):
            version = max((e.originator_version for e in stream if e.timestamp <= moment), default=0)
            assert history.version_known_on(moment) == version
            then = replayed(system, version) if version else None
            assert history.tenures_known_on(moment) == (then.tenures if then else [])
            assert (desk.as_known_on(moment).tenures if version else []) == (then.tenures if then else [])


def test_an_end_recorded_after_the_day_asked_about_is_not_known_on_it(system: System, clock: Clock):
    desk = system.casebook.directory
    desk.register_person("system:seed", person_id="li", name="li", phone=None, node=VILLAGE, authorise=False)
    desk.take_post("system:seed", person_id="li", post=Post.VILLAGE_DIRECTOR, node=VILLAGE, authorise=False)
    before = clock()
    clock.advance(timedelta(days=1))
    leave(system, "li", Post.VILLAGE_DIRECTOR)
    [then] = [t for t in desk.tenures_known_on(before) if t.person_id == "li"]
    [now] = [t for t in desk.tenures_known_on(clock()) if t.person_id == "li"]
    assert then.end is None and now.end == clock()

"""The directory as known on a past moment comes from an index and kept copies, not a replay of
the whole stream per question — and answers exactly what a replay would."""

from __future__ import annotations

from datetime import timedelta

from domain.directory.jurisdiction import NodeKind
from domain.directory.tree import DIRECTORY_ID, Directory
from infra.bootstrap import System
from service.directory import DirectoryHistory
from tests.support import VILLAGE, Clock


def replayed(system: System, version: int) -> Directory | None:
    """What the directory was at `version`, replayed from its first event."""
    directory = None
    for event in system.casebook.repository.event_store.get(DIRECTORY_ID, lte=version):
        directory = event.mutate(directory)
    return directory


def state(directory: Directory | None) -> dict[str, object]:
    assert directory is not None
    return {k: v for k, v in vars(directory).items() if not k.startswith("_")}


def test_every_moment_known_on_answers_what_a_replay_of_the_stream_to_then_answers(
    system: System, clock: Clock
):
    desk = system.casebook.directory
    desk.create_node(
        "system:seed",
        code=f"{VILLAGE}.gx",
        name="grid x",
        kind=NodeKind.GRID,
        parent=VILLAGE,
        authorise=False,
    )
    for n in range(7):
        clock.advance(timedelta(minutes=1))
        desk.create_node(
            "system:seed",
            code=f"{VILLAGE}.g{n + 10}",
            name=f"g{n}",
            kind=NodeKind.GRID,
            parent=VILLAGE,
            authorise=False,
        )
    history = DirectoryHistory(system.casebook, every=2, recent=2)
    events = list(system.casebook.repository.event_store.get(DIRECTORY_ID))
    assert len(events) > 6
    for event in events:
        for moment in (event.timestamp - timedelta(microseconds=1), event.timestamp):
            known = history.as_known_on(moment)
            expected_version = max((e.originator_version for e in events if e.timestamp <= moment), default=0)
            if expected_version == 0:
                assert known.nodes == {}
                continue
            assert known.version == expected_version
            assert state(known) == state(replayed(system, expected_version))
    # Recorded after the history was first asked: the next question sees it.
    clock.advance(timedelta(minutes=1))
    desk.create_node(
        "system:seed",
        code=f"{VILLAGE}.gy",
        name="grid y",
        kind=NodeKind.GRID,
        parent=VILLAGE,
        authorise=False,
    )
    now = system.casebook.repository.event_store.get(DIRECTORY_ID, desc=True, limit=1)
    [last] = list(now)
    assert f"{VILLAGE}.gy" in history.as_known_on(last.timestamp).nodes
    assert f"{VILLAGE}.gy" not in history.as_known_on(last.timestamp - timedelta(microseconds=1)).nodes

"""The diagnostic profile of a component (infra/profiling.py): work done in threads started after
it began is in the file, snapshots are written while the threads run, and without a file named
nothing is profiled."""

from __future__ import annotations

import pstats
import sys
import threading
from pathlib import Path

from infra.profiling import ThreadProfiles, profiled


def busy_in_a_thread_of_its_own(n: int) -> int:
    return sum(i * i for i in range(n))


def functions_in(path: Path) -> set[str]:
    return {name for (_, _, name) in pstats.Stats(str(path)).stats}  # type: ignore[attr-defined]


def test_work_in_a_thread_started_later_is_in_the_profile_while_it_runs_and_at_the_end(tmp_path: Path):
    target = tmp_path / "worker.prof"
    profiles = ThreadProfiles(target, every=3600)  # snapshots asked for by hand below
    profiles.start()
    try:
        started, go_on = threading.Event(), threading.Event()

        def work() -> None:
            busy_in_a_thread_of_its_own(10_000)
            started.set()
            go_on.wait(10)

        thread = threading.Thread(target=work)
        thread.start()
        assert started.wait(10)
        profiles.write()  # the thread still runs: a snapshot, its profiler not stopped
        assert "busy_in_a_thread_of_its_own" in functions_in(target)
        go_on.set()
        thread.join()
    finally:
        profiles.stop()
    assert "busy_in_a_thread_of_its_own" in functions_in(target)
    assert not target.with_name("worker.prof.part").exists()
    assert sys.getprofile() is None  # the starting thread's own profiler is stopped with it


def test_without_a_file_nothing_is_profiled(tmp_path: Path):
    assert profiled(None, "worker") is None
    assert profiled("", "worker") is None
    profiles = profiled(str(tmp_path / "{component}.prof"), "worker")
    assert profiles is not None and profiles.path == tmp_path / "worker.prof"
    profiles.stop()

"""Where a component's time goes, in every thread of it: a diagnostic for a benchmark or an operator
(FENGQIAO_PROFILE_FILE; docs/operations.md, "Where a component's time goes").

cProfile follows one thread, and the worker does its work in threads the SDK starts (workflow
tasks) and in the activity pool. So each thread gets a profiler of its own when it starts
(`threading.setprofile`), and the merged statistics are written to the file every `every` seconds
and at the end, as `pstats` reads them: a component killed mid-run leaves its last snapshot.
The profilers are never stopped from another thread (that would stop the calling thread's own);
a snapshot reads what each has gathered so far. It slows the component down: not for production.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import sys
import threading
from pathlib import Path
from typing import Any


class _Snapshot:
    """What `pstats.Stats` takes: statistics already made (its `create_stats` does nothing, so a
    running profiler is never stopped by the thread that reads it)."""

    def __init__(self, stats: dict[Any, Any]) -> None:
        self.stats = stats

    def create_stats(self) -> None:
        pass


class ThreadProfiles:
    def __init__(self, path: Path, every: float = 15.0) -> None:
        self.path = path
        self.every = every
        self._profiles: list[cProfile.Profile] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._writer: threading.Thread | None = None
        self._own: cProfile.Profile | None = None

    def start(self) -> None:
        threading.setprofile(self._on_new_thread)
        self._own = self._enable()  # this thread: the event loop's
        self._writer = threading.Thread(target=self._write_every, name="profile-writer", daemon=True)
        self._writer.start()

    def stop(self) -> None:
        """Called from the thread that started it: stops that thread's profiler, and profiles no
        thread started from now on, after writing what all have gathered."""
        self._stop.set()
        threading.setprofile(None)  # type: ignore[arg-type]
        self.write()
        if self._own is not None:
            self._own.disable()

    def write(self) -> None:
        with self._lock:
            profiles = list(self._profiles)
        merged: pstats.Stats | None = None
        for profile in profiles:
            profile.snapshot_stats()  # type: ignore[attr-defined]  # reads, does not stop it
            snapshot = _Snapshot(dict(profile.stats))  # type: ignore[attr-defined]
            if not snapshot.stats:
                continue
            if merged is None:
                merged = pstats.Stats(snapshot)  # type: ignore[arg-type]
            else:
                merged.add(snapshot)  # type: ignore[arg-type]
        if merged is not None:
            partial = self.path.with_name(self.path.name + ".part")
            merged.dump_stats(partial)
            os.replace(partial, self.path)

    def _on_new_thread(self, frame: Any, event: str, arg: Any) -> None:
        self._enable()  # replaces this hook, in this thread, with the thread's own profiler

    def _enable(self) -> cProfile.Profile | None:
        if threading.current_thread() is self._writer:
            sys.setprofile(None)
            return None
        profile = cProfile.Profile()
        with self._lock:
            self._profiles.append(profile)
        profile.enable()
        return profile

    def _write_every(self) -> None:
        while not self._stop.wait(self.every):
            self.write()


def profiled(target: str | None, component: str) -> ThreadProfiles | None:
    """The profiles of this component, started, when the settings name a file for them
    (`{component}` in it is the component's name); None otherwise."""
    if not target:
        return None
    profiles = ThreadProfiles(Path(target.replace("{component}", component)))
    profiles.start()
    return profiles

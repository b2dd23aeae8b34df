"""Benchmarks: measured in one run against a baseline measured in the same run.

Each benchmark keeps its result in docs/benchmarks.md between markers of its own (per store where
it runs on several), and a new run replaces its section there (`write_section`)."""

from __future__ import annotations

from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def markers(bench: str, store: str | None = None) -> tuple[str, str]:
    """The begin and end markers of a benchmark's section (`bench.<bench>[ <store>]`)."""
    name = f"bench.{bench} {store}" if store else f"bench.{bench}"
    return f"<!-- {name}: begin -->", f"<!-- {name}: end -->"


def write_section(block: str, begin: str, end: str, path: Path = DOC, heading: str = "") -> None:
    """Puts `block` (from its begin marker to its end marker) where the section between the same
    markers stands in `path`, or, where there is none yet, appends it after `heading`."""
    block = block.rstrip("\n")
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    if begin in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip("\n") + "\n\n" + heading + block + "\n"
    path.write_text(text, encoding="utf-8")

"""Explain sentences in the reader's language: the domain says each line of a clock's
explanation as an English sentence with named parts (domain.time.explain.Line); here the
sentence is translated by the catalogues and each part shown in words — a clock by its label,
a unit, a node by its name, a recorded outcome as the clock outcomes are read."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from domain.time.calendar import shown
from domain.time.clocks import ClockState
from domain.time.explain import Code, Line, explain_lines
from web import labels


def in_words(
    line: Line, gettext: Callable[[str], str], node_name: Callable[[str], str] = lambda code: code
) -> str:
    parts = {name: _part(value, gettext, node_name) for name, value in line.parts.items()}
    return gettext(line.text) % parts


def _part(value: Any, gettext: Callable[[str], str], node_name: Callable[[str], str]) -> str:
    if isinstance(value, Line):
        return in_words(value, gettext, node_name)
    if isinstance(value, datetime):
        return shown(value, seconds=True)
    if isinstance(value, Code):
        if value.kind == "node":
            return node_name(value.value)
        if value.kind == "outcome":
            return labels.outcome(value.value, gettext)
        if value.kind in labels.LABELS and value.value in labels.LABELS[value.kind]:
            return labels.label(value.kind, value.value, gettext)
    return str(value)


def explained(
    clock: ClockState, now: datetime, gettext: Callable[[str], str], node_name: Callable[[str], str]
) -> list[str]:
    """A clock's explanation, line by line, in the reader's language."""
    return [in_words(line, gettext, node_name) for line in explain_lines(clock, now)]

"""The event catalogue: every stream's events, rendered from the classes themselves.
docs/events.md is this rendering; a test keeps the two identical."""

from __future__ import annotations

import inspect
from typing import Any

from domain import binding, notices, receipts
from domain.assessment import assessment
from domain.briefings import briefing
from domain.directory import tree as directory
from domain.disputes import dispute
from domain.identity import credentials
from domain.incidents import incident
from domain.patrols import patrol
from domain.petitions import assignments, petition, petitioner
from domain.sweeps import sweep
from domain.time import clocks, rulebook

STREAMS: list[tuple[str, type[Any], tuple[type[Any], ...]]] = [
    ("Directory", directory.Directory, directory.EVENT_CLASSES),
    ("Credentials of a person", credentials.Credentials, credentials.EVENT_CLASSES),
    ("Rulebook: deadline policy and calendars", rulebook.Rulebook, rulebook.EVENT_CLASSES),
    ("Dispute", dispute.Dispute, dispute.EVENT_CLASSES),
    ("Petition", petition.Petition, petition.EVENT_CLASSES),
    ("Petitioner", petitioner.Petitioner, petitioner.EVENT_CLASSES),
    ("Assignments of an office", assignments.OfficeAssignments, assignments.EVENT_CLASSES),
    ("Incident", incident.Incident, incident.EVENT_CLASSES),
    ("Patrol route", patrol.Route, patrol.ROUTE_EVENT_CLASSES),
    ("Patrol shift", patrol.Shift, patrol.SHIFT_EVENT_CLASSES),
    ("Sweep", sweep.Sweep, sweep.EVENT_CLASSES),
    ("Briefing", briefing.Briefing, briefing.EVENT_CLASSES),
    ("Case clocks", clocks.CaseClocks, clocks.EVENT_CLASSES),
    ("Responsibility-book template", assessment.AssessmentTemplate, assessment.TEMPLATE_EVENTS),
    ("Assessment year of a unit", assessment.UnitYear, assessment.UNIT_YEAR_EVENTS),
    ("Notice and its deliveries", notices.Notice, notices.EVENT_CLASSES),
    ("Command receipt", receipts.CommandReceipt, (receipts.CommandReceipt.Recorded,)),
    ("Temporal binding of the store", binding.TemporalBinding, binding.EVENT_CLASSES),
]
_BASE = {"originator_id", "originator_version", "timestamp", "originator_topic", "originator_id_type"}
_STAMP = {"actor", "effective_at", "command_id"}


def _fields(event_class: type[Any]) -> list[str]:
    hints: dict[str, Any] = {}
    for klass in reversed(event_class.__mro__):
        hints.update(getattr(klass, "__annotations__", {}))
    hidden = _BASE | (_STAMP if _STAMP <= set(hints) else set())
    names = [n for n in hints if n not in hidden and not n.startswith("_") and n != "TOPIC"]
    return [f"`{n}`: {_type_name(hints[n])}" for n in names if n != "class_version"]


def _type_name(hint: Any) -> str:
    text = hint if isinstance(hint, str) else getattr(hint, "__name__", str(hint))
    return text.replace("typing.", "").replace("|", "\\|")


def _summary(klass: type[Any]) -> str:
    doc = inspect.getdoc(klass) or ""
    inherited = {inspect.getdoc(base) for base in klass.__mro__[1:]}
    if doc in inherited or doc.startswith(f"{klass.__name__}("):  # none of its own
        return ""
    return " ".join(doc.split("\n\n")[0].split())


def render() -> str:
    lines = [
        "# Event catalogue",
        "",
        (
            "Generated from the event classes by `fengqiao events`; `tests/test_catalogue.py` fails "
            "when this file and the code disagree. Every event also carries `actor` (who acted), "
            "`effective_at` (when it took effect in the world) and `command_id` (the command that "
            "recorded it), except command receipts. Topics are explicit and never change; a class "
            "version above 1 is upcast from older records."
        ),
    ]
    for title, aggregate, events in STREAMS:
        lines += ["", f"## {title}", "", f"Aggregate topic `{aggregate.TOPIC}`."]
        if summary := _summary(aggregate):
            lines += ["", summary]
        lines += ["", "| event | topic | version | fields | meaning |", "|---|---|---|---|---|"]
        for event in events:
            version = getattr(event, "class_version", 1)
            lines.append(
                f"| {event.__name__} | `{event.TOPIC}` | {version} | "
                f"{'<br>'.join(_fields(event)) or '—'} | {_summary(event)} |"
            )
    return "\n".join(lines) + "\n"

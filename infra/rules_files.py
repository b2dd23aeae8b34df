"""Policy and calendar files: read, checked, and refused with the line and the reason."""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from domain.directory.access import Post
from domain.time.calendar import CalendarYear, Unit
from domain.time.policy import InProgress, Rule, check_rules


class RulesFileError(Exception):
    """The file is refused; the message gives the file, the line and the reason."""


@dataclass(frozen=True)
class PolicyFile:
    version: str
    effective_from: datetime
    in_progress: InProgress
    rules: list[Rule]
    source: str


@dataclass(frozen=True)
class CalendarFile:
    region: str
    year: CalendarYear
    source: str


def _load(path: Path) -> tuple[str, dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesFileError(f"{path}: no such file") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as bad:
        raise RulesFileError(f"{path}: {bad}") from None


def _line_of(text: str, pattern: str, nth: int = 1) -> int | None:
    hits = [i for i, line in enumerate(text.splitlines(), start=1) if re.search(pattern, line)]
    return hits[nth - 1] if len(hits) >= nth else None


def _refuse(path: Path, line: int | None, reason: str) -> RulesFileError:
    return RulesFileError(f"{path}{f' line {line}' if line else ''}: {reason}")


def read_policy_file(path: Path) -> PolicyFile:
    text, data = _load(path)
    head = data.get("policy")
    if not isinstance(head, dict):
        raise _refuse(path, None, "a [policy] table with version and effective_from is required")
    header_line = _line_of(text, r"^\s*\[policy\]")
    version, effective_from = head.get("version"), head.get("effective_from")
    if not isinstance(version, str) or not version.strip():
        raise _refuse(path, header_line, "[policy] version must be a non-empty string")
    if not isinstance(effective_from, datetime) or effective_from.tzinfo is None:
        raise _refuse(
            path,
            _line_of(text, r"^\s*effective_from") or header_line,
            "effective_from must be a date-time with an offset, e.g. 2026-01-01T00:00:00+08:00",
        )
    try:
        in_progress = InProgress(head.get("in_progress", InProgress.AT_CLOCK_START))
    except ValueError:
        raise _refuse(
            path, _line_of(text, r"^\s*in_progress"), f"in_progress must be one of {', '.join(InProgress)}"
        ) from None
    rules = []
    for i, entry in enumerate(data.get("rule", []), start=1):
        line = _line_of(text, r"^\s*\[\[rule\]\]", i)
        rules.append(_rule(path, line, i, entry))
    if not rules:
        raise _refuse(path, None, "a policy needs at least one [[rule]]")
    if problems := check_rules(rules):
        named = re.match(r"rule #(\d+)", problems[0])
        line = _line_of(text, r"^\s*\[\[rule\]\]", int(named[1])) if named else None
        raise _refuse(path, line, "; ".join(problems))
    return PolicyFile(version.strip(), effective_from, in_progress, rules, str(path))


def _rule(path: Path, line: int | None, i: int, entry: dict[str, Any]) -> Rule:
    where = f"[[rule]] #{i}"
    for key in ("clock", "amount", "unit"):
        if key not in entry:
            raise _refuse(path, line, f"{where}: missing {key!r}")
    if not isinstance(entry["amount"], int) or isinstance(entry["amount"], bool):
        raise _refuse(path, line, f"{where}: amount must be a whole number")
    if entry["unit"] not in {u.value for u in Unit}:
        raise _refuse(path, line, f"{where}: unit {entry['unit']!r} is not one of {', '.join(Unit)}")
    when = entry.get("when", {})
    if not isinstance(when, dict) or not all(isinstance(v, str) for v in when.values()):
        raise _refuse(path, line, f"{where}: when must be a table of names to strings")
    reminders = entry.get("reminders", [0.5, 0.8])
    if not isinstance(reminders, list) or not all(isinstance(r, (int, float)) for r in reminders):
        raise _refuse(path, line, f"{where}: reminders must be a list of fractions")
    paused_by = entry.get("paused_by")
    if paused_by is not None and (
        not isinstance(paused_by, list) or not all(isinstance(p, str) for p in paused_by)
    ):
        raise _refuse(path, line, f'{where}: paused_by must be a list of names, e.g. ["hearing"]')
    basis = entry.get("basis", "")
    if not isinstance(basis, str):
        raise _refuse(path, line, f"{where}: basis must be a string citing the article")
    kept_by = entry.get("kept_by")
    if kept_by is not None and (
        not isinstance(kept_by, list) or not all(isinstance(k, str) for k in kept_by)
    ):
        raise _refuse(path, line, f'{where}: kept_by must be a list of names, e.g. ["agreement"]')
    owed_by = entry.get("owed_by", [])
    posts = {p.value for p in Post}
    if not isinstance(owed_by, list) or not all(isinstance(p, str) and p in posts for p in owed_by):
        raise _refuse(path, line, f"{where}: owed_by must be a list of posts: {', '.join(sorted(posts))}")
    known = {"clock", "amount", "unit", "when", "reminders", "paused_by", "basis", "kept_by", "owed_by"}
    unknown = set(entry) - known
    if unknown:
        raise _refuse(path, line, f"{where}: unknown key {min(unknown)!r}")
    return Rule(
        entry["clock"],
        entry["amount"],
        Unit(entry["unit"]),
        when,
        tuple(float(r) for r in reminders),
        None if paused_by is None else tuple(paused_by),
        basis.strip(),
        None if kept_by is None else tuple(kept_by),
        tuple(owed_by),
    )


def read_calendar_file(path: Path) -> CalendarFile:
    text, data = _load(path)
    head = data.get("calendar")
    if not isinstance(head, dict):
        raise _refuse(path, None, "a [calendar] table with region, year, holidays and workdays is required")
    region, year = head.get("region"), head.get("year")
    if not isinstance(region, str) or not region.strip():
        raise _refuse(path, _line_of(text, r"^\s*region"), 'region must be a non-empty string, e.g. "CN"')
    if not isinstance(year, int):
        raise _refuse(path, _line_of(text, r"^\s*year"), "year must be a whole number")
    days: dict[str, frozenset[date]] = {}
    for key in ("holidays", "workdays"):
        values = head.get(key, [])
        for value in values:
            if not isinstance(value, date) or isinstance(value, datetime):
                raise _refuse(
                    path,
                    _line_of(text, re.escape(str(value))) or _line_of(text, rf"^\s*{key}"),
                    f"{key}: {value!r} is not a date (write 2026-10-01)",
                )
            if value.year != year:
                raise _refuse(
                    path,
                    _line_of(text, re.escape(value.isoformat())),
                    f"{key}: {value.isoformat()} is not in {year}",
                )
        days[key] = frozenset(values)
    both = days["holidays"] & days["workdays"]
    if both:
        day = min(both).isoformat()
        raise _refuse(path, _line_of(text, re.escape(day), 2), f"{day} is both a holiday and a working day")
    for day in days["workdays"]:
        if day.weekday() < 5:
            raise _refuse(
                path,
                _line_of(text, re.escape(day.isoformat())),
                f"workdays: {day.isoformat()} is a {day.strftime('%A')}; list only weekend days worked",
            )
    return CalendarFile(region.strip(), CalendarYear(year, days["holidays"], days["workdays"]), str(path))


def read_rules_file(path: Path) -> PolicyFile | CalendarFile:
    """A policy file has a [policy] table, a calendar file a [calendar] table."""
    _, data = _load(path)
    if "policy" in data:
        return read_policy_file(path)
    if "calendar" in data:
        return read_calendar_file(path)
    raise _refuse(path, None, "neither a [policy] nor a [calendar] file")


def load_rules_file(
    casebook: Any, file: PolicyFile | CalendarFile, *, actor: str, reason: str, authorise: bool = False
) -> str:
    """Records the file in the rulebook; loading the same file again changes nothing."""
    from domain.errors import DomainError
    from service.store import CommandMeta

    digest = hashlib.sha256(repr(file).encode()).hexdigest()[:16]
    try:
        if isinstance(file, PolicyFile):
            meta = CommandMeta(command_id=f"rules:policy:{file.version}:{digest}")
            before = casebook.rulebook.current().version
            casebook.rulebook.adopt_policy(
                actor,
                version=file.version,
                effective_from=file.effective_from,
                in_progress=file.in_progress,
                rules=file.rules,
                reason=reason,
                source=file.source,
                meta=meta,
                authorise=authorise,
            )
            return "adopted" if casebook.rulebook.current().version != before else "unchanged"
        meta = CommandMeta(command_id=f"rules:calendar:{file.region}:{file.year.year}:{digest}")
        return casebook.rulebook.load_calendar_year(
            actor,
            region=file.region,
            year=file.year,
            reason=reason,
            source=file.source,
            meta=meta,
            authorise=authorise,
        )
    except DomainError as refused:
        raise RulesFileError(f"{file.source}: {refused}") from None

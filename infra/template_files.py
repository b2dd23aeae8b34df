"""Responsibility-book template files: read, checked, refused with the line and the reason,
and adopted idempotently (the same file loaded again changes nothing)."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any

from domain.assessment.book import TemplateError, template_from_data
from domain.errors import DomainError
from infra.rules_files import RulesFileError
from service.casebook import Casebook
from service.store import CommandMeta

HEADERS = {
    "section": r"^\s*\[\[section\]\]",
    "item": r"^\s*\[\[section\.item\]\]",
    "rule": r"^\s*\[\[section\.item\.rule\]\]",
    "veto": r"^\s*\[\[veto\]\]",
}


def read_template_file(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RulesFileError(f"{path}: no such file") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as bad:
        raise RulesFileError(f"{path}: {bad}") from None
    try:
        template_from_data(data)
    except TemplateError as bad:
        line = _line(text, str(bad))
        raise RulesFileError(f"{path}{f' line {line}' if line else ''}: {bad}") from None
    return data


def _line(text: str, message: str) -> int | None:
    """The line of the table a message names ('section #2 item #1 rule #3', 'veto #2')."""
    wanted = dict(re.findall(r"(section|item|rule|veto) #(\d+)", message))
    if not wanted:
        return None
    counts = {"section": 0, "item": 0, "rule": 0, "veto": 0}
    found = None
    for number, line in enumerate(text.splitlines(), start=1):
        for name, pattern in HEADERS.items():
            if re.match(pattern, line):
                counts[name] += 1
                if name == "section":
                    counts["item"] = counts["rule"] = 0
                elif name == "item":
                    counts["rule"] = 0
                if all(counts[k] == int(v) for k, v in wanted.items()) and name == _deepest(wanted):
                    found = number
    return found


def _deepest(wanted: dict[str, str]) -> str:
    return next(k for k in ("rule", "item", "section", "veto") if k in wanted)


def load_template(
    casebook: Casebook, data: dict[str, Any], *, actor: str, reason: str, source: str, authorise: bool = False
) -> str:
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]
    head = data["template"]
    meta = CommandMeta(command_id=f"template:{head['township']}:{head['year']}:{head['version']}:{digest}")
    township_template = casebook.assessments.template(str(head["township"]), int(head["year"]))
    before = township_template.version if township_template else 0
    try:
        casebook.assessments.adopt_template(
            actor, data=data, reason=reason, source=source, meta=meta, authorise=authorise
        )
    except DomainError as refused:
        raise RulesFileError(f"{source}: {refused}") from None
    after = casebook.assessments.template(str(head["township"]), int(head["year"]))
    return "adopted" if after and after.version != before else "unchanged"

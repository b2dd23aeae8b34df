"""The responsibility book (目标责任书) as data: a township's template for a year — sections,
items with a maximum and rules, the one-vote-veto triggers and the pay formula.

Rule shapes (DOMAIN.md, seed 000):
- `per_event`: points per fact matching a filter (−0.1 per dispute sent to the township
  without a first mediation; −2 per safety accident);
- `zero_if`: the item scores 0 when a fact matches (a fatal accident);
- `per_shortfall`: points per step a rate falls short of a threshold (−0.5 per 5 points
  under 85 %);
- `per_missing`: points per period without a matching fact (−1 per quarter without training);
- `manual`: entries by an assessor, each with a reason and evidence.
An item's deductions stop at zero; a bonus item starts at zero and rises to its maximum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from domain.directory.access import Post


class Shape(StrEnum):
    PER_EVENT = "per_event"
    ZERO_IF = "zero_if"
    PER_SHORTFALL = "per_shortfall"
    PER_MISSING = "per_missing"
    MANUAL = "manual"


class Period(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"


METRICS = {"mediation_success_rate": "disputes agreed / (agreed + failed after mediation), in the year"}


@dataclass(frozen=True)
class Match:
    """A filter on facts: the fact's kind, and each attribute equal to a value, one of a list,
    or within {min, max}."""

    fact: str
    where: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, kind: str, attributes: Mapping[str, Any]) -> bool:
        return kind == self.fact and all(_holds(attributes.get(k), v) for k, v in self.where.items())

    def describe(self) -> str:
        if not self.where:
            return self.fact
        return f"{self.fact} where " + ", ".join(f"{k} {_text(v)}" for k, v in sorted(self.where.items()))


def _holds(actual: Any, wanted: Any) -> bool:
    if isinstance(wanted, Mapping):
        if actual is None:
            return False
        return ("min" not in wanted or actual >= wanted["min"]) and (
            "max" not in wanted or actual <= wanted["max"]
        )
    if isinstance(wanted, list):
        return actual in wanted
    return actual == wanted


def _text(value: Any) -> str:
    if isinstance(value, Mapping):
        return " and ".join(f"{'≥' if k == 'min' else '≤'} {v}" for k, v in value.items())
    if isinstance(value, list):
        return "in " + "/".join(map(str, value))
    return f"= {value}"


@dataclass(frozen=True)
class Rule:
    shape: Shape
    points: float = 0.0
    match: Match | None = None
    metric: str | None = None
    threshold: float | None = None
    step: float | None = None
    period: Period | None = None

    def describe(self) -> str:
        if self.shape == Shape.PER_EVENT and self.match:
            return f"{self.points:+g} per {self.match.describe()}"
        if self.shape == Shape.ZERO_IF and self.match:
            return f"item 0 on {self.match.describe()}"
        if self.shape == Shape.PER_SHORTFALL:
            return f"{self.points:+g} per {self.step:g} short of {self.metric} ≥ {self.threshold:g}"
        if self.shape == Shape.PER_MISSING and self.match and self.period:
            return f"{self.points:+g} per {self.period.value} without {self.match.describe()}"
        return "assessor's entries"


@dataclass(frozen=True)
class Item:
    code: str
    title: str
    max: float
    rules: tuple[Rule, ...]
    bonus: bool = False


@dataclass(frozen=True)
class Section:
    code: str
    title: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class VetoTrigger:
    code: str
    title: str
    match: Match


@dataclass(frozen=True)
class PostPay:
    basic_monthly: float = 0.0
    basic_yearly: float = 0.0
    floating_yearly: float = 0.0


@dataclass(frozen=True)
class PayFormula:
    threshold: float = 80.0
    posts: Mapping[Post, PostPay] = field(default_factory=dict)
    absence_two_months_after_days: int = 15
    absence_cancels_after_days: int = 60
    incompetent_share: float = 0.5
    incompetent_cut: float = 0.5


@dataclass(frozen=True)
class Template:
    township: str
    year: int
    version: str
    effective_from: datetime
    sections: tuple[Section, ...]
    vetoes: tuple[VetoTrigger, ...]
    pay: PayFormula

    def item(self, code: str) -> Item | None:
        return next((i for s in self.sections for i in s.items if i.code == code), None)

    @property
    def responsible_posts(self) -> list[Post]:
        return list(self.pay.posts)


# -- reading a template from data (files and events use the same shape) ---------------------


class TemplateError(ValueError):
    """What is wrong, and where (`section #2 item #3 rule #1`)."""


def template_from_data(data: Mapping[str, Any]) -> Template:
    head = data.get("template")
    if not isinstance(head, Mapping):
        raise TemplateError("a [template] table with township, year, version and effective_from is required")
    for key in ("township", "year", "version", "effective_from"):
        if key not in head:
            raise TemplateError(f"[template]: missing {key!r}")
    effective_from = head["effective_from"]
    if isinstance(effective_from, str):
        try:
            effective_from = datetime.fromisoformat(effective_from)
        except ValueError:
            raise TemplateError("[template]: effective_from must be a date-time with an offset") from None
    if not isinstance(effective_from, datetime) or effective_from.tzinfo is None:
        raise TemplateError("[template]: effective_from must be a date-time with an offset")
    sections = tuple(_section(s, i) for i, s in enumerate(data.get("section", []), start=1))
    if not sections:
        raise TemplateError("a template needs at least one [[section]]")
    codes = [i.code for s in sections for i in s.items]
    if len(codes) != len(set(codes)):
        raise TemplateError(
            f"item codes must be unique; repeated: {sorted({c for c in codes if codes.count(c) > 1})}"
        )
    vetoes = tuple(
        VetoTrigger(v["code"], v.get("title", v["code"]), _match(v, f"veto #{i}"))
        for i, v in enumerate(data.get("veto", []), start=1)
    )
    return Template(
        str(head["township"]),
        int(head["year"]),
        str(head["version"]),
        effective_from,
        sections,
        vetoes,
        _pay(data.get("pay", {})),
    )


def _section(data: Mapping[str, Any], i: int) -> Section:
    where = f"section #{i}"
    if not data.get("code"):
        raise TemplateError(f"{where}: missing 'code'")
    items = tuple(_item(item, f"{where} item #{j}") for j, item in enumerate(data.get("item", []), start=1))
    if not items:
        raise TemplateError(f"{where}: a section needs at least one [[section.item]]")
    return Section(data["code"], data.get("title", data["code"]), items)


def _item(data: Mapping[str, Any], where: str) -> Item:
    for key in ("code", "max"):
        if key not in data:
            raise TemplateError(f"{where}: missing {key!r}")
    if not isinstance(data["max"], (int, float)) or data["max"] <= 0:
        raise TemplateError(f"{where}: max must be a positive number")
    rules = tuple(_rule(r, f"{where} rule #{k}") for k, r in enumerate(data.get("rule", []), start=1))
    if not rules:
        raise TemplateError(f"{where}: an item needs at least one [[section.item.rule]]")
    return Item(
        data["code"],
        data.get("title", data["code"]),
        float(data["max"]),
        rules,
        bool(data.get("bonus", False)),
    )


def _rule(data: Mapping[str, Any], where: str) -> Rule:
    try:
        shape = Shape(data.get("shape"))
    except ValueError:
        raise TemplateError(f"{where}: shape must be one of {', '.join(Shape)}") from None
    points = data.get("points", 0.0)
    if not isinstance(points, (int, float)):
        raise TemplateError(f"{where}: points must be a number")
    if shape in (Shape.PER_EVENT, Shape.ZERO_IF, Shape.PER_MISSING):
        match = _match(data, where)
    else:
        match = None
    if shape == Shape.PER_SHORTFALL:
        if data.get("metric") not in METRICS:
            raise TemplateError(f"{where}: metric must be one of {', '.join(METRICS)}")
        for key in ("threshold", "step"):
            if not isinstance(data.get(key), (int, float)) or data[key] <= 0:
                raise TemplateError(f"{where}: {key} must be a positive number")
    period = None
    if shape == Shape.PER_MISSING:
        try:
            period = Period(data.get("period"))
        except ValueError:
            raise TemplateError(f"{where}: period must be one of {', '.join(Period)}") from None
    return Rule(
        shape, float(points), match, data.get("metric"), data.get("threshold"), data.get("step"), period
    )


def _match(data: Mapping[str, Any], where: str) -> Match:
    from domain.assessment.facts import iter_kinds

    fact = data.get("fact")
    if fact not in set(iter_kinds()):
        raise TemplateError(f"{where}: fact must be one of {', '.join(iter_kinds())}")
    where_ = data.get("where", {})
    if not isinstance(where_, Mapping):
        raise TemplateError(f"{where}: where must be a table")
    return Match(fact, dict(where_))


def _pay(data: Mapping[str, Any]) -> PayFormula:
    posts = {}
    for name, values in data.get("post", {}).items():
        try:
            post = Post(name)
        except ValueError:
            raise TemplateError(f"[pay.post.{name}]: not a post; posts: {', '.join(Post)}") from None
        posts[post] = PostPay(
            float(values.get("basic_monthly", 0)),
            float(values.get("basic_yearly", 0)),
            float(values.get("floating_yearly", 0)),
        )
    return PayFormula(
        float(data.get("threshold", 80)),
        posts,
        int(data.get("absence_two_months_after_days", 15)),
        int(data.get("absence_cancels_after_days", 60)),
        float(data.get("incompetent_share", 0.5)),
        float(data.get("incompetent_cut", 0.5)),
    )

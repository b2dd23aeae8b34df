"""Scoring a unit's year: a pure function of the template versions, the facts, the assessor's
entries and reviews, and who held the responsible posts — as it stood on a business date
(`as_of`) and as it was known on a recording date (`as_known_on`).

Every point lost names its rule, the template version in force when the fact took effect,
and the events that caused it. A fact is scored by the version in force at its business
time (a mid-year change applies from its date; an incident's, when it occurred); the items,
their maxima, the vetoes' review and the pay come from the version in force at the as-of date
(the year's end, for a date after it).

Two time axes hold for every input: a fact, an entry, a review, an absence and an evaluation
counts as of a business date once it took effect by then, and as known on a recording date
once it was recorded by then. What the year is about ends with the year — the facts of the
year, the periods, the months a post was held — but what is decided about the year often comes
after it: a veto reviewed in January, an evaluation held after the year, a late correction of
an incident of the year count from when they took effect, after the year too.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain.assessment.book import Item, Period, Rule, Shape, Template
from domain.assessment.facts import STATEFUL, Fact
from domain.directory.access import Post
from domain.time.calendar import CHINA


@dataclass(frozen=True)
class Adopted:
    template: Template
    recorded_at: datetime


@dataclass(frozen=True)
class Entry:
    """An assessor's manual entry for an item."""

    entry_id: str
    item: str
    points: float
    reason: str
    evidence: str
    effective_at: datetime
    recorded_at: datetime


@dataclass(frozen=True)
class Review:
    """A veto reviewed: upheld or lifted, with the reason."""

    fact_id: str
    lifted: bool
    reason: str
    effective_at: datetime
    recorded_at: datetime


@dataclass(frozen=True)
class Held:
    """Who held a responsible post in the unit, from when to when."""

    person_id: str
    post: Post
    start: datetime
    end: datetime | None


@dataclass(frozen=True)
class PersonFacts:
    unapproved_absence_days: int = 0
    incompetent_share: float | None = None


@dataclass(frozen=True)
class Absence:
    """A responsible person's absence from duty, approved or not."""

    person_id: str
    days: int
    approved: bool
    effective_at: datetime
    recorded_at: datetime


@dataclass(frozen=True)
class Evaluation:
    """A democratic evaluation of a responsible person: the share voting 'incompetent'."""

    person_id: str
    incompetent_share: float
    effective_at: datetime
    recorded_at: datetime


def person_facts(
    absences: Iterable[Absence],
    evaluations: Iterable[Evaluation],
    as_of: datetime,
    known_on: datetime | None,
) -> dict[str, PersonFacts]:
    """What the pay of each person rests on, as it stood at `as_of` and as known on
    `known_on`: the unapproved absences that had taken effect, and the latest evaluation — an
    evaluation held after the year's end counts from when it took effect."""
    taken = [a for a in absences if a.effective_at <= as_of and _known(a.recorded_at, known_on)]
    held = sorted(
        (e for e in evaluations if e.effective_at <= as_of and _known(e.recorded_at, known_on)),
        key=lambda e: (e.effective_at, e.recorded_at),
    )
    latest = {e.person_id: e.incompetent_share for e in held}
    return {
        person: PersonFacts(
            sum(a.days for a in taken if a.person_id == person and not a.approved), latest.get(person)
        )
        for person in {a.person_id for a in taken} | set(latest)
    }


@dataclass
class Deduction:
    points: float
    rule: str
    version: str
    facts: list[str]
    note: str = ""


@dataclass
class ItemScore:
    code: str
    title: str
    max: float
    score: float
    deductions: list[Deduction] = field(default_factory=list)
    zeroed_by: list[str] = field(default_factory=list)


@dataclass
class VetoHit:
    trigger: str
    title: str
    version: str
    fact: str
    lifted: bool = False
    review: str = ""


@dataclass
class PayLine:
    person_id: str
    post: str
    months: float
    basic: float
    floating: float
    deductions: list[str]
    total: float


@dataclass
class Scorecard:
    unit: str
    year: int
    as_of: datetime
    as_known_on: datetime | None
    version: str
    versions_used: list[str]
    sections: list[dict[str, Any]]
    total: float
    vetoes: list[VetoHit]
    void: bool
    passed: bool
    pay: list[PayLine]


def _known(recorded_at: datetime, known_on: datetime | None) -> bool:
    return known_on is None or recorded_at <= known_on


def in_force(versions: list[Adopted], at: datetime, known_on: datetime | None) -> Template | None:
    """The version in force at a business time, among those recorded by `known_on` (all, if None)."""
    known = [
        a.template for a in versions if _known(a.recorded_at, known_on) and a.template.effective_from <= at
    ]
    return max(known, key=lambda t: t.effective_from, default=None)


def visible(facts: Iterable[Fact], year: int, as_of: datetime, known_on: datetime | None) -> list[Fact]:
    """The facts of the year as they stood at `as_of`, as known on `known_on`; for a case
    described by state, only its latest state (a correction made after the year, of a case
    of the year, counts from when it took effect)."""
    seen = [
        f for f in facts if f.year == year and f.effective_at <= as_of and _known(f.recorded_at, known_on)
    ]
    latest: dict[str, Fact] = {}
    for fact in sorted(seen, key=lambda f: (f.effective_at, f.recorded_at)):
        if fact.kind in STATEFUL and fact.case_id:
            latest[fact.case_id] = fact
    return [f for f in seen if f.kind not in STATEFUL] + list(latest.values())


def score(
    *,
    unit: str,
    year: int,
    versions: list[Adopted],
    facts: list[Fact],
    entries: list[Entry],
    reviews: list[Review],
    held: list[Held],
    people: dict[str, PersonFacts],
    as_of: datetime,
    known_on: datetime | None,
) -> Scorecard | None:
    year_end = datetime(year, 12, 31, 23, 59, 59, tzinfo=CHINA)
    moment = min(as_of, year_end)
    template = in_force(versions, moment, known_on)
    if template is None:
        return None
    counted = visible(facts, year, as_of, known_on)
    used: set[str] = {template.version}
    # Each fact asks which version was in force when it occurred: once per fact and moment, not
    # once per rule of every item and per veto (bench/scores.py: most of a card's time). Every
    # fact asks it for the vetoes anyway, so asking it first uses no version the card did not.
    found_at: dict[datetime, Template] = {}

    def version_at(at: datetime) -> Template:
        found = found_at.get(at)
        if found is None:
            found = found_at[at] = in_force(versions, at, known_on) or template
        used.add(found.version)
        return found

    placed = [(fact, version_at(fact.occurred)) for fact in sorted(counted, key=lambda f: f.effective_at)]
    sections = []
    for section in template.sections:
        items = [
            _item(item, counted, placed, entries, version_at, moment, known_on, year)
            for item in section.items
        ]
        sections.append(
            {
                "code": section.code,
                "title": section.title,
                "score": round(sum(i.score for i in items), 2),
                "items": items,
            }
        )
    total = round(sum(s["score"] for s in sections), 2)
    vetoes = _vetoes(placed, reviews, as_of, known_on)
    void = any(not v.lifted for v in vetoes)
    passed = not void and total >= template.pay.threshold
    pay = _pay(template, held, people, year, moment, total, passed)
    return Scorecard(
        unit,
        year,
        as_of,
        known_on,
        template.version,
        sorted(used),
        sections,
        total,
        vetoes,
        void,
        passed,
        pay,
    )


def _item(
    item: Item,
    facts: list[Fact],
    placed: list[tuple[Fact, Template]],
    entries: list[Entry],
    version_at: Any,
    moment: datetime,
    known_on: datetime | None,
    year: int,
) -> ItemScore:
    result = ItemScore(item.code, item.title, item.max, 0.0)
    for rule_index, rule in enumerate(item.rules):
        if rule.shape in (Shape.PER_EVENT, Shape.ZERO_IF):
            rule_in: dict[int, Rule] = {}  # this rule as each version has it, by the version's id
            for fact, template in placed:
                scored = rule_in.get(id(template))
                if scored is None:
                    scored = rule_in[id(template)] = _same_rule(template, item.code, rule_index) or rule
                if scored.match is None or not scored.match.matches(fact.kind, fact.attributes):
                    continue
                if scored.shape == Shape.ZERO_IF:
                    result.zeroed_by.append(fact.fact_id)
                else:
                    result.deductions.append(
                        Deduction(scored.points, scored.describe(), template.version, [fact.fact_id])
                    )
        elif rule.shape == Shape.PER_SHORTFALL:
            result.deductions.extend(_shortfall(rule, facts, version_at(moment).version))
        elif rule.shape == Shape.PER_MISSING:
            result.deductions.extend(_missing(rule, facts, year, moment, version_at(moment).version))
        elif rule.shape == Shape.MANUAL:
            for entry in entries:
                if (
                    entry.item == item.code
                    and entry.effective_at <= moment
                    and _known(entry.recorded_at, known_on)
                ):
                    result.deductions.append(
                        Deduction(
                            entry.points,
                            "assessor's entry",
                            version_at(entry.effective_at).version,
                            [entry.entry_id],
                            f"{entry.reason} (evidence: {entry.evidence})",
                        )
                    )
    change = sum(d.points for d in result.deductions)
    start = 0.0 if item.bonus else item.max
    result.score = 0.0 if result.zeroed_by else round(min(item.max, max(0.0, start + change)), 2)
    return result


def _same_rule(template: Template, item_code: str, index: int) -> Rule | None:
    """The rule at the same place of the same item in another version (how a mid-year change
    of a rule's points applies from its date)."""
    item = template.item(item_code)
    return item.rules[index] if item and index < len(item.rules) else None


def success_rate(facts: list[Fact]) -> tuple[float | None, list[str]]:
    agreed = [f.fact_id for f in facts if f.kind == "dispute.agreed"]
    failed = [f.fact_id for f in facts if f.kind == "dispute.failed_after_mediation"]
    concluded = len(agreed) + len(failed)
    return (len(agreed) / concluded if concluded else None), agreed + failed


def _shortfall(rule: Rule, facts: list[Fact], version: str) -> list[Deduction]:
    rate, basis = success_rate(facts)
    if rate is None or rule.threshold is None or rule.step is None or rate >= rule.threshold:
        return []
    steps = math.floor((rule.threshold - rate) / rule.step + 1e-9)
    if steps == 0:
        return []
    note = f"rate {rate:.1%} is {rule.threshold - rate:.1%} short: {steps} step(s) of {rule.step:g}"
    return [Deduction(rule.points * steps, rule.describe(), version, basis, note)]


def _periods(period: Period, year: int) -> list[tuple[date, date]]:
    months = [
        (date(year, m, 1), date(year + (m == 12), m % 12 + 1, 1) - timedelta(days=1)) for m in range(1, 13)
    ]
    if period == Period.MONTH:
        return months
    return [(months[q * 3][0], months[q * 3 + 2][1]) for q in range(4)]


def _missing(rule: Rule, facts: list[Fact], year: int, moment: datetime, version: str) -> list[Deduction]:
    if rule.match is None or rule.period is None:
        return []
    today = moment.astimezone(CHINA).date()
    held = [
        f.effective_at.astimezone(CHINA).date() for f in facts if rule.match.matches(f.kind, f.attributes)
    ]
    lost = []
    for first, last in _periods(rule.period, year):
        if last < today and not any(first <= day <= last for day in held):
            lost.append(
                Deduction(
                    rule.points, rule.describe(), version, [], f"{first.isoformat()} to {last.isoformat()}"
                )
            )
    return lost


def _vetoes(
    placed: list[tuple[Fact, Template]], reviews: list[Review], as_of: datetime, known_on: datetime | None
) -> list[VetoHit]:
    """The vetoes the facts trigger (each with the version in force when it occurred, in the
    order they took effect), each with its latest review that had taken effect by `as_of` — a
    review after the year's end included — and was recorded by `known_on`."""
    hits = []
    for fact, template in placed:
        for trigger in template.vetoes:
            if trigger.match.matches(fact.kind, fact.attributes):
                hit = VetoHit(trigger.code, trigger.title, template.version, fact.fact_id)
                for review in sorted(reviews, key=lambda r: r.effective_at):
                    if (
                        review.fact_id == fact.fact_id
                        and review.effective_at <= as_of
                        and _known(review.recorded_at, known_on)
                    ):
                        hit.lifted, hit.review = review.lifted, review.reason
                hits.append(hit)
    return hits


def _pay(
    template: Template,
    held: list[Held],
    people: dict[str, PersonFacts],
    year: int,
    moment: datetime,
    total: float,
    passed: bool,
) -> list[PayLine]:
    start = datetime(year, 1, 1, tzinfo=CHINA)
    lines = []
    for tenure in held:
        pay = template.pay.posts.get(tenure.post)
        if pay is None:
            continue
        begin, end = max(start, tenure.start), min(moment, tenure.end or moment)
        if end <= begin:
            continue
        months = round((end - begin).total_seconds() / 86400 / 365 * 12, 2)
        basic = pay.basic_monthly * months + pay.basic_yearly * months / 12
        floating = pay.floating_yearly * months / 12 * total / 100 if passed else 0.0
        facts = people.get(tenure.person_id, PersonFacts())
        notes = []
        if facts.unapproved_absence_days > template.pay.absence_cancels_after_days:
            notes.append(
                f"unapproved absence of {facts.unapproved_absence_days} days: the year's pay is cancelled"
            )
            basic = floating = 0.0
        elif facts.unapproved_absence_days > template.pay.absence_two_months_after_days:
            cut = min(2.0, months) / months if months else 1.0
            notes.append(
                f"unapproved absence of {facts.unapproved_absence_days} days: two months' pay deducted"
            )
            basic, floating = basic * (1 - cut), floating * (1 - cut)
        if facts.incompetent_share is not None and facts.incompetent_share > template.pay.incompetent_share:
            notes.append(
                f"{facts.incompetent_share:.0%} 'incompetent' in the democratic evaluation: "
                f"{template.pay.incompetent_cut:.0%} of the floating pay deducted"
            )
            floating *= 1 - template.pay.incompetent_cut
        lines.append(
            PayLine(
                tenure.person_id,
                tenure.post.value,
                months,
                round(basic, 2),
                round(floating, 2),
                notes,
                round(basic + floating, 2),
            )
        )
    return lines

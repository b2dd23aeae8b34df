"""Scores, vetoes and pay for a unit's year, as of any business date and as known on any
recording date: the scoring facts read model, the template's versions, the unit's
assessment year and the directory's posts, handed to the pure scoring in domain/scoring.py."""

from __future__ import annotations

from datetime import datetime

from domain.assessment.assessment import UnitYear
from domain.assessment.book import Template
from domain.assessment.scoring import Adopted, Entry, Held, PersonFacts, Review, Scorecard, score
from domain.directory.access import Post
from domain.directory.jurisdiction import NodeKind
from domain.time.calendar import CHINA
from infra.sql import Database
from projections.scoring_facts import ScoringFacts
from service.casebook import Casebook


class Scores:
    def __init__(self, casebook: Casebook, views: Database, facts: ScoringFacts) -> None:
        self.cb = casebook
        self.views = views
        self.facts = facts

    def township_of(self, unit: str) -> str:
        directory = self.cb.current_directory()
        directory.require_node(unit, NodeKind.VILLAGE, "unit", self.cb.clock())
        return directory.ancestor_of_kind(unit, NodeKind.TOWNSHIP, self.cb.clock()) or unit

    def versions(self, township: str, year: int) -> list[Adopted]:
        template = self.cb.assessments.template(township, year)
        return [Adopted(t, recorded) for t, recorded in template.versions] if template else []

    def card(
        self,
        unit: str,
        year: int,
        *,
        as_of: datetime | None = None,
        known_on: datetime | None = None,
        draft: Template | None = None,
    ) -> Scorecard | None:
        """The unit's scorecard; with a draft template, as if that draft were the only version
        (what-if: nothing is recorded)."""
        as_of = as_of or self.cb.clock()
        versions = (
            [Adopted(draft, draft.effective_from)] if draft else self.versions(self.township_of(unit), year)
        )
        with self.views.reading() as cur:
            facts = self.facts.facts(cur, unit, year)
        unit_year = self.cb.assessments.unit_year(unit, year)
        moment = min(as_of, datetime(year, 12, 31, 23, 59, 59, tzinfo=CHINA))
        return score(
            unit=unit,
            year=year,
            versions=versions,
            facts=facts,
            entries=_entries(unit_year),
            reviews=_reviews(unit_year),
            held=self._held(unit, known_on),
            people=_people(unit_year, moment, known_on),
            as_of=as_of,
            known_on=known_on,
        )

    def units(self, township: str) -> list[str]:
        directory, now = self.cb.current_directory(), self.cb.clock()
        return [
            code
            for code in directory.descendants(township, now)
            if directory.nodes[code].kind == NodeKind.VILLAGE
        ]

    def _held(self, unit: str, known_on: datetime | None) -> list[Held]:
        directory = self.cb.directory.as_known_on(known_on) if known_on else self.cb.current_directory()
        return [
            Held(t.person_id, t.post, t.start, t.end)
            for t in directory.tenures
            if t.node == unit and t.post in (Post.BRANCH_SECRETARY, Post.VILLAGE_DIRECTOR)
        ]


def _entries(unit_year: UnitYear | None) -> list[Entry]:
    if unit_year is None:
        return []
    return [
        Entry(
            f"{e.originator_id}:{e.originator_version}",
            e.item,
            e.points,
            e.reason,
            e.evidence,
            e.effective_at,
            e.timestamp,
        )
        for e in unit_year.entries
    ]


def _reviews(unit_year: UnitYear | None) -> list[Review]:
    if unit_year is None:
        return []
    return [Review(r.fact_id, r.lifted, r.reason, r.effective_at, r.timestamp) for r in unit_year.reviews]


def _people(
    unit_year: UnitYear | None, moment: datetime, known_on: datetime | None
) -> dict[str, PersonFacts]:
    if unit_year is None:
        return {}
    people: dict[str, PersonFacts] = {}
    persons = {a.person_id for a in unit_year.absences} | set(unit_year.evaluations)
    for person in persons:
        days = sum(
            a.days
            for a in unit_year.absences
            if a.person_id == person
            and not a.approved
            and a.effective_at <= moment
            and (known_on is None or a.timestamp <= known_on)
        )
        people[person] = PersonFacts(days, unit_year.evaluations.get(person))
    return people

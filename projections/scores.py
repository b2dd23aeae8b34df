"""Scores, vetoes and pay for a unit's year, as of any business date and as known on any
recording date: the scoring facts read model, the template's versions, the unit's
assessment year and the directory's posts, handed to the pure scoring in
domain/assessment/scoring.py."""

from __future__ import annotations

from datetime import datetime

from domain.assessment.assessment import UnitYear
from domain.assessment.book import Template
from domain.assessment.scoring import (
    Absence,
    Adopted,
    Entry,
    Evaluation,
    Held,
    PersonFacts,
    Review,
    Scorecard,
    person_facts,
    score,
)
from domain.directory.access import Post
from domain.directory.jurisdiction import NodeKind
from domain.directory.tree import Directory, Tenure
from infra.sql import Database
from projections.scoring_facts import ScoringFacts
from service.casebook import Casebook


class Scores:
    def __init__(self, casebook: Casebook, views: Database, facts: ScoringFacts) -> None:
        self.cb = casebook
        self.views = views
        self.facts = facts

    def township_of(self, unit: str, directory: Directory | None = None) -> str:
        directory = directory or self.cb.current_directory()
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
        also: tuple[Entry | Review, ...] = (),
    ) -> Scorecard | None:
        """The unit's scorecard; with a draft template, as if that draft were the only version;
        with `also`, as if those entries or reviews had been recorded too (what-if: nothing is
        recorded)."""
        as_of = as_of or self.cb.clock()
        directory = self.cb.current_directory()  # once a card: each look at it is a read of the store
        versions = (
            [Adopted(draft, draft.effective_from)]
            if draft
            else self.versions(self.township_of(unit, directory), year)
        )
        with self.views.reading() as cur:
            facts = self.facts.facts(cur, unit, year)
        unit_year = self.cb.assessments.unit_year(unit, year)
        return score(
            unit=unit,
            year=year,
            versions=versions,
            facts=facts,
            entries=_entries(unit_year) + [e for e in also if isinstance(e, Entry)],
            reviews=_reviews(unit_year) + [r for r in also if isinstance(r, Review)],
            held=self._held(unit, known_on, directory),
            people=_people(unit_year, as_of, known_on),
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

    def _tenures(self, known_on: datetime | None, directory: Directory) -> list[Tenure]:
        if known_on is None:
            return directory.tenures
        return self.cb.directory.tenures_known_on(known_on)

    def _held(self, unit: str, known_on: datetime | None, directory: Directory) -> list[Held]:
        return [
            Held(t.person_id, t.post, t.start, t.end)
            for t in self._tenures(known_on, directory)
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


def _people(unit_year: UnitYear | None, as_of: datetime, known_on: datetime | None) -> dict[str, PersonFacts]:
    """Each person's absences and evaluations, on both time axes like every input of a score."""
    if unit_year is None:
        return {}
    return person_facts(
        [Absence(a.person_id, a.days, a.approved, a.effective_at, a.timestamp) for a in unit_year.absences],
        [
            Evaluation(e.person_id, e.incompetent_share, e.effective_at, e.timestamp)
            for e in unit_year.evaluations_recorded
        ],
        as_of,
        known_on,
    )

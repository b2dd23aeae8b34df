"""Commands on assessments: templates adopted by the township's assessors; a unit's
activities recorded by its cadres; entries, veto reviews, absences and evaluations by the
assessors of the unit's township."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.assessment.assessment import AssessmentTemplate, UnitYear, template_id, unit_year_id
from domain.assessment.book import Template
from domain.directory.access import Right
from domain.directory.jurisdiction import NodeKind
from domain.errors import CaseNotFound, InvalidValue
from domain.time.calendar import CHINA
from service.store import NO_META, CommandMeta, Stamp

if TYPE_CHECKING:
    from service.store import CaseStore


class AssessmentDesk:
    def __init__(self, store: CaseStore) -> None:
        self.cb = store

    # -- templates ------------------------------------------------------------------

    def adopt_template(
        self,
        actor: str,
        *,
        data: dict[str, Any],
        reason: str,
        source: str,
        meta: CommandMeta = NO_META,
        authorise: bool = True,
    ) -> Template:
        head = data.get("template", {}) if isinstance(data, dict) else {}
        township, year = str(head.get("township", "")), head.get("year")
        if not isinstance(year, int):
            raise InvalidValue("template", "[template] year must be a whole number")
        self.cb.current_directory().require_node(township, NodeKind.TOWNSHIP, "township", self.cb.clock())
        if authorise:
            self.cb.authorise(actor, Right.ASSESS, township, meta, "adopt_template")
        stamp = self.cb.stamp(actor, meta)
        adopted: list[Template] = []

        def decide(t: AssessmentTemplate, s: Stamp) -> None:
            adopted.append(t.adopt(data=data, reason=reason, source=source, **s))

        self._ensure(lambda: AssessmentTemplate.open(township, year, **stamp), template_id(township, year))
        done = self.cb.change(
            AssessmentTemplate, template_id(township, year), "template", "adopt_template", stamp, decide, meta
        )
        return adopted[0] if adopted else done.versions[-1][0]

    def template(self, township: str, year: int) -> AssessmentTemplate | None:
        """The township's template for the year, shared (read-only: never mutate the result)."""
        try:
            return self.cb.shared(AssessmentTemplate, template_id(township, year), "template")
        except CaseNotFound:
            return None

    # -- a unit's year ----------------------------------------------------------------

    def record_activity(
        self,
        actor: str,
        *,
        unit: str,
        kind: str,
        title: str,
        attendees: list[str],
        absentees: list[str],
        meta: CommandMeta = NO_META,
    ) -> UnitYear:
        return self._on_unit(
            actor,
            unit,
            None,
            Right.RECORD_ACTIVITY,
            "record_activity",
            meta,
            lambda u, s: u.record_activity(
                kind=kind, title=title, attendees=attendees, absentees=absentees, **s
            ),
        )

    def enter_assessment(
        self,
        actor: str,
        *,
        unit: str,
        year: int,
        item: str,
        points: float,
        reason: str,
        evidence: str,
        meta: CommandMeta = NO_META,
    ) -> UnitYear:
        township = self._township(unit)
        template = self.template(township, year)
        items = {
            i.code for t, _ in (template.versions if template else []) for s in t.sections for i in s.items
        }
        return self._on_unit(
            actor,
            unit,
            year,
            Right.ASSESS,
            "enter_assessment",
            meta,
            lambda u, s: u.enter_assessment(
                item=item, points=points, reason=reason, evidence=evidence, known_items=items, **s
            ),
        )

    def review_veto(
        self,
        actor: str,
        *,
        unit: str,
        year: int,
        fact_id: str,
        lifted: bool,
        reason: str,
        vetoed: set[str],
        meta: CommandMeta = NO_META,
    ) -> UnitYear:
        return self._on_unit(
            actor,
            unit,
            year,
            Right.ASSESS,
            "review_veto",
            meta,
            lambda u, s: u.review_veto(fact_id=fact_id, lifted=lifted, reason=reason, vetoed=vetoed, **s),
        )

    def record_absence(
        self,
        actor: str,
        *,
        unit: str,
        person_id: str,
        days: int,
        approved: bool,
        reason: str,
        year: int | None = None,
        meta: CommandMeta = NO_META,
    ) -> UnitYear:
        return self._on_unit(
            actor,
            unit,
            year,
            Right.ASSESS,
            "record_absence",
            meta,
            lambda u, s: u.record_absence(
                person_id=person_id, days=days, approved=approved, reason=reason, **s
            ),
        )

    def record_evaluation(
        self,
        actor: str,
        *,
        unit: str,
        year: int,
        person_id: str,
        incompetent_share: float,
        meta: CommandMeta = NO_META,
    ) -> UnitYear:
        return self._on_unit(
            actor,
            unit,
            year,
            Right.ASSESS,
            "record_evaluation",
            meta,
            lambda u, s: u.record_evaluation(person_id=person_id, incompetent_share=incompetent_share, **s),
        )

    def unit_year(self, unit: str, year: int) -> UnitYear | None:
        """The unit's assessment year, shared (read-only: never mutate the result)."""
        try:
            return self.cb.shared(UnitYear, unit_year_id(unit, year), "assessment year")
        except CaseNotFound:
            return None

    # -- machinery --------------------------------------------------------------------

    def _township(self, unit: str) -> str:
        directory, now = self.cb.current_directory(), self.cb.clock()
        directory.require_node(unit, NodeKind.VILLAGE, "unit", now)
        return directory.ancestor_of_kind(unit, NodeKind.TOWNSHIP, now) or unit

    def _on_unit(
        self,
        actor: str,
        unit: str,
        year: int | None,
        right: Right,
        action: str,
        meta: CommandMeta,
        decide: Callable[[UnitYear, Stamp], Any],
    ) -> UnitYear:
        self._township(unit)
        self.cb.authorise(actor, right, unit, meta, action)
        stamp = self.cb.stamp(actor, meta)
        year = year or stamp["effective_at"].astimezone(CHINA).year
        self._ensure(
            lambda: UnitYear.open(unit, year, **{**stamp, "command_id": f"open:{unit}:{year}"}),
            unit_year_id(unit, year),
        )
        return self.cb.change(
            UnitYear, unit_year_id(unit, year), "assessment year", action, stamp, decide, meta
        )

    def _ensure(self, build: Callable[[], Any], case_id: Any) -> None:
        try:
            self.cb.repository.get(case_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            try:
                self.cb.save(build())
            except IntegrityError:
                pass  # opened meanwhile by someone else

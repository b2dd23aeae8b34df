"""Commands on the rulebook: adopting a policy version, loading or correcting a calendar year.
Only people whose post covers a whole county may change them; operators load files."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from domain.directory.access import Right
from domain.directory.jurisdiction import NodeKind
from domain.errors import AccessDenied
from domain.time.calendar import DEFAULT_CALENDAR, BusinessCalendar, CalendarYear, running_out
from domain.time.policy import InProgress, Rule
from domain.time.rulebook import RULEBOOK_ID, Rulebook
from service.store import NO_META, CommandMeta

if TYPE_CHECKING:
    from service.store import CaseStore


class RulebookDesk:
    def __init__(self, store: CaseStore) -> None:
        self.cb = store

    def current(self) -> Rulebook:
        """The rulebook as it stands (shared, read-only)."""
        try:
            return self.cb.repository.get(RULEBOOK_ID, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return Rulebook.open(actor="system", effective_at=self.cb.clock(), command_id="none")

    def calendars_in_use(self) -> list[BusinessCalendar]:
        """The calendars clocks count on: the default region's, and every region loaded."""
        book = self.current()
        return [book.calendar(r) for r in sorted({DEFAULT_CALENDAR, *book.calendars})]

    def calendar_warnings(self, today: date) -> list[str]:
        """What operators must know about those calendars: a year about to begin, or begun,
        that no calendar file has loaded."""
        return [w for c in self.calendars_in_use() if (w := running_out(c, today)) is not None]

    def adopt_policy(
        self,
        actor: str,
        *,
        version: str,
        effective_from: Any,
        in_progress: InProgress,
        rules: list[Rule],
        reason: str,
        source: str,
        meta: CommandMeta = NO_META,
        authorise: bool = True,
    ) -> Rulebook:
        def decide(book: Rulebook, stamp: Any) -> None:
            if authorise:
                self._require_county_post(actor)
            book.adopt_policy(
                version=version,
                effective_from=effective_from,
                in_progress=in_progress,
                rules=rules,
                reason=reason,
                source=source,
                **stamp,
            )

        return self._change("adopt_policy", actor, meta, decide)

    def load_calendar_year(
        self,
        actor: str,
        *,
        region: str,
        year: CalendarYear,
        reason: str,
        source: str,
        meta: CommandMeta = NO_META,
        authorise: bool = True,
    ) -> str:
        """Loads a year not yet known, or corrects a known one; says which it did."""
        done = "unchanged"

        def decide(book: Rulebook, stamp: Any) -> bool | None:
            nonlocal done
            if authorise:
                self._require_county_post(actor)
            if year.year not in book.calendar(region).years:
                book.load_calendar_year(region=region, year=year, reason=reason, source=source, **stamp)
                done = "loaded"
                return None
            changed = book.correct_calendar_year(
                region=region, year=year, reason=reason, source=source, **stamp
            )
            done = "corrected" if changed else "unchanged"
            return None if changed else False

        self._change("load_calendar_year", actor, meta, decide)
        return done

    def _require_county_post(self, actor: str) -> None:
        directory = self.cb.current_directory()
        counties = [n.code for n in directory.nodes.values() if n.kind == NodeKind.COUNTY]
        denial: AccessDenied | None = None
        for county in counties:
            try:
                self.cb.authorise_in(directory, actor, Right.MANAGE_POLICY, county)  # and when dated
                return
            except AccessDenied as refused:
                denial = refused
        raise denial or AccessDenied(actor, Right.MANAGE_POLICY, None, "there is no county in the directory")

    def _change(self, action: str, actor: str, meta: CommandMeta, decide: Any) -> Rulebook:
        stamp = self.cb.stamp(actor, meta)
        try:
            self.cb.repository.get(RULEBOOK_ID, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            try:
                self.cb.save(
                    Rulebook.open(actor=actor, effective_at=stamp["effective_at"], command_id="open-rulebook")
                )
            except IntegrityError:
                pass  # opened meanwhile
        return self.cb.change(Rulebook, RULEBOOK_ID, "rulebook", action, stamp, decide, meta)

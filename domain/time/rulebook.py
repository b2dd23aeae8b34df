"""The rulebook: deadline policy versions and business calendars, as events. Changing either
is recorded with who did it and why; nothing is overwritten, so any due date can be traced
to the exact policy version and calendar it was computed with."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue, TransitionNotAllowed
from domain.time.calendar import BusinessCalendar, CalendarYear
from domain.time.policy import InProgress, PolicyVersion, Rule, check_rules

RULEBOOK_ID = uuid5(NAMESPACE_URL, "https://fengqiao.example/rulebook")


def _dates(values: list[str]) -> frozenset[date]:
    return frozenset(date.fromisoformat(v) for v in values)


class Rulebook(Aggregate):
    TOPIC = "fengqiao.rulebook:Rulebook"

    class Event(Aggregate.Event):
        actor: str
        effective_at: datetime
        command_id: str

    class Opened(Aggregate.Created, Event):
        """The rulebook began."""

        TOPIC = "fengqiao.rulebook:Opened"

    Created = Opened

    class PolicyVersionAdopted(Event):
        """A version of the deadline policy was adopted, in force from a date."""

        TOPIC = "fengqiao.rulebook:PolicyVersionAdopted"
        version: str
        effective_from: datetime
        in_progress: str
        rules: list[dict[str, Any]]
        reason: str
        source: str

        def apply(self, book: Rulebook) -> None:
            book.policies.append(
                PolicyVersion(
                    self.version,
                    self.effective_from,
                    tuple(Rule.from_data(r) for r in self.rules),
                    InProgress(self.in_progress),
                )
            )
            book.policies.sort(key=lambda p: p.effective_from)

    class CalendarYearLoaded(Event):
        """A region's holidays and make-up working days for a year were loaded."""

        TOPIC = "fengqiao.rulebook:CalendarYearLoaded"
        region: str
        year: int
        holidays: list[str]
        workdays: list[str]
        reason: str
        source: str

        def apply(self, book: Rulebook) -> None:
            book._set_year(self.region, CalendarYear(self.year, _dates(self.holidays), _dates(self.workdays)))

    class CalendarYearCorrected(Event):
        """A loaded year was corrected; open deadlines counted with it are recomputed."""

        TOPIC = "fengqiao.rulebook:CalendarYearCorrected"
        region: str
        year: int
        holidays: list[str]
        workdays: list[str]
        reason: str
        source: str

        def apply(self, book: Rulebook) -> None:
            book._set_year(self.region, CalendarYear(self.year, _dates(self.holidays), _dates(self.workdays)))

    def __init__(self, *, actor: str, effective_at: datetime, command_id: str) -> None:
        self.policies: list[PolicyVersion] = []
        self.calendars: dict[str, BusinessCalendar] = {}

    @staticmethod
    def create_id(**_: object) -> UUID:
        return RULEBOOK_ID

    @classmethod
    def open(cls, **stamp: Any) -> Rulebook:
        return cls._create(cls.Opened, **stamp)

    # -- commands -------------------------------------------------------------

    def adopt_policy(
        self,
        *,
        version: str,
        effective_from: datetime,
        in_progress: InProgress,
        rules: list[Rule],
        reason: str,
        source: str,
        **stamp: Any,
    ) -> None:
        if any(p.version == version for p in self.policies):
            raise TransitionNotAllowed(
                "adopt_policy",
                f"version {version} adopted",
                [],
                "a version is adopted once; give the change a new version",
            )
        if problems := check_rules(rules):
            raise InvalidValue("rules", "; ".join(problems))
        if not reason.strip():
            raise InvalidValue("reason", "say why the policy changes")
        self.trigger_event(
            self.PolicyVersionAdopted,
            version=version,
            effective_from=effective_from,
            in_progress=InProgress(in_progress).value,
            rules=[r.as_data() for r in rules],
            reason=reason.strip(),
            source=source,
            **stamp,
        )

    def load_calendar_year(
        self, *, region: str, year: CalendarYear, reason: str, source: str, **stamp: Any
    ) -> None:
        existing = self.calendars.get(region, BusinessCalendar(region)).years.get(year.year)
        if existing is not None:
            raise TransitionNotAllowed(
                "load_calendar_year",
                f"{region} {year.year} loaded",
                ["correct_calendar_year"],
                "that year is loaded already; correct it instead",
            )
        self.trigger_event(
            self.CalendarYearLoaded,
            **self._year_data(region, year),
            reason=reason.strip(),
            source=source,
            **stamp,
        )

    def correct_calendar_year(
        self, *, region: str, year: CalendarYear, reason: str, source: str, **stamp: Any
    ) -> bool:
        """Returns False (recording nothing) when the correction changes nothing."""
        existing = self.calendars.get(region, BusinessCalendar(region)).years.get(year.year)
        if existing is None:
            raise TransitionNotAllowed(
                "correct_calendar_year", f"{region} {year.year} not loaded", ["load_calendar_year"]
            )
        if existing == year:
            return False
        if not reason.strip():
            raise InvalidValue("reason", "say what the correction corrects")
        self.trigger_event(
            self.CalendarYearCorrected,
            **self._year_data(region, year),
            reason=reason.strip(),
            source=source,
            **stamp,
        )
        return True

    # -- questions ------------------------------------------------------------

    def policy_in_force(self, at: datetime) -> PolicyVersion | None:
        found = None
        for policy in self.policies:
            if policy.effective_from <= at:
                found = policy
        return found

    def policy(self, version: str) -> PolicyVersion | None:
        return next((p for p in self.policies if p.version == version), None)

    def calendar(self, region: str) -> BusinessCalendar:
        return self.calendars.get(region, BusinessCalendar(region))

    def _set_year(self, region: str, year: CalendarYear) -> None:
        current = self.calendar(region)
        self.calendars[region] = BusinessCalendar(
            region, {**current.years, year.year: year}, current.version + 1
        )

    @staticmethod
    def _year_data(region: str, year: CalendarYear) -> dict[str, Any]:
        return {
            "region": region,
            "year": year.year,
            "holidays": sorted(d.isoformat() for d in year.holidays),
            "workdays": sorted(d.isoformat() for d in year.workdays),
        }


EVENT_CLASSES = (
    Rulebook.Opened,
    Rulebook.PolicyVersionAdopted,
    Rulebook.CalendarYearLoaded,
    Rulebook.CalendarYearCorrected,
)

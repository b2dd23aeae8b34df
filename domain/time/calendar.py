"""Business calendars: which days are working days in a region, and how a time limit counted
in hours, calendar days or working days runs — with every day it skipped, so a due date can
be explained.

Days are local days (China Standard Time, UTC+8, no daylight saving). A limit counted in
days runs from the day after the start and ends at the end of its last day; a calendar-day
limit whose last day is not a working day runs to the end of the next working day (the
usual rule for statutory periods). A year whose holiday notice is not loaded counts its
statutory holidays (`domain.time.holidays`, fixed by the national regulation) and weekends,
provisionally: the notice may add bridging days off and make-up working days, so what is
counted there is marked provisional and recounted when the year is loaded.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from enum import StrEnum

from domain.time.holidays import statutory_holidays

CHINA = timezone(timedelta(hours=8), "CST")
LOCAL = CHINA  # the nodes' local time: every node of the jurisdiction keeps China's time


def shown(moment: datetime, *, seconds: bool = False) -> str:
    """An instant as a person reads it — in the API, in CSV, in explain and in error messages:
    the nodes' local time with its offset (2026-03-02T17:00:00+08:00). Stored instants stay as
    they were recorded; only their showing is local."""
    return moment.astimezone(LOCAL).isoformat(timespec="seconds" if seconds else "auto")


DEFAULT_CALENDAR = "CN"  # the national calendar every clock counts on unless a rule names another


class Unit(StrEnum):
    SECONDS = "seconds"  # for demonstrations and drills; statutory limits are in hours or days
    MINUTES = "minutes"
    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"
    WORKING_DAYS = "working_days"


CLOCK_UNITS = frozenset({Unit.SECONDS, Unit.MINUTES, Unit.HOURS})


@dataclass(frozen=True)
class CalendarYear:
    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]  # weekend days that are worked (调休上班)

    def __post_init__(self) -> None:
        for day in self.holidays | self.workdays:
            if day.year != self.year:
                raise ValueError(f"{day.isoformat()} is not in {self.year}")
        if both := self.holidays & self.workdays:
            raise ValueError(f"{min(both).isoformat()} is both a holiday and a working day")


@dataclass(frozen=True)
class Skipped:
    day: date
    # "weekend", "holiday", "weekend (calendar for 2027 not loaded)", "New Year's Day (provisional …)"
    why: str


@dataclass(frozen=True)
class Reckoning:
    """A due time and how it was reached. `unknown_years`: the years counted without their
    holiday notice, by the statutory holidays and weekends alone — provisionally."""

    start: datetime
    amount: int
    unit: Unit
    due: datetime
    skipped: tuple[Skipped, ...] = ()
    rolled_forward: bool = False
    unknown_years: tuple[int, ...] = ()
    last_day: date | None = None  # the period's last day, before it moved off rest days

    @property
    def provisional(self) -> bool:
        return bool(self.unknown_years)


@dataclass(frozen=True)
class BusinessCalendar:
    region: str
    years: dict[int, CalendarYear] = field(default_factory=dict)
    version: int = 0

    def why_not_working(self, day: date) -> str | None:
        known = self.years.get(day.year)
        if known is not None:
            if day in known.workdays:
                return None
            if day in known.holidays:
                return "holiday"
        elif (festival := statutory_holidays(day.year).get(day)) is not None:
            return f"{festival} (provisional: calendar for {day.year} not loaded)"
        if day.weekday() >= 5:
            return "weekend" if known is not None else f"weekend (calendar for {day.year} not loaded)"
        return None

    def is_working_day(self, day: date) -> bool:
        return self.why_not_working(day) is None

    def reckon(
        self, start: datetime, amount: int, unit: Unit, paused: Collection[date] = frozenset()
    ) -> Reckoning:
        """The due time of `amount` units from `start`. Days count from the day after the start;
        working days skip the days the calendar says are not worked; a limit in calendar days
        whose last day is not a working day runs to the next working day. Local days in
        `paused` (a hearing) are not counted in either unit; clock units ignore them (their
        pauses are added as durations by the caller)."""
        if amount < 0:
            raise ValueError("a time limit cannot be negative")
        if unit in CLOCK_UNITS:
            return Reckoning(start, amount, unit, start + timedelta(**{unit.value: amount}))
        first = start.astimezone(CHINA).date()
        skipped: list[Skipped] = []
        day, counted = first, 0
        while counted < amount:
            day += timedelta(days=1)
            why = self.why_not_working(day) if unit == Unit.WORKING_DAYS else None
            if why is None and day in paused:
                why = "paused"
            if why is None:
                counted += 1
            else:
                skipped.append(Skipped(day, why))
        rolled, last = False, day
        if unit == Unit.CALENDAR_DAYS:
            while (why := self.why_not_working(day)) is not None and amount > 0:
                skipped.append(Skipped(day, why))
                day += timedelta(days=1)
                rolled = True
        unknown = sorted({d.year for d in _days(first, day)} - set(self.years))
        return Reckoning(start, amount, unit, end_of(day), tuple(skipped), rolled, tuple(unknown), last)


LOOKAHEAD = timedelta(days=92)  # a quarter: the longest ordinary limits (60 days and an extension) fit


def running_out(calendar: BusinessCalendar, today: date, ahead: timedelta = LOOKAHEAD) -> str | None:
    """A warning for operators when a year the calendar does not know begins within `ahead` of
    `today` (or has begun): limits running into it count its statutory holidays and weekends
    only, provisionally, not its bridging days off and make-up working days."""
    missing = [y for y in range(today.year, (today + ahead).year + 1) if y not in calendar.years]
    if not missing:
        return None
    year = missing[0]
    when = "now" if year == today.year else f"from {date(year, 1, 1).isoformat()}"
    return (
        f"no {calendar.region} calendar for {year} is loaded: limits counted {when} skip weekends and "
        f"the statutory holidays only, provisionally, not {year}'s bridging days off and make-up working "
        f"days; no petition is concluded and no request refused on such a count. Load it (a file in the "
        f"calendar folder, read at the next start) and the open clocks running into {year} are counted again."
    )


def end_of(day: date) -> datetime:
    """The last moment of a local day."""
    return datetime.combine(day, time(23, 59, 59), CHINA)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]

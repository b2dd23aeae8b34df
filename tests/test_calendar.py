"""Counting time limits across the 2026 national holidays and their make-up working days."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from domain.time.calendar import CHINA, BusinessCalendar, CalendarYear, Unit, running_out
from domain.time.holidays import statutory_holidays
from infra.rules_files import RulesFileError, read_calendar_file
from tests.support import ROOT

CN_2026 = read_calendar_file(ROOT / "config" / "calendars" / "CN-2026.toml")
CN = BusinessCalendar("CN", {2026: CN_2026.year}, 1)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA)


def test_five_working_days_across_national_day_skip_the_holiday_week_and_count_the_make_up_saturday():
    reckoning = CN.reckon(local(2026, 9, 28, 10, 0), 5, Unit.WORKING_DAYS)
    # Tue 29, Wed 30 Sep; 1-7 Oct holidays; Thu 8, Fri 9, and Saturday 10 Oct is worked.
    assert reckoning.due == local(2026, 10, 10, 23, 59, 59)
    assert [s.day for s in reckoning.skipped] == [date(2026, 10, d) for d in range(1, 8)]
    assert {s.why for s in reckoning.skipped} == {"holiday"}


def test_a_make_up_sunday_is_a_working_day_and_an_ordinary_weekend_is_not():
    assert CN.is_working_day(date(2026, 9, 20))  # Sunday worked for National Day
    assert not CN.is_working_day(date(2026, 9, 19))
    assert CN.why_not_working(date(2026, 9, 13)) == "weekend"


def test_working_days_across_the_spring_festival():
    reckoning = CN.reckon(local(2026, 2, 12, 9, 0), 3, Unit.WORKING_DAYS)
    # Fri 13; Sat 14 is worked; 15-23 holidays; Tue 24.
    assert reckoning.due == local(2026, 2, 24, 23, 59, 59)
    assert len([s for s in reckoning.skipped if s.why == "holiday"]) == 9


def test_a_calendar_day_limit_ending_on_a_holiday_runs_to_the_next_working_day():
    reckoning = CN.reckon(local(2026, 9, 30, 16, 0), 1, Unit.CALENDAR_DAYS)
    assert reckoning.due == local(2026, 10, 8, 23, 59, 59) and reckoning.rolled_forward
    plain = CN.reckon(local(2026, 3, 2, 9, 0), 15, Unit.CALENDAR_DAYS)
    assert plain.due == local(2026, 3, 17, 23, 59, 59) and not plain.skipped


def test_paused_days_are_not_counted_and_a_calendar_day_limit_still_ends_on_a_working_day():
    # 10 calendar days from Wed 22 April end on Sat 2 May, in the Labour Day holiday: Wed 6 May.
    assert CN.reckon(local(2026, 4, 22, 9, 0), 10, Unit.CALENDAR_DAYS).due == local(2026, 5, 6, 23, 59, 59)
    # Two paused days (24 and 25 April) push the last day to Mon 4 May, still a holiday: Wed 6 May.
    paused = {date(2026, 4, 24), date(2026, 4, 25)}
    assert CN.reckon(local(2026, 4, 22, 9, 0), 10, Unit.CALENDAR_DAYS, paused).due == local(
        2026, 5, 6, 23, 59, 59
    )
    # Five paused days push it to Thu 7 May, a working day.
    paused |= {date(2026, 4, 26), date(2026, 4, 27), date(2026, 4, 28)}
    reckoning = CN.reckon(local(2026, 4, 22, 9, 0), 10, Unit.CALENDAR_DAYS, paused)
    assert reckoning.due == local(2026, 5, 7, 23, 59, 59)
    assert [s.day for s in reckoning.skipped if s.why == "paused"] == sorted(paused)


def test_only_the_working_days_of_a_pause_are_taken_out_of_a_working_day_limit():
    # 5 working days from Wed 22 April: 23, 24, 27, 28, 29 April (25 and 26 a weekend).
    assert CN.reckon(local(2026, 4, 22, 9, 0), 5, Unit.WORKING_DAYS).due == local(2026, 4, 29, 23, 59, 59)
    # A pause from Fri 24 to Mon 27 April takes out two working days (24 and 27), not four:
    # 23, 28, 29, 30 April, then the Labour Day holiday, then Wed 6 May.
    paused = {date(2026, 4, d) for d in range(24, 28)}
    assert CN.reckon(local(2026, 4, 22, 9, 0), 5, Unit.WORKING_DAYS, paused).due == local(
        2026, 5, 6, 23, 59, 59
    )


def test_hours_run_around_the_clock():
    assert CN.reckon(local(2026, 10, 1, 9, 0), 24, Unit.HOURS).due == local(2026, 10, 2, 9, 0)


def test_a_year_the_calendar_does_not_know_counts_weekends_and_its_statutory_holidays_and_says_so():
    reckoning = CN.reckon(local(2026, 12, 28, 9, 0), 10, Unit.WORKING_DAYS)
    assert reckoning.unknown_years == (2027,) and reckoning.provisional
    # Tue 29 to Thu 31 Dec; Friday 1 January 2027 is New Year's Day, then a weekend; Mon 4 to Fri 8,
    # Mon 11 and Tue 12 January.
    assert reckoning.due == local(2027, 1, 12, 23, 59, 59)
    assert [(s.day.isoformat(), s.why) for s in reckoning.skipped][:3] == [
        ("2027-01-01", "New Year's Day (provisional: calendar for 2027 not loaded)"),
        ("2027-01-02", "weekend (calendar for 2027 not loaded)"),
        ("2027-01-03", "weekend (calendar for 2027 not loaded)"),
    ]


def test_the_statutory_holidays_are_the_regulations_thirteen_days_and_every_one_is_off_in_the_2026_notice():
    days = statutory_holidays(2026)
    assert len(days) == 13  # 1 + 4 + 1 + 2 + 1 + 1 + 3 (the regulation as revised in 2024)
    assert set(days) <= CN_2026.year.holidays  # the notice adds bridging days; it never works one of these
    assert [d for d, name in sorted(days.items()) if name == "Spring Festival"] == [
        date(2026, 2, d) for d in (16, 17, 18, 19)
    ]  # the eve and the first three days of the first lunar month (Spring Festival: 17 February)


def test_the_lunar_festivals_of_a_year_not_loaded_are_known_before_its_notice():
    days = statutory_holidays(2027)
    named = {name: sorted(d for d, n in days.items() if n == name) for name in set(days.values())}
    assert named["Spring Festival"] == [date(2027, 2, d) for d in (5, 6, 7, 8)]  # the new year on 6 February
    assert named["Qingming"] == [date(2027, 4, 5)]
    assert named["Dragon Boat Festival"] == [date(2027, 6, 9)]
    assert named["Mid-Autumn Festival"] == [date(2027, 9, 15)]
    assert named["National Day"] == [date(2027, 10, d) for d in (1, 2, 3)]
    # A calendar-day limit whose last day is the Spring Festival's eve runs past the festival.
    reckoning = CN.reckon(local(2027, 1, 6, 9, 0), 30, Unit.CALENDAR_DAYS)
    assert reckoning.due == local(2027, 2, 9, 23, 59, 59) and reckoning.rolled_forward


def test_operators_are_warned_a_quarter_before_a_year_no_calendar_covers_and_after_it_begins():
    assert running_out(CN, date(2026, 9, 30)) is None  # 2027 more than 92 days away
    ahead = running_out(CN, date(2026, 10, 1))
    assert ahead is not None and ahead.startswith(
        "no CN calendar for 2027 is loaded: limits counted from 2027-01-01 skip weekends and the statutory "
        "holidays only, provisionally"
    )
    begun = running_out(CN, date(2027, 1, 4))
    assert begun is not None and begun.startswith("no CN calendar for 2027 is loaded: limits counted now")
    assert "open clocks running into 2027 are counted again" in begun
    both = BusinessCalendar("CN", {2026: CN_2026.year, 2027: CalendarYear(2027, frozenset(), frozenset())}, 2)
    assert running_out(both, date(2026, 11, 23)) is None
    assert running_out(BusinessCalendar("CN"), date(2026, 3, 2)).startswith("no CN calendar for 2026")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[calendar]\nregion = "CN"\nyear = 2026\nholidays = [2027-01-01]\n',
            "line 4: holidays: 2027-01-01 is not in 2026",
        ),
        (
            '[calendar]\nregion = "CN"\nyear = 2026\nworkdays = [2026-10-08]\n',
            "line 4: workdays: 2026-10-08 is a Thursday",
        ),
        (
            (
                '[calendar]\nregion = "CN"\nyear = 2026\nholidays = [2026-10-10]\n'
                "workdays = [\n 2026-10-10,\n]\n"
            ),
            "line 6: 2026-10-10 is both a holiday and a working day",
        ),
        ('[calendar]\nregion = "CN"\nyear = "2026"\n', "line 3: year must be a whole number"),
        ('[calendar]\nregion = "CN"\nyear = = 2026\n', "line 3"),
    ],
)
def test_a_malformed_calendar_file_is_refused_with_the_line_and_the_reason(
    tmp_path: Path, text: str, message: str
):
    path = tmp_path / "cal.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesFileError, match=message):
        read_calendar_file(path)

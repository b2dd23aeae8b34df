"""The statutory holidays of the national holiday regulation (全国年节及纪念日放假办法, as revised
in 2024), known for any year before the State Council's notice of that year's arrangement is
published: New Year's Day; the Spring Festival's eve and first three days; Qingming; 1–2 May;
the Dragon Boat Festival; the Mid-Autumn Festival; 1–3 October. The notice later adds the
bridging days off and the make-up working days (调休上班); until it is loaded these days are
the holidays a limit counts, provisionally.

The lunar festivals and the Qingming solar term come from a maintained lunar-calendar library
(`lunar_python`), pure computation like the standard library's `calendar`."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache

from lunar_python import Lunar

REGULATION = "全国年节及纪念日放假办法 (2024)"


def _lunar(year: int, month: int, day: int) -> date:
    solar = Lunar.fromYmd(year, month, day).getSolar()
    return date(solar.getYear(), solar.getMonth(), solar.getDay())


def _days(first: date, count: int) -> list[date]:
    return [first + timedelta(days=i) for i in range(count)]


@cache
def statutory_holidays(year: int) -> dict[date, str]:
    """Each statutory holiday of the Gregorian `year`, with its festival's name."""
    new_year = _lunar(year, 1, 1)  # always between 21 January and 20 February
    qingming = Lunar.fromYmd(year, 1, 1).getJieQiTable()["清明"]
    festivals = {
        "New Year's Day": [date(year, 1, 1)],
        "Spring Festival": _days(new_year - timedelta(days=1), 4),
        "Qingming": [date(qingming.getYear(), qingming.getMonth(), qingming.getDay())],
        "Labour Day": _days(date(year, 5, 1), 2),
        "Dragon Boat Festival": [_lunar(year, 5, 5)],
        "Mid-Autumn Festival": [_lunar(year, 8, 15)],
        "National Day": _days(date(year, 10, 1), 3),
    }
    return {day: name for name, days in festivals.items() for day in days if day.year == year}

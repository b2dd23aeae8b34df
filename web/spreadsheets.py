"""Excel workbooks of the township's tables: headers in the reader's language, the header row
frozen, dates and rates formatted, and every text cell neutralised against formula injection
(OWASP: a cell that starts with = + - @, a tab or a carriage return is written as text with a
leading apostrophe, so a spreadsheet never runs it)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import xlsxwriter

from api.exports import safe
from domain.time.calendar import LOCAL


def workbook(
    sheet: str, header: Sequence[str], rows: Sequence[Sequence[Any]], rates: Sequence[int] = ()
) -> bytes:
    """One sheet: the header row frozen, the columns in `rates` as percentages."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    )
    page = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True, "bg_color": "#EEF1F6", "border": 1, "text_wrap": True})
    percent = book.add_format({"num_format": "0.0%"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    page.freeze_panes(1, 0)
    for col, title in enumerate(header):
        page.write_string(0, col, str(title), bold)
        page.set_column(col, col, max(10, min(40, len(str(title)) * 2 + 2)))
    for r, row in enumerate(rows, start=1):
        for col, value in enumerate(row):
            if value is None:
                page.write_blank(r, col, None)
            elif isinstance(value, bool):
                page.write_boolean(r, col, value)
            elif isinstance(value, int | float):
                page.write_number(r, col, value, percent if col in rates else None)
            elif isinstance(value, datetime | date):
                if isinstance(value, datetime) and value.tzinfo is not None:
                    value = value.astimezone(LOCAL).replace(tzinfo=None)  # an instant, in local time
                page.write_datetime(
                    r,
                    col,
                    value if isinstance(value, datetime) else datetime(value.year, value.month, value.day),
                    day,
                )
            else:
                page.write_string(r, col, str(safe(value)))
    book.close()
    return out.getvalue()

"""Files people open in a spreadsheet: CSV (UTF-8, with a byte-order mark when asked for, so
Excel on Chinese Windows does not read it as GBK) with every text cell neutralised against
formula injection as OWASP recommends, and attachment names written per RFC 6266/5987."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import quote

from fastapi import Response

from api.times import local

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def safe(value: Any) -> Any:
    """A cell as it may be written: numbers as themselves, text that a spreadsheet could read
    as a formula behind an apostrophe."""
    if isinstance(value, str) and value.startswith(DANGEROUS):
        return "'" + value
    return value


def content_disposition(filename: str) -> str:
    """An ASCII fallback name and the exact UTF-8 name; no quote, backslash or control
    character reaches the header."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def csv_response(
    header: Sequence[str], rows: Iterable[Sequence[Any]], filename: str, bom: bool = False
) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe(h) for h in header])
    writer.writerows([("" if v is None else safe(local(v))) for v in row] for row in rows)
    return Response(
        (BOM if bom else "") + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": content_disposition(filename)},
    )

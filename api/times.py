"""Every instant a person reads from the API is shown in the nodes' local time with its offset
(`domain.time.calendar.shown`): values in JSON bodies, instants quoted in problem details, and
cells of CSV files. The store keeps instants as recorded (the events' timestamps in UTC, business
times with the offset they were given); this is the one place that decides how they are shown."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from fastapi.responses import JSONResponse

from domain.time.calendar import shown

INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:\d{2})")


def local(value: Any) -> Any:
    """The value with every instant in it — a datetime with an offset, or a string that is
    exactly one — shown in local time; everything else as it was."""
    if isinstance(value, str):
        return _shown(value) if INSTANT.fullmatch(value) else value
    if isinstance(value, datetime):
        return shown(value) if value.tzinfo is not None else value.isoformat()
    if isinstance(value, dict):
        return {k: local(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [local(v) for v in value]
    return value


def local_text(value: Any) -> Any:
    """Sentences with the instants they quote shown in local time (a problem's detail and
    messages), through dicts and lists."""
    if isinstance(value, str):
        return INSTANT.sub(lambda found: _shown(found.group()), value)
    if isinstance(value, dict):
        return {k: local_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [local_text(v) for v in value]
    return local(value)


def _shown(text: str) -> str:
    try:
        return shown(datetime.fromisoformat(text))
    except (ValueError, OverflowError):  # not a moment, or one at the calendar's very end
        return text


class LocalTimeJSONResponse(JSONResponse):
    """The API's JSON response: instants in local time."""

    def render(self, content: Any) -> bytes:
        return super().render(local(content))

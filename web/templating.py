"""Rendering a page in the person's language: one Jinja2 environment, the catalogue of the
language chosen for this request, and the filters every page uses (local times, labels)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date
from fastapi import Request
from fastapi.responses import HTMLResponse

from domain.time.backdating import is_late
from domain.time.calendar import LOCAL as NODES_LOCAL
from web import i18n, labels

TEMPLATES = Path(__file__).parent / "templates"
# People read times in the node's local time, with its offset; every node is in China today.
LOCAL = NODES_LOCAL  # the nodes' local time, as everywhere a person reads a time

env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    extensions=["jinja2.ext.i18n"],
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
env.install_null_translations(newstyle=True)  # replaced per render by the request's language


def local(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M (UTC+08:00)")


def local_input(moment: datetime | None) -> str:
    """A moment as a datetime-local form field shows it."""
    return "" if moment is None else moment.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


env.filters["local"] = local
env.filters["local_input"] = local_input


def countdown(due_at: datetime, now: datetime, gettext: Any) -> str:
    """How long is left before a deadline, or how long it is overdue, in days and hours (minutes
    in the last hour)."""
    left = due_at - now
    minutes = int(abs(left).total_seconds() // 60)
    days, hours = divmod(minutes // 60, 24)
    if days:
        span = gettext(labels.N_("%(days)d d %(hours)d h")) % {"days": days, "hours": hours}
    elif hours:
        span = gettext(labels.N_("%(hours)d h")) % {"hours": hours}
    else:
        span = gettext(labels.N_("%(minutes)d min")) % {"minutes": minutes}
    if left < timedelta(0):
        return gettext(labels.N_("overdue by %(span)s")) % {"span": span}
    return gettext(labels.N_("%(span)s left")) % {"span": span}


def long_date(moment: datetime | None, lang: str) -> str:
    """A day as documents write it: 2026年3月2日, 2 March 2026 (in the node's local time)."""
    if moment is None:
        return ""
    return format_date(moment.astimezone(LOCAL).date(), "long", locale=i18n.babel_locale(lang))


def recorded_late(event: Any) -> bool:
    """Whether an event was recorded more than the grace after it took effect (its business time)."""
    effective_at, recorded_at = getattr(event, "effective_at", None), getattr(event, "timestamp", None)
    return effective_at is not None and recorded_at is not None and is_late(effective_at, recorded_at)


def late_reason(request: Request, event: Any) -> str | None:
    """The reason the sender gave for recording the event late, kept on their command's receipt."""
    system = getattr(request.app.state, "system", None)
    return None if system is None else system.casebook.late_reason_of(event)


def language(request: Request) -> str:
    return i18n.choose(request.cookies.get(i18n.COOKIE), request.headers.get("accept-language"))


def _server_now(request: Request) -> str:
    """The system's time, for the phone's outbox to correct the phone's own clock by (web/offline.py)."""
    system = getattr(request.app.state, "system", None)
    return system.casebook.clock().isoformat() if system is not None else ""


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    lang = language(request)
    translations = i18n.translations(lang)
    gettext, ngettext = translations.gettext, translations.ngettext

    def label(kind: str, code: object) -> str:
        return labels.label(kind, code, gettext)

    def choices(kind: str) -> list[tuple[str, str]]:
        return labels.choices(kind, gettext)

    page = env.get_template(template).render(
        request=request,
        lang=lang,
        languages=i18n.LANGUAGES,
        gettext=gettext,
        ngettext=ngettext,
        _=gettext,
        label=label,
        choices=choices,
        csrf=getattr(getattr(request.state, "session", None), "csrf_token", ""),
        signed_in=getattr(request.state, "session", None) is not None,
        person_id=getattr(request.state, "person", ""),
        server_now=_server_now(request),
        long_date=lambda moment: long_date(moment, lang),
        countdown=lambda due_at, now: countdown(due_at, now, gettext),
        outcome=lambda text: labels.outcome(text, gettext),
        recorded_late=recorded_late,
        late_reason=lambda event: late_reason(request, event),
        **context,
    )
    return HTMLResponse(page, status_code=status, headers={"Content-Language": lang})

"""The workbench's briefings: the ones for my nodes, week by week; a briefing read as a document
(any version, what changed from the one before, printable on A4), exported to Excel; its owners'
analysis, countermeasures and sign-off; and to whom it was issued."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SystemDep
from api.exports import content_disposition
from domain.briefings.briefing import PATROL_KINDS, Briefing, BriefingKind, CommentKind
from domain.errors import CaseNotFound, DomainError
from domain.time.calendar import CHINA
from infra.bootstrap import System
from projections.briefings import (
    FIGURES,
    PATROL_COUNTS,
    SITUATION_FIGURES,
    period_before,
    previous_period,
)
from service.store import CommandMeta
from web.labels import N_, label
from web.pages import Person, Problems, _gettext, checked_form, problems_of
from web.spreadsheets import workbook
from web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)
PERIODS = 8  # the briefings listed: the last eight periods of each kind
KIND_TITLES = {
    BriefingKind.DISPUTE_WEEKLY: N_("Weekly analysis of disputes"),
    BriefingKind.TOWNSHIP_RANKING: N_("Weekly notification of the villages"),
    BriefingKind.SITUATION_HALF_MONTHLY: N_("Half-monthly situation notice"),
    BriefingKind.PATROL_WEEKLY: N_("Weekly patrol roll-up"),
    BriefingKind.PATROL_DAILY: N_("Daily patrol roll-up"),
    BriefingKind.PATROL_MONTHLY: N_("Monthly patrol roll-up"),
}
PATROL_TITLES = {
    "scheduled": N_("Shifts scheduled"),
    "walked": N_("Shifts walked"),
    "missed": N_("Shifts missed"),
    "cancelled": N_("Shifts cancelled"),
    "checkpoints_missed": N_("Checkpoints missed"),
    "findings": N_("Cases opened from findings"),
}
# The briefings of figures from the node statistics: their figures, the heading of the period's own
# column, and each compared period's column (its key in the content, its heading).
STATISTICS_TABLES = {
    BriefingKind.DISPUTE_WEEKLY: (
        FIGURES,
        N_("This week"),
        (("previous_week", N_("Previous week")), ("same_week_last_year", N_("Same week last year"))),
    ),
    BriefingKind.SITUATION_HALF_MONTHLY: (
        SITUATION_FIGURES,
        N_("This half-month"),
        (("previous_half_month", N_("Previous half-month")),),
    ),
}
COMMENT_TITLES = {CommentKind.ANALYSIS: N_("Analysis"), CommentKind.COUNTERMEASURE: N_("Countermeasures")}


def _name(system: System, code: str) -> str:
    record = system.casebook.current_directory().node(code)
    return record.name_at(system.casebook.clock()) if record else code


def _recent(system: System, person: str) -> list[Briefing]:
    """The briefings of the last weeks at the nodes where the person holds a post, and their
    villages' (for a township)."""
    cb = system.casebook
    tree, now = cb.current_directory(), cb.clock()
    nodes: set[str] = set()
    for tenure in tree.posts_of(person, now):
        nodes.add(tenure.node)
        nodes.update(tree.children(tenure.node, now))
    found = []
    for kind in BriefingKind:
        day, _ = period_before(kind, now)
        for _ in range(PERIODS):
            start = datetime.combine(day, time.min, CHINA)
            for node in sorted(nodes):
                briefing = cb.briefings.find(kind.value, node, start)
                if briefing is not None:
                    found.append(briefing)
            day, _ = previous_period(kind, day)
    return sorted(found, key=lambda b: b.period_start, reverse=True)


@router.get("/briefings", response_class=HTMLResponse)
def briefings_page(request: Request, system: SystemDep, person: str = Person) -> Response:
    return render(
        request,
        "briefings.html",
        briefings=_recent(system, person),
        titles=KIND_TITLES,
        node_name=lambda c: _name(system, c),
    )


def _version(briefing: Briefing, version: int | None) -> dict[str, Any]:
    return briefing.version_of(version) if version else briefing.current


def _briefing_page(
    request: Request,
    system: System,
    person: str,
    briefing_id: UUID,
    version: int | None = None,
    problems: Problems | None = None,
) -> Response:
    briefing = system.casebook.briefings.briefing(person, briefing_id)
    shown = _version(briefing, version)
    return render(
        request,
        "briefing.html",
        status=problems.status if problems else 200,
        briefing=briefing,
        shown=shown,
        period_last_day=briefing.period_end - timedelta(seconds=1),
        period_from=briefing.period_start.astimezone(CHINA).date().isoformat(),
        period_to=(briefing.period_end - timedelta(seconds=1)).astimezone(CHINA).date().isoformat(),
        table=STATISTICS_TABLES.get(BriefingKind(briefing.kind)),
        patrol=briefing.kind in PATROL_KINDS,
        titles=KIND_TITLES,
        comment_titles=COMMENT_TITLES,
        patrol_counts=PATROL_COUNTS,
        patrol_titles=PATROL_TITLES,
        problems=problems or Problems(),
        node_name=lambda c: _name(system, c),
        name_of=system.casebook.current_directory().name_of,
    )


@router.get("/briefings/{briefing_id}", response_class=HTMLResponse)
def briefing_page(
    briefing_id: UUID,
    request: Request,
    system: SystemDep,
    person: str = Person,
    version: int | None = Query(None, ge=1),
) -> Response:
    return _briefing_page(request, system, person, briefing_id, version)


@router.get("/briefings/{briefing_id}/workbook.xlsx")
def briefing_workbook(
    briefing_id: UUID,
    request: Request,
    system: SystemDep,
    person: str = Person,
    version: int | None = Query(None, ge=1),
) -> Response:
    """The briefing's table as Excel: one row per figure (or per village, for the ranking)."""
    gettext = _gettext(request)
    briefing = system.casebook.briefings.briefing(person, briefing_id)
    shown = _version(briefing, version)
    content = shown["content"]
    if briefing.kind in STATISTICS_TABLES:
        figures, this, compared = STATISTICS_TABLES[BriefingKind(briefing.kind)]
        header = [gettext(N_("Figure")), gettext(this), *(gettext(title) for _, title in compared)]
        header += [gettext(N_("Cases"))]
        rows = [
            [
                label("metric", name, gettext),
                content["figures"][name]["value"],
                *(content[key][name] for key, _ in compared),
                " ".join(content["cases"].get(name, [])),
            ]
            for name in figures
        ]
    elif briefing.kind in PATROL_KINDS:
        header = [gettext(N_("Route")), gettext(N_("Place"))]
        header += [gettext(PATROL_TITLES[count]) for count in PATROL_COUNTS]
        rows = [
            [r["name"], _name(system, r["node"])] + [len(r[count]) for count in PATROL_COUNTS]
            for r in content["rows"]
        ]
        rows.append([gettext(N_("All routes")), ""] + [content["figures"]["total"][c] for c in PATROL_COUNTS])
    else:
        header = [gettext(N_("Rank")), gettext(N_("Village")), gettext(N_("Points lost this week"))]
        header += [gettext(N_("Score"))]
        rows = [[r["rank"], r["name"], r["lost"], r["score"]] for r in content["rows"]]
    body = workbook(gettext(KIND_TITLES[BriefingKind(briefing.kind)]), header, rows, [])
    week = briefing.period_start.astimezone(CHINA)
    filename = f"{briefing.kind}-{briefing.node}-{week:%Y-%m-%d}-v{shown['number']}.xlsx"
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": content_disposition(filename)},
    )


@router.post("/briefings/{briefing_id}/{action}", response_class=HTMLResponse)
async def briefing_action(
    briefing_id: UUID, action: str, request: Request, system: SystemDep, person: str = Person
) -> Response:
    if action not in ("comment", "sign-off"):
        raise CaseNotFound("action", action)
    data = await checked_form(request)
    meta = CommandMeta(from_person=True, command_id=str(data.get("command_id") or "") or None)
    desk = system.casebook.briefings
    try:
        if action == "comment":
            kind = str(data.get("kind") or "")
            desk.comment(person, briefing_id, comment_kind=kind, text=str(data.get("text") or ""), meta=meta)
        else:
            desk.sign_off(person, briefing_id, meta=meta)
    except (ValueError, DomainError) as error:
        if isinstance(error, CaseNotFound):
            raise
        if isinstance(error, ValueError) and not isinstance(error, DomainError):
            problems = Problems(fields={"kind": _gettext(request)(N_("Please choose one of the options."))})
        else:
            problems = problems_of(error, _gettext(request))
        return _briefing_page(request, system, person, briefing_id, problems=problems)
    return RedirectResponse(f"/app/briefings/{briefing_id}", status_code=303)

"""The assessor's pages (考核): a village's score for a year explained line by line — each item
with its deductions, the rule, the template version and the events that caused each, each a
link — as of a business date and as known on a recording date; manual entries (a deduction or
a bonus with its reason and evidence) and the review of a one-vote veto, through the same desk
as the API; and a what-if: the score if an entry were made or a veto lifted, beside the
official one, with nothing recorded."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SystemDep
from api.routes.assessments import EntryIn, VetoReviewIn
from api.routes.dispute_list import readable_nodes
from domain.assessment.book import Shape
from domain.assessment.scoring import Entry, Review, Scorecard
from domain.directory.access import Right
from domain.directory.jurisdiction import NodeKind
from domain.errors import CaseNotFound, DomainError
from domain.time.calendar import CHINA
from infra.bootstrap import System
from service.store import CommandMeta
from web.board_pages import STATE_KINDS, case_href
from web.labels import N_
from web.pages import Person, Problems, _gettext, _node_name, checked_form, problems_of
from web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)
WHAT_IF_ID = "what-if"


def _day_end(text: str) -> datetime | None:
    """A date field as the end of that day in China, or None when empty or not a date."""
    try:
        return datetime.combine(date.fromisoformat(text), time(23, 59, 59), CHINA) if text else None
    except ValueError:
        return None


def _villages(system: System, person: str) -> list[tuple[str, str]]:
    directory = system.casebook.current_directory()
    return sorted(
        (code, _node_name(system, code))
        for code in readable_nodes(system, person)
        if (node := directory.node(code)) is not None and node.kind == NodeKind.VILLAGE
    )


@router.get("/scores", response_class=HTMLResponse)
def scores_index(request: Request, system: SystemDep, person: str = Person) -> Response:
    year = system.casebook.clock().astimezone(CHINA).year
    return render(request, "scores_index.html", villages=_villages(system, person), year=year)


def _card(system: System, unit: str, year: int, **when: Any) -> Scorecard:
    card = system.scores.card(unit, year, **when)
    if card is None:
        raise CaseNotFound("responsibility book", f"{system.scores.township_of(unit)} {year}")
    return card


def _facts_of(system: System, card: Scorecard) -> dict[str, tuple[str, str]]:
    """Each fact id's case (kind, link), where the case list knows it."""
    ids = {
        fact.split(":", 1)[0]
        for section in card.sections
        for item in section["items"]
        for fact in [*(f for d in item.deductions for f in d.facts), *item.zeroed_by]
    } | {hit.fact.split(":", 1)[0] for hit in card.vetoes}
    with system.views.reading() as cur:
        known = system.case_list.of_cases(cur, sorted(ids))
    return {case: (row["case_kind"], case_href(row["case_kind"], case)) for case, row in known.items()}


def _score_page(
    request: Request,
    system: System,
    person: str,
    unit: str,
    year: int,
    *,
    problems: Problems | None = None,
    form: dict[str, Any] | None = None,
    failed: str | None = None,
) -> HTMLResponse:
    if system.casebook.current_directory().node(unit) is None:
        raise CaseNotFound("node", unit)
    system.casebook.authorise(person, Right.READ, unit)
    query = request.query_params
    as_of, known_on = _day_end(query.get("as_of", "")), _day_end(query.get("known_on", ""))
    card = _card(system, unit, year, as_of=as_of, known_on=known_on)
    what_if, change = _what_if(system, unit, year, query, as_of, known_on)
    may_assess = True
    try:
        system.casebook.authorise(person, Right.ASSESS, unit)
    except DomainError:
        may_assess = False
    directory = system.casebook.current_directory()
    return render(
        request,
        "score.html",
        status=problems.status if problems else 200,
        here=f"/app/scores/{unit}/{year}",
        unit=unit,
        year=year,
        card=card,
        what_if=what_if,
        change=change,
        items_of={i.code: i for s in (what_if.sections if what_if else []) for i in s["items"]},
        as_of=query.get("as_of", ""),
        known_on=query.get("known_on", ""),
        cases=_facts_of(system, card),
        state_kinds=STATE_KINDS,
        manual=[
            (i.code, i.title)
            for s in card.sections
            for i in s["items"]
            if _is_manual(system, unit, year, i.code)
        ],
        may_assess=may_assess,
        has_year=system.casebook.assessments.unit_year(unit, year) is not None,
        problems=problems or Problems(),
        failed=failed,
        form=form or {},
        name_of=lambda pid: directory.name_of(pid),
        node_name=lambda code: _node_name(system, code),
    )


def _is_manual(system: System, unit: str, year: int, item: str) -> bool:
    template = system.casebook.assessments.template(system.scores.township_of(unit), year)
    found = template.versions[-1][0].item(item) if template and template.versions else None
    return bool(found and any(r.shape == Shape.MANUAL for r in found.rules))


def _what_if(
    system: System, unit: str, year: int, query: Any, as_of: datetime | None, known_on: datetime | None
) -> tuple[Scorecard | None, str]:
    """The score as if an entry were made (`if_item`, `if_points`) or a veto lifted (`if_lift`)."""
    moment = min(as_of or system.casebook.clock(), datetime(year, 12, 31, 23, 59, 59, tzinfo=CHINA))
    recorded = known_on or system.casebook.clock()
    also: tuple[Entry | Review, ...] = ()
    if query.get("if_lift"):
        also = (Review(query["if_lift"], True, "what-if", moment, recorded),)
    elif query.get("if_item"):
        try:
            points = float(query.get("if_points", ""))
        except ValueError:
            return None, ""
        also = (Entry(WHAT_IF_ID, query["if_item"], points, "what-if", "", moment, recorded),)
    if not also:
        return None, ""
    return _card(system, unit, year, as_of=as_of, known_on=known_on, also=also), (
        "lift" if query.get("if_lift") else "entry"
    )


@router.get("/scores/{unit}/{year}", response_class=HTMLResponse)
def score_page(unit: str, year: int, request: Request, system: SystemDep, person: str = Person) -> Response:
    return _score_page(request, system, person, unit, year)


@router.post("/scores/{unit}/{year}/entries", response_class=HTMLResponse)
async def enter(unit: str, year: int, request: Request, system: SystemDep, person: str = Person) -> Response:
    """An assessor's deduction (points below 0) or bonus, with the reason and the evidence."""
    data = {k: v for k, v in (await checked_form(request)).items() if k != "csrf"}
    command_id = str(data.pop("command_id", "") or "") or None
    try:
        body = EntryIn.model_validate({k: v for k, v in data.items() if v != ""})
        system.casebook.assessments.enter_assessment(
            person,
            unit=unit,
            year=year,
            item=body.item,
            points=body.points,
            reason=body.reason,
            evidence=body.evidence,
            meta=CommandMeta(from_person=True, command_id=command_id),
        )
    except (ValidationError, DomainError) as error:
        if isinstance(error, CaseNotFound):
            raise
        problems = problems_of(error, _gettext(request))
        return _score_page(request, system, person, unit, year, problems=problems, form=data, failed="entry")
    return RedirectResponse(f"/app/scores/{unit}/{year}", status_code=303)


@router.post("/scores/{unit}/{year}/veto-reviews", response_class=HTMLResponse)
async def review(unit: str, year: int, request: Request, system: SystemDep, person: str = Person) -> Response:
    """Uphold or lift a one-vote veto, with the reason."""
    data = {k: v for k, v in (await checked_form(request)).items() if k != "csrf"}
    command_id = str(data.pop("command_id", "") or "") or None
    try:
        body = VetoReviewIn.model_validate(
            {
                **{k: v for k, v in data.items() if v != "" and k != "decision"},
                "lifted": data.get("decision") == "lift",
            }
        )
        vetoed = {hit.fact for hit in _card(system, unit, year).vetoes}
        system.casebook.assessments.review_veto(
            person,
            unit=unit,
            year=year,
            fact_id=body.fact_id,
            lifted=body.lifted,
            reason=body.reason,
            vetoed=vetoed,
            meta=CommandMeta(from_person=True, command_id=command_id),
        )
    except (ValidationError, DomainError) as error:
        if isinstance(error, CaseNotFound):
            raise
        problems = problems_of(error, _gettext(request))
        return _score_page(request, system, person, unit, year, problems=problems, form=data, failed="veto")
    return RedirectResponse(f"/app/scores/{unit}/{year}", status_code=303)


WORDS = (N_("assessor's entry"),)

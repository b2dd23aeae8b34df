"""The responsibility book: templates, a unit's activities and assessments, and the scores,
vetoes and pay they give — as of any date, as known on any date, or under a draft."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Response, status
from pydantic import AwareDatetime, BaseModel, Field

from api.deps import CurrentPerson, Meta, NodeCode, SystemDep, Year, meta_for, within_years
from api.exports import csv_response
from api.schemas import In
from domain.assessment.book import TemplateError, template_from_data
from domain.assessment.scoring import Scorecard
from domain.directory.access import Right
from domain.errors import CaseNotFound, InvalidValue
from infra.bootstrap import System

router = APIRouter(tags=["assessment"])
AS_OF = Query(None, description="The business date the score stood at (default: now).")
KNOWN_ON = Query(None, description="Score only what had been recorded by then (for auditors).")


class TemplateIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    source: str = Field("", max_length=500, description="The notice or document it comes from.")
    template: dict[str, Any] = Field(description="The template, as in config/assessment/*.toml, in JSON.")


class DraftIn(BaseModel):
    template: dict[str, Any]


class ActivityIn(In):
    kind: str = Field(description="training, committee_meeting, villagers_meeting or publicity")
    title: str = Field("", max_length=200)
    attendees: list[str] = Field(default_factory=list)
    absentees: list[str] = Field(default_factory=list)


class EntryIn(In):
    item: str
    points: float = Field(ge=-100, le=100)
    reason: str = Field(max_length=2000)
    evidence: str = Field(max_length=2000)


class VetoReviewIn(In):
    fact_id: str
    lifted: bool
    reason: str = Field(max_length=2000)


class AbsenceIn(In):
    person_id: str
    days: int
    approved: bool
    reason: str = Field("", max_length=2000)


class EvaluationIn(In):
    person_id: str
    incompetent_share: float


class Recorded(BaseModel):
    version: int


class ScorecardPublic(BaseModel):
    unit: str
    year: int
    as_of: datetime
    as_known_on: datetime | None
    version: str
    versions_used: list[str]
    sections: list[dict[str, Any]]
    total: float
    vetoes: list[dict[str, Any]]
    void: bool
    passed: bool
    pay: list[dict[str, Any]]

    @classmethod
    def of(cls, card: Scorecard) -> ScorecardPublic:
        return cls(**asdict(card))


class TownshipRow(BaseModel):
    unit: str
    version: str | None
    total: float | None
    void: bool | None
    passed: bool | None
    sections: dict[str, float]


def _card(system: System, unit: str, year: int, **when: Any) -> Scorecard:
    for field, moment in when.items():
        if isinstance(moment, datetime):
            within_years(field, moment)
    card = system.scores.card(unit, year, **when)
    if card is None:
        raise CaseNotFound("responsibility book", f"{system.scores.township_of(unit)} {year}")
    return card


@router.post("/townships/{node}/templates", status_code=status.HTTP_201_CREATED, response_model=Recorded)
def adopt_template(
    township: NodeCode, body: TemplateIn, person: CurrentPerson, system: SystemDep, meta: Meta
) -> Recorded:
    """Adopt a version of the township's responsibility-book template for a year."""
    if body.template.get("template", {}).get("township") != township:
        raise InvalidValue(
            "template", "the template's [template] township must be {township}", township=township
        )
    adopted = system.casebook.assessments.adopt_template(
        person, data=body.template, reason=body.reason, source=body.source, meta=meta_for(body, meta)
    )
    found = system.casebook.assessments.template(township, adopted.year)
    return Recorded(version=found.version if found else 0)


def _unit_command(path: str, body_model: type[In], call: Any, summary: str) -> None:
    def of_unit(unit: NodeCode, body: Any, person: CurrentPerson, system: SystemDep, meta: Meta) -> Recorded:
        return Recorded(version=call(system, person, unit, None, body, meta_for(body, meta)).version)

    def of_year(
        unit: NodeCode, year: Year, body: Any, person: CurrentPerson, system: SystemDep, meta: Meta
    ) -> Recorded:
        return Recorded(version=call(system, person, unit, year, body, meta_for(body, meta)).version)

    endpoint = of_year if "{year}" in path else of_unit
    endpoint.__annotations__["body"] = body_model
    endpoint.__doc__ = summary
    router.add_api_route(
        path,
        endpoint,
        methods=["POST"],
        response_model=Recorded,
        summary=summary.rstrip("."),
        name=path.rsplit("/", 1)[-1].replace("-", "_"),
    )


_unit_command(
    "/units/{node}/activities",
    ActivityIn,
    lambda sy, p, u, y, b, m: sy.casebook.assessments.record_activity(
        p, unit=u, kind=b.kind, title=b.title, attendees=b.attendees, absentees=b.absentees, meta=m
    ),
    "Record a training, meeting or other activity held, with who was absent.",
)
_unit_command(
    "/units/{node}/assessments/{year}/entries",
    EntryIn,
    lambda sy, p, u, y, b, m: sy.casebook.assessments.enter_assessment(
        p, unit=u, year=y, item=b.item, points=b.points, reason=b.reason, evidence=b.evidence, meta=m
    ),
    "Enter an assessor's points on an item, with the reason and the evidence.",
)
_unit_command(
    "/units/{node}/assessments/{year}/absences",
    AbsenceIn,
    lambda sy, p, u, y, b, m: sy.casebook.assessments.record_absence(
        p, unit=u, year=y, person_id=b.person_id, days=b.days, approved=b.approved, reason=b.reason, meta=m
    ),
    "Record a responsible person's absence from duty, approved or not.",
)
_unit_command(
    "/units/{node}/assessments/{year}/evaluations",
    EvaluationIn,
    lambda sy, p, u, y, b, m: sy.casebook.assessments.record_evaluation(
        p, unit=u, year=y, person_id=b.person_id, incompetent_share=b.incompetent_share, meta=m
    ),
    "Record the democratic evaluation of a responsible person.",
)


@router.post("/units/{node}/assessments/{year}/veto-reviews", response_model=Recorded)
def review_veto(
    unit: NodeCode, year: Year, body: VetoReviewIn, person: CurrentPerson, system: SystemDep, meta: Meta
) -> Recorded:
    """Uphold or lift a one-vote veto of the unit's year, with the reason."""
    vetoed = {hit.fact for hit in _card(system, unit, year).vetoes}
    return Recorded(
        version=system.casebook.assessments.review_veto(
            person,
            unit=unit,
            year=year,
            fact_id=body.fact_id,
            lifted=body.lifted,
            reason=body.reason,
            vetoed=vetoed,
            meta=meta_for(body, meta),
        ).version
    )


@router.get("/units/{node}/scores/{year}", response_model=ScorecardPublic)
def unit_score(
    unit: NodeCode,
    year: Year,
    person: CurrentPerson,
    system: SystemDep,
    as_of: AwareDatetime | None = AS_OF,
    as_known_on: AwareDatetime | None = KNOWN_ON,
) -> ScorecardPublic:
    """The unit's score for the year: sections, items, each deduction with its rule, template
    version and events; the vetoes; the pay of each responsible person."""
    system.casebook.authorise(person, Right.READ, unit)
    return ScorecardPublic.of(_card(system, unit, year, as_of=as_of, known_on=as_known_on))


@router.get("/units/{node}/vetoes/{year}")
def unit_vetoes(
    unit: NodeCode, year: Year, person: CurrentPerson, system: SystemDep, as_of: AwareDatetime | None = AS_OF
) -> list[dict[str, Any]]:
    """The one-vote vetoes of the unit's year, each naming its event and its review."""
    system.casebook.authorise(person, Right.READ, unit)
    return [asdict(hit) for hit in _card(system, unit, year, as_of=as_of).vetoes]


def _table(system: System, township: str, year: int, **when: Any) -> list[TownshipRow]:
    for field, moment in when.items():
        if isinstance(moment, datetime):
            within_years(field, moment)
    rows = []
    for unit in system.scores.units(township):
        card = system.scores.card(unit, year, **when)
        rows.append(
            TownshipRow(
                unit=unit,
                version=card.version if card else None,
                total=card.total if card else None,
                void=card.void if card else None,
                passed=card.passed if card else None,
                sections={s["code"]: s["score"] for s in card.sections} if card else {},
            )
        )
    return rows


def _csv(rows: list[TownshipRow]) -> Response:
    sections = sorted({code for r in rows for code in r.sections})
    return csv_response(
        ["unit", "version", *sections, "total", "void", "passed"],
        (
            [r.unit, r.version, *[r.sections.get(s, "") for s in sections], r.total, r.void, r.passed]
            for r in rows
        ),
        "scores.csv",
    )


@router.get("/townships/{node}/scores/{year}", response_model=list[TownshipRow])
def township_scores(
    township: NodeCode,
    year: Year,
    person: CurrentPerson,
    system: SystemDep,
    as_of: AwareDatetime | None = AS_OF,
    as_known_on: AwareDatetime | None = KNOWN_ON,
    format: str = Query("json", pattern="^(json|csv)$"),
) -> Any:
    """Every village's score for the year, as the township would put it in its report
    (format=csv for a spreadsheet)."""
    system.casebook.authorise(person, Right.READ, township)
    rows = _table(system, township, year, as_of=as_of, known_on=as_known_on)
    return _csv(rows) if format == "csv" else rows


@router.post("/townships/{node}/scores/{year}/what-if", response_model=list[TownshipRow])
def what_if(
    township: NodeCode,
    year: Year,
    body: DraftIn,
    person: CurrentPerson,
    system: SystemDep,
    format: str = Query("json", pattern="^(json|csv)$"),
) -> Any:
    """Every village's score for the year under a draft template; nothing is recorded."""
    system.casebook.authorise(person, Right.ASSESS, township)
    try:
        draft = template_from_data(body.template)
    except TemplateError as bad:
        raise InvalidValue("template", str(bad)) from None
    rows = _table(system, township, year, draft=draft)
    return _csv(rows) if format == "csv" else rows

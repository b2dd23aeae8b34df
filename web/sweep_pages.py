"""The workbench's sweeps (排查): the ones I owe, recording findings or a zero-report from a phone,
and the board of a township's or village's units, week by week."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from api.deps import SystemDep
from api.routes.sweeps import FindingsIn, ZeroReportIn
from domain.errors import CaseNotFound, DomainError
from infra.bootstrap import System
from service.store import CommandMeta
from web.labels import N_
from web.pages import Person, Problems, _gettext, checked_form, problems_of
from web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)
ACTIONS = {"findings": FindingsIn, "zero-report": ZeroReportIn}
WORDS = [N_("Say what the sweep found, or make a zero-report.")]


def _node_name(system: System, code: str | None) -> str:
    record = system.casebook.current_directory().node(code) if code else None
    return record.name_at(system.casebook.clock()) if record else (code or "")


@router.get("/sweeps", response_class=HTMLResponse)
def my_sweeps_page(request: Request, system: SystemDep, person: str = Person) -> Response:
    cb = system.casebook
    now = cb.clock()
    return render(
        request,
        "sweeps.html",
        sweeps=cb.sweeps.mine(person, now),
        now=now,
        node_name=lambda c: _node_name(system, c),
    )


def _sweep_page(
    request: Request,
    system: SystemDep,
    person: str,
    sweep_id: UUID,
    problems: Problems | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    sweep = system.casebook.sweeps.sweep(person, sweep_id)
    return render(
        request,
        "sweep.html",
        status=problems.status if problems else 200,
        sweep=sweep,
        problems=problems or Problems(),
        form=form or {},
        node_name=lambda c: _node_name(system, c),
    )


@router.get("/sweeps/{sweep_id}", response_class=HTMLResponse)
def sweep_page(sweep_id: UUID, request: Request, system: SystemDep, person: str = Person) -> Response:
    return _sweep_page(request, system, person, sweep_id)


@router.post("/sweeps/{sweep_id}/{action}", response_class=HTMLResponse)
async def sweep_action(
    sweep_id: UUID, action: str, request: Request, system: SystemDep, person: str = Person
) -> Response:
    body_type = ACTIONS.get(action)
    if body_type is None:
        raise CaseNotFound("action", action)
    data = {k: v for k, v in (await checked_form(request)).multi_items() if k != "csrf"}
    command_id = str(data.pop("command_id", "") or "") or None
    meta = CommandMeta(from_person=True, command_id=command_id)
    desk = system.casebook.sweeps
    try:
        if body_type is FindingsIn:
            cases = [c.strip() for c in str(data.get("cases", "")).replace(",", " ").split() if c.strip()]
            body = FindingsIn.model_validate({"findings": data.get("findings", ""), "cases": cases})
            desk.record_findings(person, sweep_id, findings=body.findings, cases=body.cases, meta=meta)
        else:
            note = ZeroReportIn.model_validate({"note": data.get("note", "")}).note
            desk.report_zero(person, sweep_id, note=note, meta=meta)
    except (ValidationError, DomainError) as error:
        if isinstance(error, CaseNotFound):
            raise
        problems = problems_of(error, _gettext(request))
        return _sweep_page(request, system, person, sweep_id, problems, data)
    return RedirectResponse(f"/app/sweeps/{sweep_id}", status_code=303)


@router.get("/nodes/{node}/sweeps", response_class=HTMLResponse)
def sweep_board_page(node: str, request: Request, system: SystemDep, person: str = Person) -> Response:
    cb = system.casebook
    rows = cb.sweeps.board(person, node, cb.clock())
    return render(
        request,
        "sweep_board.html",
        node=node,
        rows=rows,
        node_name=lambda c: _node_name(system, c),
    )

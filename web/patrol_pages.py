"""Patrols (巡逻) on a phone: my shifts today, and a shift's page — sign in at the start, at each
checkpoint (签到) and at the end, report what was found as a dispute or an incident linked to
the shift, and for the leader the checkpoints missed and the closing — with the shift's clocks
as countdowns. Only what the shift allows now, for this person, and what their post may do
(the desk's own check) is offered."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from api import patrol_schemas as s
from api.deps import SystemDep
from domain.errors import CaseNotFound, DomainError
from domain.patrols.patrol import Shift
from infra.bootstrap import System
from service import kinds
from service.store import CommandMeta
from web.incident_pages import MANY, form_values
from web.labels import N_
from web.offline import entered
from web.pages import (
    Person,
    Problems,
    _gettext,
    _grids,
    _local_moment,
    _node_name,
    _person_name,
    checked_form,
    explainer,
    problems_of,
)
from web.templating import LOCAL, render

router = APIRouter(prefix="/app", include_in_schema=False)

DOMAIN_REASONS = [
    N_("say why the checkpoint was not reached"),
    N_("say why the shift is called off"),
    N_("say what was found"),
]


@dataclass(frozen=True)
class Action:
    """A command the shift page offers: its body, the desk call, and the shift's own name for it
    (what `Shift.allowed_for` says)."""

    body: type[BaseModel]
    call: Callable[[Any, str, UUID, Any, CommandMeta], Shift]
    title: str
    allowed_as: str


ACTIONS: dict[str, Action] = {
    "sign_in_at_start": Action(
        s.SignInIn,
        lambda d, p, i, b, m: d.sign_in_at_start(p, i, m),
        N_("Sign in at the start"),
        "sign_in_at_start",
    ),
    "sign_in_at_checkpoint": Action(
        s.CheckpointSignInIn,
        lambda d, p, i, b, m: d.sign_in_at_checkpoint(p, i, checkpoint=b.checkpoint, meta=m),
        N_("Sign in here"),
        "sign_in_at_checkpoint",
    ),
    "report_incident_finding": Action(
        s.IncidentFindingIn,
        lambda d, p, i, b, m: d.report_incident_finding(
            p, i, grid=b.grid, village=b.village, checkpoint=b.checkpoint, **b.facts(), meta=m
        ),
        N_("Report an incident found"),
        "report_finding",
    ),
    "report_dispute_finding": Action(
        s.DisputeFindingIn,
        lambda d, p, i, b, m: d.report_dispute_finding(
            p,
            i,
            grid=b.grid,
            village=b.village,
            parties=[x.model_dump(exclude_none=True) for x in b.parties],
            category=b.category,
            severity=b.severity,
            description=b.description,
            occurred_at=b.occurred_at,
            checkpoint=b.checkpoint,
            meta=m,
        ),
        N_("Report a dispute found"),
        "report_finding",
    ),
    "sign_in_at_end": Action(
        s.SignInIn,
        lambda d, p, i, b, m: d.sign_in_at_end(p, i, m),
        N_("Sign in at the end"),
        "sign_in_at_end",
    ),
    "record_checkpoint_missed": Action(
        s.MissedCheckpointIn,
        lambda d, p, i, b, m: d.miss_checkpoint(p, i, checkpoint=b.checkpoint, reason=b.reason, meta=m),
        N_("Record a checkpoint missed"),
        "record_checkpoint_missed",
    ),
    "close_shift": Action(
        s.ShiftClosureIn,
        lambda d, p, i, b, m: d.close_shift(p, i, notes=b.notes, meta=m),
        N_("Close the shift"),
        "close",
    ),
    "record_shift_missed": Action(
        s.ShiftMissedIn,
        lambda d, p, i, b, m: d.miss_shift(p, i, reason=b.reason, meta=m),
        N_("Record that nobody came"),
        "record_shift_missed",
    ),
    "cancel_shift": Action(
        s.CancellationIn,
        lambda d, p, i, b, m: d.cancel_shift(p, i, reason=b.reason, meta=m),
        N_("Call the shift off"),
        "cancel",
    ),
}
FORMS = [name for name in ACTIONS if name != "sign_in_at_checkpoint"]  # checkpoints: one button each


def offered(system: System, person: str, shift: Shift) -> list[str]:
    """The actions the shift allows this person now that their post may do."""
    allowed, desk = shift.allowed_for(person), system.casebook.patrols
    return [n for n, a in ACTIONS.items() if a.allowed_as in allowed and desk.may(person, shift, n)]


def today(now: datetime) -> tuple[datetime, datetime]:
    """The local day around `now`: from midnight to midnight, in the nodes' time."""
    start = now.astimezone(LOCAL).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


@router.get("/patrols", response_class=HTMLResponse)
def my_shifts(request: Request, system: SystemDep, person: str = Person) -> Response:
    now = system.casebook.clock()
    start, end = today(now)
    return render(
        request,
        "patrols.html",
        shifts=system.casebook.patrols.shifts_of(person, start, end),
        day=start,
        now=now,
        node_name=lambda code: _node_name(system, code),
        name_of=_person_name(system.casebook.current_directory(), _gettext(request)),
    )


def _shift_page(
    request: Request,
    system: System,
    person: str,
    shift_id: UUID,
    failed: str | None = None,
    problems: Problems | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    shift, history = system.casebook.patrols.shift_with_history(person, shift_id)
    found = system.casebook.deadlines.clocks(kinds.PATROL_SHIFT, shift_id)
    clocks = sorted(found.clocks.values(), key=lambda c: c.started_at) if found else []
    names = offered(system, person, shift)
    return render(
        request,
        "shift.html",
        status=problems.status if problems else 200,
        here=f"/app/patrols/shifts/{shift_id}",
        shift=shift,
        history=history,
        clocks=clocks,
        now=system.casebook.clock(),
        person=person,
        may_sign=("sign_in_at_checkpoint" in names),
        mine=shift.visits.get(person, []),
        actions={name: ACTIONS[name] for name in names if name in FORMS},
        grids=_grids(system, person),
        failed=failed,
        problems=problems or Problems(),
        form=form or {"parties": ["", ""], "markers": []},
        command_id=uuid4().hex,
        name_of=_person_name(system.casebook.current_directory(), _gettext(request)),
        node_name=lambda code: _node_name(system, code),
        explained=explainer(request, system),
    )


@router.get("/patrols/shifts/{shift_id}", response_class=HTMLResponse)
def shift_page(shift_id: UUID, request: Request, system: SystemDep, person: str = Person) -> Response:
    return _shift_page(request, system, person, shift_id)


@router.post("/patrols/shifts/{shift_id}/{action}", response_class=HTMLResponse)
async def shift_action(
    shift_id: UUID, action: str, request: Request, system: SystemDep, person: str = Person
) -> Response:
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise CaseNotFound("action", action)
    data = await checked_form(request)
    form = form_values(data)
    form.pop("party", None)
    form.pop("entered_at", None)  # the outbox's, not the command's (web/offline.py)
    names = [str(n).strip() for n in data.getlist("party") if str(n).strip()]
    body_fields = dict(form)
    if "parties" in chosen.body.model_fields:
        body_fields["parties"] = [{"name": n} for n in names]
        form["parties"] = names or ["", ""]
    body_fields.update({k: [] for k in MANY if k in chosen.body.model_fields and k not in body_fields})
    if "occurred_at" in body_fields:
        body_fields["occurred_at"] = _local_moment(body_fields["occurred_at"])
    command_id = str(data.get("command_id") or "") or None
    try:
        body = chosen.body.model_validate(body_fields)
        meta = CommandMeta(from_person=True, command_id=command_id, **entered(data))
        chosen.call(system.casebook.patrols, person, shift_id, body, meta)
    except (ValidationError, DomainError) as error:
        if isinstance(error, CaseNotFound):
            raise
        problems = problems_of(error, _gettext(request))
        return _shift_page(request, system, person, shift_id, action, problems, form)
    return RedirectResponse(f"/app/patrols/shifts/{shift_id}", status_code=303)

"""Patrol routes and shifts. Every command: POST a body, get the route or shift as it now stands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any
from uuid import UUID

import structlog
from fastapi import APIRouter, Path, Response, status

from api import patrol_schemas as s
from api.deps import CurrentPerson, Meta, SystemDep, meta_for
from api.schemas import EventPublic, In
from domain.patrols.patrol import Route, Shift
from service.patrols.desk import PatrolDesk
from service.store import CommandMeta

router = APIRouter(prefix="/patrols", tags=["patrols"])
log = structlog.get_logger()


def _route_answer(response: Response, route: Route, action: str) -> s.RoutePublic:
    response.headers["ETag"] = f'"{route.version}"'
    structlog.contextvars.bind_contextvars(route_id=str(route.id))
    log.info(f"patrol_route.{action}", version=route.version, status=route.status.value)
    return s.RoutePublic.of(route)


def _shift_answer(response: Response, shift: Shift, action: str) -> s.ShiftPublic:
    response.headers["ETag"] = f'"{shift.version}"'
    structlog.contextvars.bind_contextvars(shift_id=str(shift.id))
    log.info(f"patrol_shift.{action}", version=shift.version, status=shift.status.value)
    return s.ShiftPublic.of(shift)


@router.post("/routes", status_code=status.HTTP_201_CREATED, response_model=s.RoutePublic)
def establish_route(
    body: s.RouteIn, person: CurrentPerson, system: SystemDep, response: Response, meta: Meta
) -> s.RoutePublic:
    """Lay out a patrol route at a village or township, its checkpoints in walking order."""
    route = system.casebook.patrols.establish_route(
        person,
        node=body.node,
        name=body.name,
        checkpoints=[c.model_dump() for c in body.checkpoints],
        meta=meta_for(body, meta),
    )
    response.headers["Location"] = f"/patrols/routes/{route.id}"
    return _route_answer(response, route, "established")


@router.get("/routes/{route_id}", response_model=s.RouteWithHistory)
def read_route(
    route_id: UUID, person: CurrentPerson, system: SystemDep, response: Response
) -> s.RouteWithHistory:
    """Read a route as it stands now, with every event of its history."""
    route, history = system.casebook.patrols.route_with_history(person, route_id)
    response.headers["ETag"] = f'"{route.version}"'
    return s.RouteWithHistory(
        **s.RoutePublic.of(route).model_dump(), history=[EventPublic.of(e) for e in history]
    )


@router.post("/shifts", status_code=status.HTTP_201_CREATED, response_model=s.ShiftPublic)
def schedule_shift(
    body: s.ShiftIn, person: CurrentPerson, system: SystemDep, response: Response, meta: Meta
) -> s.ShiftPublic:
    """Schedule a shift on a route's current revision for a leader and members."""
    shift = system.casebook.patrols.schedule_shift(
        person,
        route_id=body.route_id,
        leader=body.leader,
        members=body.members,
        planned_start=body.planned_start,
        planned_end=body.planned_end,
        meta=meta_for(body, meta),
    )
    response.headers["Location"] = f"/patrols/shifts/{shift.id}"
    return _shift_answer(response, shift, "scheduled")


@router.get("/shifts/{shift_id}", response_model=s.ShiftWithHistory)
def read_shift(
    shift_id: UUID, person: CurrentPerson, system: SystemDep, response: Response
) -> s.ShiftWithHistory:
    """Read a shift as it stands now — checkpoints, sign-ins, findings, record — with its history."""
    shift, history = system.casebook.patrols.shift_with_history(person, shift_id)
    response.headers["ETag"] = f'"{shift.version}"'
    return s.ShiftWithHistory(
        **s.ShiftPublic.of(shift).model_dump(), history=[EventPublic.of(e) for e in history]
    )


Call = Callable[[PatrolDesk, str, UUID, Any, CommandMeta], Any]


def _command(kind: str, path: str, body_model: type[In], call: Call, action: str, summary: str) -> None:
    answer, public = (_route_answer, s.RoutePublic) if kind == "route" else (_shift_answer, s.ShiftPublic)

    def endpoint(
        case_id: UUID, body: Any, person: CurrentPerson, system: SystemDep, response: Response, meta: Meta
    ) -> Any:
        case = call(system.casebook.patrols, person, case_id, body, meta_for(body, meta))
        return answer(response, case, action)

    endpoint.__annotations__["case_id"] = Annotated[UUID, Path(alias=f"{kind}_id")]
    endpoint.__annotations__["body"] = body_model
    endpoint.__doc__ = summary
    router.add_api_route(
        f"/{kind}s/{{{kind}_id}}/{path}",
        endpoint,
        methods=["POST"],
        response_model=public,
        name=f"{kind}_{action}",
        summary=summary.rstrip("."),
    )


_command(
    "route",
    "revisions",
    s.RouteRevisionIn,
    lambda d, p, i, b, m: d.revise_route(
        p, i, checkpoints=[c.model_dump() for c in b.checkpoints], name=b.name, meta=m
    ),
    "revised",
    "Revise the route's checkpoints; shifts already scheduled keep theirs.",
)
_command(
    "route",
    "retirement",
    s.RouteRetirementIn,
    lambda d, p, i, b, m: d.retire_route(p, i, reason=b.reason, meta=m),
    "retired",
    "Retire the route: no new shift is scheduled on it.",
)
_command(
    "route",
    "team-assignments",
    s.TeamIn,
    lambda d, p, i, b, m: d.assign_team(p, i, leader=b.leader, members=b.members, meta=m),
    "team_assigned",
    "Assign the route's standing team: the leader and members who walk its scheduled shifts.",
)
_command(
    "route",
    "schedule-starts",
    s.ScheduleStartIn,
    lambda d, p, i, b, m: d.start_schedule(
        p, i, first_start=b.first_start, shift_minutes=b.shift_minutes, level=b.level, meta=m
    ),
    "schedule_started",
    "Start a schedule: a shift of the standing team opens each period of the level's cadence.",
)
_command(
    "route",
    "schedule-stops",
    s.ScheduleStopIn,
    lambda d, p, i, b, m: d.stop_schedule(p, i, reason=b.reason, meta=m),
    "schedule_stopped",
    "Stop the route's schedule; its shift not yet begun is called off.",
)
_command(
    "shift",
    "start-sign-ins",
    s.SignInIn,
    lambda d, p, i, b, m: d.sign_in_at_start(p, i, m),
    "signed_in_at_start",
    "Sign in at the start (a team member); the first sign-in opens the shift.",
)
_command(
    "shift",
    "checkpoint-sign-ins",
    s.CheckpointSignInIn,
    lambda d, p, i, b, m: d.sign_in_at_checkpoint(p, i, checkpoint=b.checkpoint, meta=m),
    "signed_in_at_checkpoint",
    "Sign in at a checkpoint; one out of the route's order is recorded as such.",
)
_command(
    "shift",
    "end-sign-ins",
    s.SignInIn,
    lambda d, p, i, b, m: d.sign_in_at_end(p, i, m),
    "signed_in_at_end",
    "Sign in at the end of the shift.",
)
_command(
    "shift",
    "missed-checkpoints",
    s.MissedCheckpointIn,
    lambda d, p, i, b, m: d.record_checkpoint_missed(p, i, checkpoint=b.checkpoint, reason=b.reason, meta=m),
    "checkpoint_missed",
    "Record that a checkpoint was not reached, and why (the leader).",
)
_command(
    "shift",
    "dispute-findings",
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
    "dispute_found",
    "Report a dispute found on the patrol: it is reported (source: patrol) and linked both ways.",
)
_command(
    "shift",
    "incident-findings",
    s.IncidentFindingIn,
    lambda d, p, i, b, m: d.report_incident_finding(
        p, i, grid=b.grid, village=b.village, **b.facts(), checkpoint=b.checkpoint, meta=m
    ),
    "incident_found",
    "Report an incident found on the patrol: it is reported (origin: patrol) and linked both ways.",
)
_command(
    "shift",
    "missed",
    s.ShiftMissedIn,
    lambda d, p, i, b, m: d.record_shift_missed(p, i, reason=b.reason, meta=m),
    "missed",
    "Record that nobody came to the shift (after its planned start).",
)
_command(
    "shift",
    "cancellation",
    s.CancellationIn,
    lambda d, p, i, b, m: d.cancel_shift(p, i, reason=b.reason, meta=m),
    "cancelled",
    "Call the shift off before its planned start, saying why.",
)
_command(
    "shift",
    "closure",
    s.ShiftClosureIn,
    lambda d, p, i, b, m: d.close_shift(p, i, notes=b.notes, meta=m),
    "closed",
    "Close the shift with its record; checkpoints nobody signed are recorded missed.",
)

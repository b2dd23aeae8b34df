"""Patrol routes and shifts. Every command: POST a body, get the route or shift as it now stands."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from api import patrol_schemas as s
from api.commands import CaseKind, Command, add_commands
from api.deps import CurrentPerson, Meta, SystemDep, meta_for
from api.schemas import EventPublic
from domain.patrols.patrol import Route, Shift

router = APIRouter(prefix="/patrols", tags=["patrols"])
ROUTES: CaseKind[Route] = CaseKind(
    "route",
    desk=lambda cb: cb.patrols,
    public=s.RoutePublic,
    show=lambda system, person, route: s.RoutePublic.of(route),
    base="/routes",
    log_name="patrol_route",
)
SHIFTS: CaseKind[Shift] = CaseKind(
    "shift",
    desk=lambda cb: cb.patrols,
    public=s.ShiftPublic,
    show=lambda system, person, shift: s.ShiftPublic.of(shift, system.casebook.clock()),
    base="/shifts",
    log_name="patrol_shift",
)


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
    return ROUTES.answer(response, system, person, route, "established")


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
    return SHIFTS.answer(response, system, person, shift, "scheduled")


@router.get("/shifts/{shift_id}", response_model=s.ShiftWithHistory)
def read_shift(
    shift_id: UUID, person: CurrentPerson, system: SystemDep, response: Response
) -> s.ShiftWithHistory:
    """Read a shift as it stands now — checkpoints, sign-ins, findings, record — with its history."""
    shift, history = system.casebook.patrols.shift_with_history(person, shift_id)
    response.headers["ETag"] = f'"{shift.version}"'
    public = s.ShiftPublic.of(shift, system.casebook.clock())
    return s.ShiftWithHistory(**public.model_dump(), history=[EventPublic.of(e) for e in history])


add_commands(
    router,
    ROUTES,
    Command(
        "revisions",
        s.RouteRevisionIn,
        "revise_route",
        Route.Revised,
        "Revise the route's checkpoints; shifts already scheduled keep theirs.",
        fields=("name",),
        derived=lambda b: {"checkpoints": [c.model_dump() for c in b.checkpoints]},
    ),
    Command(
        "retirement",
        s.RouteRetirementIn,
        "retire_route",
        Route.Retired,
        "Retire the route: no new shift is scheduled on it.",
        fields=("reason",),
    ),
    Command(
        "team-assignments",
        s.TeamIn,
        "assign_team",
        Route.TeamAssigned,
        "Assign the route's standing team: the leader and members who walk its scheduled shifts.",
        fields=("leader", "members"),
    ),
    Command(
        "schedule-starts",
        s.ScheduleStartIn,
        "start_schedule",
        Route.ScheduleStarted,
        "Start a schedule: a shift of the standing team opens each period of the level's cadence.",
        fields=("first_start", "shift_minutes", "level"),
    ),
    Command(
        "schedule-stops",
        s.ScheduleStopIn,
        "stop_schedule",
        Route.ScheduleStopped,
        "Stop the route's schedule; its shift not yet begun is called off.",
        fields=("reason",),
    ),
)
add_commands(
    router,
    SHIFTS,
    Command(
        "start-sign-ins",
        s.SignInIn,
        "sign_in_at_start",
        Shift.SignedInAtStart,
        "Sign in at the start (a team member); the first sign-in opens the shift.",
    ),
    Command(
        "checkpoint-sign-ins",
        s.CheckpointSignInIn,
        "sign_in_at_checkpoint",
        Shift.SignedInAtCheckpoint,
        "Sign in at a checkpoint; one out of the route's order is recorded as such.",
        fields=("checkpoint",),
    ),
    Command(
        "end-sign-ins",
        s.SignInIn,
        "sign_in_at_end",
        Shift.SignedInAtEnd,
        "Sign in at the end of the shift.",
    ),
    Command(
        "missed-checkpoints",
        s.MissedCheckpointIn,
        "miss_checkpoint",
        Shift.CheckpointMissed,
        "Record that a checkpoint was not reached, and why (the leader).",
        fields=("checkpoint", "reason"),
    ),
    Command(
        "dispute-findings",
        s.DisputeFindingIn,
        "report_dispute_finding",
        Shift.FindingReported,
        "Report a dispute found on the patrol: it is reported (source: patrol) and linked both ways.",
        fields=("grid", "village", "category", "severity", "description", "occurred_at", "checkpoint"),
        derived=lambda b: {"parties": [x.model_dump(exclude_none=True) for x in b.parties]},
    ),
    Command(
        "incident-findings",
        s.IncidentFindingIn,
        "report_incident_finding",
        Shift.FindingReported,
        "Report an incident found on the patrol: it is reported (origin: patrol) and linked both ways.",
        fields=("grid", "village", "checkpoint"),
        derived=lambda b: b.facts(),
    ),
    Command(
        "missed",
        s.ShiftMissedIn,
        "miss_shift",
        Shift.Missed,
        "Record that nobody came to the shift (after its planned start).",
        fields=("reason",),
    ),
    Command(
        "cancellation",
        s.CancellationIn,
        "cancel_shift",
        Shift.Cancelled,
        "Call the shift off before its planned start, saying why.",
        fields=("reason",),
    ),
    Command(
        "closure",
        s.ShiftClosureIn,
        "close_shift",
        Shift.Closed,
        "Close the shift with its record; checkpoints nobody signed are recorded missed.",
        fields=("notes",),
    ),
)

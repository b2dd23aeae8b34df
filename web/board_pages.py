"""The township's supervision board (督办看板): every open case the person may read, across the
four streams, coloured by its clocks — red overdue, yellow once its next clock's first reminder
has come (the policy's warning share), green on time — with filters and paging through htmx, and
counts per colour that add up to the cases listed. It reads the same function as `GET /cases`."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SystemDep
from api.routes.cases import board_nodes, case_board
from api.routes.dispute_list import readable_nodes
from domain.disputes.dispute import Level as DisputeLevel
from domain.errors import CaseNotFound
from domain.incidents.incident import Status as IncidentStatus
from domain.patrols.patrol import ShiftStatus
from domain.petitions.petition import AcceptanceDecision
from domain.petitions.petition import Status as PetitionStatus
from domain.time.calendar import CHINA
from projections.case_list import COLOURS
from projections.metrics import BY_NAME
from projections.statistics_report import NodeReport
from service import kinds
from web.labels import ENUMS, LABELS, N_
from web.pages import Person, _node_name, _shown, _statistics
from web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)
PAGE = 50

# Words for the other streams' states (the disputes' are in web.labels already).
for _kind, _enum, _words in (
    (
        "petition.status",
        PetitionStatus,
        {
            "registered": N_("Registered"),
            "routed": N_("Transferred or assigned"),
            "objected": N_("Sent back by the receiving body"),
            "accepted": N_("Accepted"),
            "not_accepted": N_("Not accepted"),
            "diverted": N_("Diverted to a legal procedure"),
            "opinion_given": N_("Handling opinion given"),
            "review_requested": N_("Review requested"),
            "reviewed": N_("Reviewed"),
            "re_review_requested": N_("Re-review requested"),
            "concluded": N_("Concluded"),
        },
    ),
    (
        "incident.status",
        IncidentStatus,
        {
            "reported": N_("Reported"),
            "reported_upward": N_("Reported upward"),
            "handled": N_("Being handled"),
            "closed": N_("Closed"),
        },
    ),
    (
        "shift.status",
        ShiftStatus,
        {
            "scheduled": N_("Scheduled"),
            "open": N_("Under way"),
            "closed": N_("Done"),
            "missed": N_("Shift missed"),
            "cancelled": N_("Cancelled"),
        },
    ),
):
    ENUMS.setdefault(_kind, _enum)
    LABELS.setdefault(_kind, _words)
assert {d.value for d in AcceptanceDecision} <= {s.value for s in PetitionStatus}

STATE_KINDS = {
    kinds.DISPUTE: "dispute.status",
    kinds.PETITION: "petition.status",
    kinds.INCIDENT: "incident.status",
    kinds.PATROL_SHIFT: "shift.status",
}
# The label kinds (web/labels.py) of the codes a case list row's summary holds, by kind and field.
SUMMARY_WORDS = {
    f"{kinds.DISPUTE}.category": "dispute.category",
    f"{kinds.DISPUTE}.severity": "dispute.severity",
    f"{kinds.PETITION}.type": "petition.type",
    f"{kinds.PETITION}.channel": "petition.channel",
    f"{kinds.INCIDENT}.kind": "incident.kind",
}
COLOUR_WORDS = {"red": N_("Overdue"), "yellow": N_("Due soon"), "green": N_("On time")}
# Each stream's case page in the workbench.
CASE_PAGES = {
    kinds.DISPUTE: "/app/disputes/{id}",
    kinds.PETITION: "/app/petitions/{id}",
    kinds.INCIDENT: "/app/incidents/{id}",
    kinds.PATROL_SHIFT: "/app/patrols/shifts/{id}",
}


def case_href(kind: str, case_id: str) -> str:
    return CASE_PAGES[kind].format(id=case_id)


def _chosen(value: str, allowed: set[str]) -> str:
    return value if value in allowed else ""


@router.get("/board", response_class=HTMLResponse)
def board_page(
    request: Request,
    system: SystemDep,
    person: str = Person,
    kind: str = "",
    node: str = "",
    state: str = "",
    colour: str = "",
    responsible: str = "",
    q: str = Query("", max_length=100),
    level: str = "",
    page: int = 1,
) -> Response:
    kind = _chosen(kind, set(kinds.CLOCKED))
    colour = _chosen(colour, set(COLOURS))
    level = _chosen(level, {lv.value for lv in DisputeLevel})
    states = {code for words in STATE_KINDS.values() for code in LABELS[words]}
    state = _chosen(state, states)
    page = max(1, min(page, 10_000))
    found = case_board(
        system,
        person,
        node=node or None,
        kind=kind or None,
        state=state or None,
        colour=colour or None,
        responsible=responsible or None,
        search=q.strip() or None,
        level=level or None,
        limit=PAGE,
        offset=(page - 1) * PAGE,
    )
    directory = system.casebook.current_directory()
    chosen = {
        "kind": kind,
        "node": node,
        "state": state,
        "colour": colour,
        "responsible": responsible,
        "q": q.strip(),
        "level": level,
    }

    def link(**change: Any) -> str:
        query = {k: v for k, v in {**chosen, "page": 1, **change}.items() if v}
        return "/app/board?" + urlencode(query)

    context = {
        "found": found,
        "chosen": chosen,
        "page": page,
        "pages": max(1, -(-found.total // PAGE)),
        "link": link,
        "colours": COLOURS,
        "colour_words": COLOUR_WORDS,
        "state_kinds": STATE_KINDS,
        "summary_words": SUMMARY_WORDS,
        "case_href": case_href,
        "now": system.casebook.clock(),
        "node_name": lambda code: _node_name(system, code),
        "name_of": lambda pid: directory.name_of(pid) if pid else "",
    }
    if request.headers.get("hx-request") and request.headers.get("hx-target") == "board":
        return render(request, "_board.html", **context)
    nodes = sorted(readable_nodes(system, person))
    subtree = board_nodes(system, person, node or None)
    with system.views.reading() as cur:
        people = system.case_list.responsibles(cur, subtree)
    return render(
        request,
        "board.html",
        **context,
        nodes=[(code, _node_name(system, code)) for code in nodes if _is_area(system, code)],
        people=sorted(((p, directory.name_of(p)) for p in people), key=lambda x: x[1]),
    )


def _is_area(system: Any, code: str) -> bool:
    """Townships and villages (and the county): the places people filter a board by."""
    node = system.casebook.current_directory().node(code)
    return node is not None and node.kind.value != "grid"


# -- from a figure to the cases behind it ----------------------------------------------------


@router.get("/statistics/cases", response_class=HTMLResponse)
def metric_cases_page(
    request: Request,
    system: SystemDep,
    person: str = Person,
    metric: str = "",
    node: str = "",
    start: str = Query("", alias="from", max_length=10),
    end: str = Query("", alias="to", max_length=10),
) -> Response:
    """The cases in a figure's numerator and denominator, each with its share, each a link; the
    shares add up to the figure shown beside them."""
    if metric not in BY_NAME:
        raise CaseNotFound("metric", metric)
    code, (summary,) = _statistics(system, person, node, start, end, NodeReport.summary)
    figure = summary.rows[0].figures[metric]
    span = summary.period
    tree, now = system.casebook.current_directory(), system.casebook.clock()
    at = min(datetime.combine(span.end, time.max, CHINA), now)
    counted_to = min(span.end, now.astimezone(CHINA).date())
    with system.views.reading() as cur:
        shares = system.metric_cases.shares(
            cur, metric, tree.descendants(code, at), span.start.isoformat(), span.end.isoformat(), counted_to
        )
        about = system.case_list.of_cases(cur, [s.case_id for s in shares])
    kind = BY_NAME[metric].kind
    return render(
        request,
        "metric_cases.html",
        code=code,
        metric=metric,
        kind=kind,
        figure=figure,
        shown=_shown(figure, kind),
        period=span,
        start=start,
        end=end,
        numerator=[s for s in shares if s.numerator] if kind == "rate" else [],
        denominator_only=[s for s in shares if s.denominator and not s.numerator] if kind == "rate" else [],
        counted=[s for s in shares if s.value] if kind != "rate" else [],
        shares_total={
            "numerator": sum(s.numerator for s in shares),
            "denominator": sum(s.denominator for s in shares),
            "value": sum(s.value for s in shares),
        },
        about=about,
        state_kinds=STATE_KINDS,
        case_href=case_href,
        node_name=lambda c: _node_name(system, c),
    )

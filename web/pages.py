"""The workbench's pages. Each page calls the same desk or read model as its JSON route and
renders the answer; authorisation and validation happen once, below both. A refused command
comes back as the same page with the reason beside the field, in the person's language."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from string import Formatter
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile

from api import schemas as s
from api.deps import SESSION_COOKIE, SystemDep, client_address, set_session_cookie
from api.exports import content_disposition
from api.routes.deadlines import _lists
from api.routes.dispute_list import dispute_list
from api.routes.statistics import _report
from domain.directory.jurisdiction import NodeKind
from domain.disputes.dispute import AgreementForm, Dispute, Status
from domain.errors import (
    AccessDenied,
    CaseNotFound,
    CommandIdReused,
    ConcurrentChanges,
    DomainError,
    InvalidValue,
    StaleVersion,
    TransitionNotAllowed,
)
from domain.evidence import Kind
from domain.identity.errors import NotAuthenticated, TooManyAttempts
from infra.bootstrap import System
from projections.metrics import BY_NAME
from projections.statistics_report import NodeReport
from service import kinds
from service.evidence.intake import check
from service.evidence.uploads import attach_upload
from service.store import CommandMeta, body_digest
from web import i18n
from web.charts import Bar, bars
from web.explain import explained
from web.labels import N_, label, words_for
from web.offline import entered
from web.spreadsheets import workbook
from web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)


class SignInRequired(Exception):
    """A page was asked for without a person: the browser is sent to sign in."""


def page_person(request: Request, system: SystemDep) -> str:
    """The person behind the request, by the same checks as the API's (a post held now;
    failures counted): the session cookie a sign-in set, whose CSRF token every form posts
    back; or a bearer token (scripts, tests)."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token:
        try:
            request.state.person = system.identity.by_token(token, client_address(request))
            return request.state.person
        except NotAuthenticated:
            raise SignInRequired() from None
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        raise SignInRequired()
    try:
        session = system.identity.by_session(session_id)
    except NotAuthenticated:
        raise SignInRequired() from None
    request.state.session = session
    request.state.person = session.person_id
    return session.person_id


async def checked_form(request: Request) -> Any:
    """A posted form, refused unless it carries the session's CSRF token (a request signed by a
    bearer token needs none: another site cannot make a browser send one)."""
    data = await request.form()
    session = getattr(request.state, "session", None)
    if session is not None:
        sent = str(data.get("csrf") or "")
        if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
            raise CsrfRefused()
    return data


class CsrfRefused(Exception):
    """A form posted without the session's CSRF token: another site may have sent it."""


Person = Depends(page_person)

# What a refusal says, by the kind of check that refused it (pydantic's error types).
INPUT_PROBLEMS = {
    "missing": N_("Please fill this in."),
    "string_too_short": N_("Please fill this in."),
    "string_too_long": N_("This is too long."),
    "enum": N_("Please choose one of the options."),
    "literal_error": N_("Please choose one of the options."),
    "datetime_from_date_parsing": N_("Please give a date and a time."),
    "datetime_parsing": N_("Please give a date and a time."),
    "datetime_type": N_("Please give a date and a time."),
    "timezone_aware": N_("Please give a date and a time."),
    "string_pattern_mismatch": N_("This is not in the expected format."),
    "too_short": N_("Please add more."),
}
CHECK_THIS = N_("Please check this.")
PHOTO_REFUSED = N_("The photo cannot be attached.")
CHANGED_MEANWHILE = N_(
    "Someone changed the case meanwhile; nothing was recorded. Look at it again and retry."
)
SENT_FOR_ELSE = N_(
    "This form was already sent for something else; open the page again and fill it in afresh."
)
# The domain's reasons that people meet most, so that they read them in their language.
DOMAIN_REASONS = [
    N_("say what the dispute is about"),
    N_("a dispute cannot be reported before it happened"),
    N_("record what the parties agreed"),
    N_("say why the dispute goes up a level"),
    N_("give either a grid or a village"),
]


@dataclass
class Problems:
    """What was wrong with a form: by field, and for the form as a whole."""

    fields: dict[str, str] = field(default_factory=dict)
    form: list[str] = field(default_factory=list)
    status: int = 422

    def __bool__(self) -> bool:
        return bool(self.fields or self.form)


def problems_of(error: Exception, gettext: Callable[[str], str]) -> Problems:
    found = Problems()
    match error:
        case ValidationError():
            for e in error.errors():
                name = str(e["loc"][0]) if e["loc"] else "form"
                found.fields.setdefault(name, gettext(INPUT_PROBLEMS.get(e["type"], CHECK_THIS)))
        case InvalidValue():
            found.fields[error.field] = reason_in(error, gettext)
        case TransitionNotAllowed():
            found.status = 409
            found.form.append(gettext(N_("The case does not allow this now; the page shows what it allows.")))
        case AccessDenied():
            found.status = 403
            found.form.append(gettext(N_("You do not hold a post that may do this here.")))
        case StaleVersion() | ConcurrentChanges():
            found.status = 409
            found.form.append(gettext(CHANGED_MEANWHILE))
        case CommandIdReused():
            found.status = 409
            found.form.append(gettext(SENT_FOR_ELSE))
        case DomainError():
            found.status = 400
            found.form.append(error.message)
    return found


def reason_in(error: InvalidValue, gettext: Callable[[str], str]) -> str:
    """Why a value is refused, in the person's language: the catalogue's words for the domain's
    reason (web/messages.py extracts every literal one). A reason that names the values at hand is
    a template with named places: the catalogue translates the template, and the values go in as
    given (a domain code the labels know, or a list of them, in its words). A reason the
    catalogue cannot have (a parser's own message) is "Please check this." in the person's
    language before the system's words."""
    said = gettext(error.template)
    if said == error.template:  # the catalogue's language is the code's, or it lacks the reason
        return (
            error.reason if gettext(CHECK_THIS) == CHECK_THIS else f"{gettext(CHECK_THIS)}（{error.reason}）"
        )
    if not error.params:
        return said
    quoted = {name for _, name, _, conversion in Formatter().parse(error.template) if conversion == "r"}
    values = {
        k: words_for(v, gettext) if isinstance(v, str) and k not in quoted else v  # `!r`: as typed
        for k, v in error.params.items()
    }
    try:
        return said.format(**values)
    except (KeyError, IndexError, ValueError, AttributeError, TypeError):  # a place the template lacks
        return f"{gettext(CHECK_THIS)}（{error.reason}）"


def _gettext(request: Request) -> Callable[[str], str]:
    from web.templating import language

    return i18n.translations(language(request)).gettext


# -- home: what is due for me ------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def home(request: Request, system: SystemDep, person: str = Person) -> Response:
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    posts = directory.posts_of(person, now)
    lists = _lists(system, sorted({t.node for t in posts}), 3)
    return render(
        request,
        "home.html",
        person_name=directory.name_of(person),
        posts=posts,
        overdue=lists.overdue,
        due_soon=lists.due_soon,
        about=_what_each_is(system, person, [*lists.overdue, *lists.due_soon]),
        now=now,
        node_name=lambda code: _node_name(system, code),
    )


def _what_each_is(system: System, person: str, items: list[Any]) -> dict[str, Any]:
    """The disputes and petitions behind the listed deadlines, so that each line says which case
    it is (a dispute's category and parties, a petition's type and matter), read as the person
    may read them (an accusation's matter withheld)."""
    found: dict[str, Any] = {}
    for item in items:
        if item.case_kind in (kinds.DISPUTE, kinds.PETITION) and item.case_id not in found:
            try:
                if item.case_kind == kinds.DISPUTE:
                    found[item.case_id] = system.casebook.disputes.get(person, UUID(item.case_id))
                else:
                    found[item.case_id] = system.casebook.petitions.read(person, UUID(item.case_id))[0]
            except DomainError:  # not theirs to read: the line keeps to the clock alone
                continue
    return found


def _day(value: str, field: str) -> date | None:
    """A day given in a form or a query (YYYY-MM-DD), None when left empty."""
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidValue(field, "a day as YYYY-MM-DD") from None


def _node_name(system: System, code: str) -> str:
    node = system.casebook.current_directory().node(code)
    return node.name_at(system.casebook.clock()) if node else code


# -- the disputes I may read ---------------------------------------------------------------

PAGE = 50


@router.get("/disputes", response_class=HTMLResponse)
def disputes_page(
    request: Request, system: SystemDep, person: str = Person, status: str = "", page: int = 1
) -> Response:
    chosen = Status(status) if status in {s.value for s in Status} else None
    page = max(1, min(page, 10_000))
    found = dispute_list(system, person, chosen, PAGE, (page - 1) * PAGE)
    return render(
        request,
        "disputes.html",
        found=found,
        state=chosen.value if chosen else "",
        page=page,
        pages=max(1, -(-found.total // PAGE)),
        node_name=lambda code: _node_name(system, code),
    )


# -- statistics -------------------------------------------------------------------------

HEADLINES = (
    "disputes_reported",
    "mediation_success_rate",
    "resolved_in_village_rate",
    "escalations",
    "overdue_by_level",
)


def _statistics(
    system: System, person: str, node: str | None, start: str | None, end: str | None, *builds: Any
) -> tuple[str, list[Any]]:
    """The node (the person's first by default) and one report per build, as the JSON
    statistics read them. The children report's first row is the node in total."""
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    code = node or next((t.node for t in directory.posts_of(person, now)), "")
    span = (start or None, end or None, None)
    return code, [_report(system, person, code, span, build) for build in builds]


def _shown(figure: Any, kind: str) -> str:
    if figure is None or figure.value is None:
        return "—"
    if kind == "rate":
        return f"{figure.value:.1%} ({figure.numerator}/{figure.denominator})"
    return f"{figure.value:g}"


@router.get("/statistics", response_class=HTMLResponse)
def statistics_page(
    request: Request,
    system: SystemDep,
    person: str = Person,
    node: str = "",
    start: str = Query("", alias="from", max_length=10),
    end: str = Query("", alias="to", max_length=10),
) -> Response:
    gettext = _gettext(request)
    code, (children, months) = _statistics(
        system, person, node, start, end, NodeReport.children, NodeReport.months
    )
    chart = bars(
        [
            Bar(
                label=f"{row.period.start.month}",
                value=float(row.figures["disputes_reported"].value or 0),
                href=f"/app/statistics?node={code}&from={row.period.start:%Y-%m}&to={row.period.start:%Y-%m}",
                title=f"{row.period.start:%Y-%m}: {row.figures['disputes_reported'].value}",
            )
            for row in months.rows
        ],
        caption=label("metric", "disputes_reported", gettext) + " · " + gettext(N_("by month")),
    )
    return render(
        request,
        "statistics.html",
        code=code,
        period=children.period,
        total=children.rows[0],
        children=[r for r in children.rows if r.scope == "child"],
        headlines=HEADLINES,
        kinds={name: BY_NAME[name].kind for name in BY_NAME},
        shown=_shown,
        chart=Markup(chart),
        start=start,
        end=end,
        node_name=lambda c: _node_name(system, c),
    )


@router.get("/statistics.xlsx")
def statistics_workbook(
    request: Request,
    system: SystemDep,
    person: str = Person,
    node: str = "",
    start: str = Query("", alias="from", max_length=10),
    end: str = Query("", alias="to", max_length=10),
) -> Response:
    """The children table as Excel: one row per node under the node, every metric's headline."""
    gettext = _gettext(request)
    code, (children,) = _statistics(system, person, node, start, end, NodeReport.children)
    names = list(children.rows[0].figures) if children.rows else []
    header = [gettext(N_("Node")), gettext(N_("Name")), gettext(N_("From")), gettext(N_("To"))]
    header += [label("metric", n, gettext) for n in names]
    rows = [
        [r.node, r.name, r.period.start, r.period.end, *(r.figures[n].value for n in names)]
        for r in children.rows
        if r.scope in ("total", "child")
    ]
    rates = [4 + i for i, n in enumerate(names) if BY_NAME[n].kind == "rate"]
    body = workbook(gettext(N_("Statistics")), header, rows, rates)
    filename = f"{code}-statistics-{children.period.start}-{children.period.end}.xlsx"
    return Response(
        body,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": content_disposition(filename)},
    )


# -- reporting a dispute ------------------------------------------------------------------


def _grids(system: System, person: str) -> list[tuple[str, str]]:
    """The grids a person may report from: every grid under the nodes they hold posts at."""
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    codes = {
        code
        for tenure in directory.posts_of(person, now)
        for code in directory.descendants(tenure.node, now)
        if (node := directory.node(code)) is not None and node.kind == NodeKind.GRID
    }
    return sorted((code, _node_name(system, code)) for code in codes)


def _report_page(
    request: Request, system: SystemDep, person: str, form: dict[str, Any], problems: Problems
) -> HTMLResponse:
    return render(
        request,
        "dispute_new.html",
        status=problems.status if problems else 200,
        here="/app/disputes/new",  # also when a refused form answers its POST
        grids=_grids(system, person),
        shown_fields=("grid", "category", "severity", "parties", "description", "occurred_at", "photo"),
        form=form,
        problems=problems,
    )


@router.get("/disputes/new", response_class=HTMLResponse)
def new_dispute(request: Request, system: SystemDep, person: str = Person) -> Response:
    return _report_page(request, system, person, {"parties": ["", ""], "command_id": uuid4().hex}, Problems())


@router.post("/disputes", response_class=HTMLResponse)
async def report_dispute(request: Request, system: SystemDep, person: str = Person) -> Response:
    data = await checked_form(request)
    names = [str(n).strip() for n in data.getlist("party") if str(n).strip()]
    form = {
        "grid": data.get("grid") or None,
        "category": data.get("category") or None,
        "severity": data.get("severity") or None,
        "description": str(data.get("description") or ""),
        "occurred_at": _local_moment(data.get("occurred_at")),
        "parties": [str(n) for n in data.getlist("party") if str(n).strip()] or ["", ""],
        "command_id": str(data.get("command_id") or "") or uuid4().hex,
    }
    gettext = _gettext(request)
    photo = await _photo_of(data, system)
    photo_upload = str(data.get("photo_upload") or "")[:64]  # sent beforehand in chunks (resumable.js)
    try:
        if photo_upload:
            with system.uploads.attaching(person, photo_upload) as (upload, content):
                if upload.attached is None:  # else a report sent again: its photo is attached already
                    photo = (upload.filename or "photo.jpg", content)
        if photo is not None:  # refused before anything is recorded (service/evidence/intake.py)
            check(photo[1], Kind.PHOTO, system.evidence.limits)
        body = s.DisputeReportIn.model_validate(
            {
                **{k: v for k, v in form.items() if k not in ("parties", "command_id")},
                "parties": [{"name": n} for n in names],
            }
        )
        dispute = system.casebook.disputes.report(
            person,
            grid=body.grid,
            parties=[p.model_dump(exclude_none=True) for p in body.parties],
            category=body.category,
            severity=body.severity,
            description=body.description,
            occurred_at=body.occurred_at,
            meta=CommandMeta(
                from_person=True,
                command_id=form["command_id"],
                digest=body_digest(body.model_dump(mode="json")),
                **entered(data),
            ),
        )
        if photo is not None:
            keep = data.get("keep_location") == "on"
            cid = f"{form['command_id']}:photo"
            if photo_upload:  # through the upload, so that it becomes this one attachment and its chunks go
                given = {"kind": Kind.PHOTO, "of_event": 1, "keep_location": keep}
                attach_upload(
                    system.evidence,
                    system.uploads,
                    person,
                    "dispute",
                    dispute.id,
                    photo_upload,
                    CommandMeta(command_id=cid),
                    **given,
                )
            else:
                attach_photo(system, person, dispute.id, *photo, keep, cid)
    except (ValidationError, DomainError) as error:
        found = problems_of(error, gettext)
        if isinstance(error, InvalidValue) and error.field in ("file", "upload"):
            found.fields = {"photo": f"{gettext(PHOTO_REFUSED)}（{reason_in(error, gettext)}）"}
        return _report_page(request, system, person, form, found)
    return RedirectResponse(f"/app/disputes/{dispute.id}", status_code=303)


async def _photo_of(data: Any, system: System) -> tuple[str, bytes] | None:
    """The report's photo, if one was taken: its name and bytes (at most one byte past the limit)."""
    upload = data.get("photo")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    return upload.filename, await upload.read(system.evidence.limits.largest + 1)


def attach_photo(
    system: System, person: str, dispute_id: UUID, name: str, content: bytes, keep: bool, cid: str
) -> None:
    system.evidence.attach(
        person,
        "dispute",
        dispute_id,
        data=content,
        filename=name,
        kind=Kind.PHOTO,
        of_event=1,
        keep_location=keep,
        meta=CommandMeta(from_person=True, command_id=cid),
    )


def _local_moment(value: object) -> str | None:
    """A datetime-local field holds the local time without its offset: give it the node's."""
    text = str(value or "").strip()
    if not text:
        return None
    return text if ("+" in text[10:] or text.endswith("Z")) else f"{text}+08:00"


# -- the case page ------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """A command the case page offers as a form: its body, and the desk call it makes."""

    body: type[BaseModel]
    call: Callable[[Any, str, UUID, Any, CommandMeta], Dispute]
    title: str


ACTIONS: dict[str, Action] = {
    "accept": Action(s.AcceptanceIn, lambda d, p, i, b, m: d.accept(p, i, m), N_("Accept the dispute")),
    "hold_mediation_session": Action(
        s.MediationSessionIn,
        lambda d, p, i, b, m: d.hold_mediation_session(p, i, outcome=b.outcome, notes=b.notes, meta=m),
        N_("Record a mediation session"),
    ),
    "reach_agreement": Action(
        s.AgreementIn,
        lambda d, p, i, b, m: d.reach_agreement(p, i, form=b.form, terms=b.terms, meta=m),
        N_("Record the agreement"),
    ),
    "sign_agreement": Action(
        s.SignatureIn,
        lambda d, p, i, b, m: d.sign_agreement(p, i, party=b.party, meta=m),
        N_("Record a party's signature"),
    ),
    "seal_agreement": Action(
        s.SealIn, lambda d, p, i, b, m: d.seal_agreement(p, i, m), N_("Seal the agreement for the committee")
    ),
    "make_follow_up_visit": Action(
        s.FollowUpIn,
        lambda d, p, i, b, m: d.make_follow_up_visit(
            p, i, performance=b.performance, satisfaction=b.satisfaction, notes=b.notes, meta=m
        ),
        N_("Record a follow-up visit"),
    ),
    "escalate": Action(
        s.EscalationIn,
        lambda d, p, i, b, m: d.escalate(p, i, reason=b.reason, meta=m),
        N_("Escalate to the next level"),
    ),
}


def _case_page(
    request: Request,
    system: System,
    person: str,
    dispute_id: UUID,
    failed: str | None = None,
    problems: Problems | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    dispute, history = system.casebook.disputes.with_history(person, dispute_id)
    found = system.casebook.deadlines.clocks(kinds.DISPUTE, dispute_id)
    clocks = sorted(found.clocks.values(), key=lambda c: c.started_at) if found else []
    directory = system.casebook.current_directory()
    # The case's allowed actions are the commands it would accept now (a signature while a party
    # has still to sign a written agreement not yet sealed, the seal once every party has).
    allowed = dispute.allowed_actions(system.casebook.clock())
    desk = system.casebook.disputes
    offered = [name for name in ACTIONS if name in allowed and desk.may(person, dispute, name)]
    return render(
        request,
        "dispute.html",
        status=problems.status if problems else 200,
        here=f"/app/disputes/{dispute_id}",  # also when a refused action answers its POST
        dispute=dispute,
        history=history,
        clocks=clocks,
        now=system.casebook.clock(),
        actions={name: ACTIONS[name] for name in offered},
        failed=failed,
        problems=problems or Problems(),
        form=form or {},
        name_of=_person_name(directory, _gettext(request)),
        node_name=lambda code: _node_name(system, code),
        explained=explainer(request, system),
    )


def explainer(request: Request, system: System) -> Callable[[Any], list[str]]:
    """A clock's explanation in the reader's language, for the case pages."""
    gettext, now = _gettext(request), system.casebook.clock()
    return lambda clock: explained(clock, now, gettext, lambda code: _node_name(system, code))


def _person_name(directory: Any, gettext: Callable[[str], str]) -> Callable[[str], str]:
    def name(person_id: str) -> str:
        if person_id.startswith("system:"):
            return gettext(N_("The system"))
        return directory.name_of(person_id)

    return name


@router.get("/disputes/{dispute_id}", response_class=HTMLResponse)
def dispute_page(dispute_id: UUID, request: Request, system: SystemDep, person: str = Person) -> Response:
    return _case_page(request, system, person, dispute_id)


@router.post("/disputes/{dispute_id}/{action}", response_class=HTMLResponse)
async def dispute_action(
    dispute_id: UUID, action: str, request: Request, system: SystemDep, person: str = Person
) -> Response:
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise CaseNotFound("action", action)
    data = {k: v for k, v in (await checked_form(request)).items() if k != "csrf"}
    command_id = str(data.pop("command_id", "") or "") or None
    try:
        body = chosen.body.model_validate({k: v for k, v in data.items() if v != ""})
        meta = CommandMeta(
            from_person=True, command_id=command_id, digest=body_digest(body.model_dump(mode="json"))
        )
        chosen.call(system.casebook.disputes, person, dispute_id, body, meta)
    except (ValidationError, DomainError) as error:
        if isinstance(error, CaseNotFound):
            raise
        problems = problems_of(error, _gettext(request))
        return _case_page(request, system, person, dispute_id, action, problems, data)
    return RedirectResponse(f"/app/disputes/{dispute_id}", status_code=303)


# -- signing in and out -------------------------------------------------------------------


def _sign_in_page(
    request: Request, system: System, problem: str | None = None, status: int = 200
) -> Response:
    return render(
        request,
        "sign_in.html",
        status=status,
        problem=problem,
        development=system.settings.mode == "development",
        next=_local_path(request.query_params.get("next")),
        oidc=getattr(request.app.state, "oidc", None),  # web/oidc_pages.py, when configured
    )


def _local_path(value: object) -> str:
    """Where to go after a form: a path on this site only, never another site."""
    back = str(value or "/app")
    return back if back.startswith("/") and not back.startswith("//") and "\\" not in back else "/app"


def _same_origin(request: Request) -> bool:
    """A sign-in posted from another site is refused (login CSRF): the browser names the
    origin of every form it posts."""
    origin = request.headers.get("origin")
    return origin is None or origin == f"{request.url.scheme}://{request.url.netloc}"


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, system: SystemDep) -> Response:
    return _sign_in_page(request, system)


@router.post("/sign-in", response_class=HTMLResponse)
async def sign_in(request: Request, system: SystemDep) -> Response:
    data = await request.form()
    gettext = _gettext(request)
    if not _same_origin(request):
        return _sign_in_page(request, system, gettext(N_("This form came from another site.")), 403)
    person_id, password = str(data.get("person") or "").strip(), str(data.get("password") or "")
    token = str(data.get("token") or "").strip()
    address = client_address(request)
    try:
        if token and system.settings.mode == "development":
            session_id, session = system.identity.sessions.start(system.identity.by_token(token, address))
        else:
            session_id, session = system.identity.sign_in(person_id, password, address)
    except TooManyAttempts as refused:
        page = _sign_in_page(
            request, system, gettext(N_("Too many failed attempts; please wait and try again.")), 429
        )
        page.headers["Retry-After"] = str(refused.retry_after)
        return page
    except NotAuthenticated:
        return _sign_in_page(request, system, gettext(N_("The person or the password is wrong.")), 401)
    response = RedirectResponse(_local_path(data.get("next")), status_code=303)
    set_session_cookie(response, system, session_id, session)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, system: SystemDep, person: str = Person) -> Response:
    await checked_form(request)
    session = getattr(request.state, "session", None)
    session_id = request.cookies.get(SESSION_COOKIE)
    if session is not None and session_id:
        system.identity.sign_out(session_id, session, client_address(request))
    response = RedirectResponse("/app/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/enrolment", response_class=HTMLResponse)
def enrolment_page(request: Request) -> Response:
    return render(request, "enrolment.html", problem=None)


@router.post("/enrolment", response_class=HTMLResponse)
async def enrol(request: Request, system: SystemDep) -> Response:
    data = await request.form()
    gettext = _gettext(request)
    if not _same_origin(request):
        return render(
            request, "enrolment.html", status=403, problem=gettext(N_("This form came from another site."))
        )
    password, again = str(data.get("password") or ""), str(data.get("again") or "")
    if password != again:
        return render(request, "enrolment.html", status=422, problem=gettext(N_("The two passwords differ.")))
    try:
        system.identity.enrol(str(data.get("code") or ""), password, client_address(request))
    except TooManyAttempts as refused:
        page = render(
            request,
            "enrolment.html",
            status=429,
            problem=gettext(N_("Too many failed attempts; please wait and try again.")),
        )
        page.headers["Retry-After"] = str(refused.retry_after)
        return page
    except InvalidValue as refused:
        return render(request, "enrolment.html", status=422, problem=reason_in(refused, gettext))
    except NotAuthenticated:
        return render(
            request,
            "enrolment.html",
            status=401,
            problem=gettext(N_("The code is wrong, used or expired; ask your workstation for a new one.")),
        )
    return RedirectResponse("/app/sign-in", status_code=303)


# -- the written mediation agreement (人民调解协议书) ------------------------------------------


@dataclass(frozen=True)
class Signatory:
    name: str
    details: list[tuple[str, str]]  # (label, value) of what was recorded of the party
    signed_at: Any  # datetime | None


@dataclass(frozen=True)
class AgreementDocument:
    """What the printed agreement says (People's Mediation Law, Art. 29): the parties and their
    particulars, the matter, the terms, a signature line per party and for the mediator, and the
    committee's seal with the date it took effect."""

    committee: str
    parties: list[Signatory]
    matter: str
    terms: str
    mediator: str
    reached_at: Any
    sealed_at: Any  # None until the committee seals it
    copies: int


PARTY_DETAILS = (
    ("id_number", N_("Resident identity number")),
    ("address", N_("Address")),
    ("phone", N_("Phone")),
)


def agreement_document(system: System, dispute: Dispute, history: list[Any]) -> AgreementDocument | None:
    """The written agreement in force or being signed, read from the history since it was reached
    (a reopened dispute may reach a second one); None when the dispute has no written agreement."""
    if not dispute.agreement or dispute.agreement["form"] != AgreementForm.WRITTEN:
        return None
    reached: Any = None
    signed: dict[str, Any] = {}
    sealed: Any = None
    for event in history:
        if isinstance(event, Dispute.AgreementReached):
            reached, signed, sealed = event, {}, None
        elif isinstance(event, Dispute.AgreementSigned):  # by party id; before ids, by name
            who = event.party_id or next(
                (p["id"] for p in dispute.parties if p["name"] == event.party and p["id"] not in signed), None
            )
            signed[who] = event.effective_at
        elif isinstance(event, Dispute.AgreementSealed):
            sealed = event
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    if sealed is not None:
        committee = sealed.committee
    elif dispute.agreement["level"] == "township":
        committee = directory.ancestor_of_kind(dispute.village, NodeKind.TOWNSHIP, now) or dispute.village
    else:
        committee = dispute.village
    parties = [
        Signatory(
            name=p["name"],
            details=[(label, str(p[key])) for key, label in PARTY_DETAILS if p.get(key)],
            signed_at=signed.get(p["id"]),
        )
        for p in dispute.parties
    ]
    return AgreementDocument(
        committee=_node_name(system, committee),
        parties=parties,
        matter=dispute.description,
        terms=dispute.agreement["terms"],
        mediator=directory.name_of(reached.actor) if reached is not None else "",
        reached_at=reached.effective_at if reached is not None else None,
        sealed_at=sealed.effective_at if sealed is not None else None,
        copies=len(parties) + 1,
    )


@router.get("/disputes/{dispute_id}/agreement", response_class=HTMLResponse)
def agreement_page(dispute_id: UUID, request: Request, system: SystemDep, person: str = Person) -> Response:
    dispute, history = system.casebook.disputes.with_history(person, dispute_id)
    document = agreement_document(system, dispute, history)
    if document is None:
        message = N_("This dispute has no written agreement to print.")
        return render(request, "error.html", status=404, message=message)
    return render(request, "agreement.html", dispute=dispute, document=document)


# -- language ----------------------------------------------------------------------------


@router.post("/language")
async def choose_language(request: Request) -> Response:
    data = await request.form()
    lang = str(data.get("lang") or "")
    response = RedirectResponse(_local_path(data.get("next")), status_code=303)
    if lang in i18n.LANGUAGES:
        response.set_cookie(i18n.COOKIE, lang, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
    return response

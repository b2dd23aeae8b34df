"""The petition agent's and the petition office's pages (信访): the petitions a person may read,
registering a letter, visit or message, the petition's page with its time limits and history,
the actions its state allows and the person's post may take, and the two printed documents.

Every page reads through the petition desk, as the JSON routes do: what an accusation withholds
from a reader (its content, the accuser, the accused) is withheld here by the same read, and
every action is the API's own command row (api/routes/petitions.py), authorised below both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

import api.routes.petitions  # noqa: F401  (registers the petition command rows)
from api.commands import COMMANDS, Command
from api.deps import SystemDep
from api.petition_schemas import PetitionRegisterIn
from domain.directory.access import Right
from domain.directory.jurisdiction import NodeKind
from domain.errors import CaseNotFound, DomainError, NoRule
from domain.petitions.petition import WITHHELD, Petition, Status
from infra.bootstrap import System
from service.petitions.terms import attributes
from service.store import CommandMeta
from web.labels import N_
from web.pages import (
    CHECK_THIS,
    INPUT_PROBLEMS,
    PAGE,
    Person,
    Problems,
    _gettext,
    _local_moment,
    _node_name,
    _person_name,
    checked_form,
    problems_of,
)
from web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)

# The domain's reasons that people meet most on these forms, so that they read them in their language.
PETITION_REASONS = [
    N_("a resident identity number has 17 digits and a check digit (0-9 or X)"),
    N_("the check digit does not match: check the number"),
    N_("name the matter, so that a repeat of it can be recognised"),
    N_("give the person's name"),
    N_("record what the petitioner asks or says, in their words"),
    N_("only an accusation names an accused person"),
    N_("no such person in the directory: give the accused's person id, or none"),
    N_("state the facts found"),
    N_("cite the law, regulation or policy applied"),
    N_("name who received the answer"),
    N_("record a receipt once it has happened"),
    N_("say what the petitioner disputes"),
    N_("give the reason the petitioner is told"),
    N_("say which procedure applies and why"),
    N_("name the court, arbitration commission or authority"),
    N_("summarise what the hearing heard and found"),
    N_("say what was done and with what result"),
    N_("name who must report the result"),
    N_("say why the petition is not accepted"),
    N_("say why the petition is objected"),
]


# -- the actions: the API's command rows, under the domain's names for them ---------------


@dataclass(frozen=True)
class Action:
    command: Command
    title: str


TITLES = {
    "name_representative": N_("Name a representative"),
    "route": N_("Route to the receiving body"),
    "assign": N_("Assign to the body in charge"),
    "report_assignment_result": N_("Report the result of the assignment"),
    "decide_acceptance": N_("Decide acceptance"),
    "divert": N_("Divert to a legal procedure"),
    "extend_handling": N_("Extend the handling time"),
    "give_opinion": N_("Give the handling opinion"),
    "deliver_answer": N_("Record the delivery of the written answer"),
    "request_review": N_("Record a request for review"),
    "decide_review": N_("Decide the review"),
    "request_re_review": N_("Record a request for re-review"),
    "decide_re_review": N_("Decide the re-review"),
    "accept_opinion": N_("Record that the petitioner accepts the answer"),
    "conclude": N_("Conclude: the window closed"),
    "start_hearing": N_("Open a hearing"),
    "end_hearing": N_("End the hearing"),
}
# The desk's method → the domain's name of the action (what `allowed_actions` says).
ACTION_OF_METHOD = {"give_handling_opinion": "give_opinion", "divert_to_legal_procedure": "divert"}
ACTIONS: dict[str, Action] = {
    ACTION_OF_METHOD.get(c.method, c.method): Action(c, TITLES[ACTION_OF_METHOD.get(c.method, c.method)])
    for kind, c in COMMANDS
    if kind.name == "petition"
}
MOMENTS = ("received_at",)  # datetime-local fields: the node's local time


def _problems(error: Exception, gettext: Callable[[str], str]) -> Problems:
    """A refusal by field: a nested field (the petitioner's identity number) by its last name,
    as the form names it."""
    if not isinstance(error, ValidationError):
        found = problems_of(error, gettext)
        found.fields = {name.rsplit(".", 1)[-1]: text for name, text in found.fields.items()}
        return found
    found = Problems()
    for e in error.errors():
        name = str(e["loc"][-1]) if e["loc"] else "form"
        found.fields.setdefault(name, gettext(INPUT_PROBLEMS.get(e["type"], CHECK_THIS)))
    return found


def _shown(gettext: Callable[[str], str]) -> Callable[[Any], str]:
    """A value as the reader may see it: what an accusation withholds says so, in words."""

    def shown(value: Any) -> str:
        if value == WITHHELD:
            return gettext(N_("(withheld)"))
        return "" if value is None else str(value)

    return shown


# -- the petitions I may read ------------------------------------------------------------


@router.get("/petitions", response_class=HTMLResponse)
def petitions_page(
    request: Request, system: SystemDep, person: str = Person, status: str = "", page: int = 1
) -> Response:
    chosen = Status(status) if status in {s.value for s in Status} else None
    page = max(1, min(page, 10_000))
    desk = system.casebook.petitions
    total, found = desk.listed(person, chosen, PAGE, (page - 1) * PAGE)
    return render(
        request,
        "petitions.html",
        total=total,
        petitions=found,
        clocks={str(p.id): [c for c in desk.clocks(p) if c.status in ("running", "paused")] for p in found},
        state=chosen.value if chosen else "",
        page=page,
        pages=max(1, -(-total // PAGE)),
        now=system.casebook.clock(),
        shown=_shown(_gettext(request)),
        node_name=lambda code: _node_name(system, code),
    )


# -- registering a petition --------------------------------------------------------------


def _registering_nodes(system: System, person: str) -> list[tuple[str, str]]:
    """The villages and townships a person may register a petition for: under their posts with
    the right to register."""
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    codes = {
        code
        for tenure in directory.posts_with_right(person, Right.REGISTER_PETITION, now)
        for code in directory.descendants(tenure.node, now)
        if (node := directory.node(code)) is not None and node.kind in (NodeKind.VILLAGE, NodeKind.TOWNSHIP)
    }
    return sorted((code, _node_name(system, code)) for code in codes)


REGISTER_FIELDS = (
    "node",
    "channel",
    "type",
    "name",
    "id_number",
    "phone",
    "address",
    "matter",
    "content",
    "people_count",
    "representatives",
    "accused_person_id",
)


def _register_page(
    request: Request, system: System, person: str, form: dict[str, Any], problems: Problems
) -> HTMLResponse:
    return render(
        request,
        "petition_new.html",
        status=problems.status if problems else 200,
        here="/app/petitions/new",
        nodes=_registering_nodes(system, person),
        shown_fields=REGISTER_FIELDS,
        form=form,
        problems=problems,
    )


@router.get("/petitions/new", response_class=HTMLResponse)
def new_petition(request: Request, system: SystemDep, person: str = Person) -> Response:
    form = {"channel": "visit", "type": "complaint", "command_id": uuid4().hex}
    return _register_page(request, system, person, form, Problems())


@router.post("/petitions", response_class=HTMLResponse)
async def register_petition(request: Request, system: SystemDep, person: str = Person) -> Response:
    data = await checked_form(request)
    form = {k: str(data.get(k) or "").strip() for k in REGISTER_FIELDS}
    form["anonymous"] = bool(data.get("anonymous"))
    form["command_id"] = str(data.get("command_id") or "") or uuid4().hex
    form["representatives"] = [str(n).strip() for n in data.getlist("representative")]
    who = {} if form["anonymous"] else {k: form[k] for k in ("name", "id_number", "phone", "address")}
    try:
        body = PetitionRegisterIn.model_validate(
            {
                "node": form["node"] or None,
                "channel": form["channel"] or None,
                "type": form["type"] or None,
                "petitioner": {k: v for k, v in who.items() if v},
                "content": form["content"],
                "matter": form["matter"],
                "people_count": form["people_count"] or 1,
                "accused_person_id": form["accused_person_id"] or None,
                "representatives": [{"name": n} for n in form["representatives"] if n],
            }
        )
        petition = system.casebook.petitions.register(
            person,
            node=body.node,
            channel=body.channel,
            type=body.type,
            petitioner=body.petitioner.model_dump(exclude_none=True),
            content=body.content,
            matter=body.matter,
            people_count=body.people_count,
            representatives=[r.model_dump(exclude_none=True) for r in body.representatives],
            accused_person_id=body.accused_person_id,
            meta=CommandMeta(from_person=True, command_id=form["command_id"]),
        )
    except (ValidationError, DomainError) as error:
        return _register_page(request, system, person, form, _problems(error, _gettext(request)))
    return RedirectResponse(f"/app/petitions/{petition.id}", status_code=303)


# -- the petition's page -----------------------------------------------------------------


def _petition_page(
    request: Request,
    system: System,
    person: str,
    petition_id: UUID,
    failed: str | None = None,
    problems: Problems | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    desk = system.casebook.petitions
    petition, history, withheld = desk.read(person, petition_id)
    offered = desk.offered(person, petition_id)
    directory, now = system.casebook.current_directory(), system.casebook.clock()
    gettext = _gettext(request)
    return render(
        request,
        "petition.html",
        status=problems.status if problems else 200,
        here=f"/app/petitions/{petition_id}",
        petition=petition,
        withheld=withheld,
        history=history,
        clocks=desk.clocks(petition),
        windows=desk.windows(petition),
        now=now,
        actions={name: ACTIONS[name] for name in ACTIONS if name in offered},
        places=offered,
        chain=directory.ancestors(petition.node, now),
        failed=failed,
        problems=problems or Problems(),
        form=form or {},
        shown=_shown(gettext),
        name_of=_person_name(directory, gettext),
        node_name=lambda code: _node_name(system, code),
    )


@router.get("/petitions/{petition_id}", response_class=HTMLResponse)
def petition_page(petition_id: UUID, request: Request, system: SystemDep, person: str = Person) -> Response:
    return _petition_page(request, system, person, petition_id)


@router.post("/petitions/{petition_id}/{action}", response_class=HTMLResponse)
async def petition_action(
    petition_id: UUID, action: str, request: Request, system: SystemDep, person: str = Person
) -> Response:
    chosen = ACTIONS.get(action)
    if chosen is None:
        raise CaseNotFound("action", action)
    data = {k: str(v) for k, v in (await checked_form(request)).items() if k != "csrf"}
    command_id = str(data.pop("command_id", "") or "") or None
    sent = {k: (_local_moment(v) if k in MOMENTS else v) for k, v in data.items() if v.strip() != ""}
    command = chosen.command
    try:
        body = command.body.model_validate(sent)
        call = getattr(system.casebook.petitions, command.method)
        call(
            person,
            petition_id,
            **command.arguments(body),
            meta=CommandMeta(from_person=True, command_id=command_id),
        )
    except (ValidationError, DomainError) as error:
        if isinstance(error, CaseNotFound):
            raise
        problems = _problems(error, _gettext(request))
        return _petition_page(request, system, person, petition_id, action, problems, data)
    return RedirectResponse(f"/app/petitions/{petition_id}", status_code=303)


# -- the printed documents ---------------------------------------------------------------


@dataclass(frozen=True)
class ReviewTerms:
    """What the handling opinion tells the petitioner of a review (Art. 35): within how long of
    receiving it, from which body, and by when once its receipt is recorded."""

    amount: int | None
    unit: str | None
    body: str
    closes: Any  # datetime | None


def _review_terms(system: System, petition: Petition) -> ReviewTerms:
    desk = system.casebook.petitions
    rule = None
    at = petition.opinion["at"] if petition.opinion else system.casebook.clock()
    policy = desk.deadlines.rulebook.current().policy_in_force(at)
    try:
        rule = policy.rule_for("petition.review_request", attributes(petition)) if policy else None
    except NoRule:
        rule = None
    return ReviewTerms(
        amount=rule.amount if rule else None,
        unit=rule.unit.value if rule else None,
        body=_node_name(system, desk.reviewing_body(petition)),
        closes=desk.windows(petition)["review_window_closes"],
    )


def _document(
    request: Request, system: System, person: str, petition_id: UUID, template: str, ready: str, missing: str
) -> Response:
    desk = system.casebook.petitions
    petition, _, withheld = desk.read(person, petition_id)
    if getattr(petition, ready) is None:
        return render(request, "error.html", status=404, message=missing)
    gettext = _gettext(request)
    handling = next((c for c in desk.clocks(petition) if c.clock == "petition.handling"), None)
    return render(
        request,
        template,
        petition=petition,
        withheld=withheld,
        accepted=bool(petition.acceptance and petition.acceptance["decision"] == "accepted"),
        handling=handling,
        review=_review_terms(system, petition) if petition.opinion else None,
        shown=_shown(gettext),
        name_of=_person_name(system.casebook.current_directory(), gettext),
        node_name=lambda code: _node_name(system, code),
    )


@router.get("/petitions/{petition_id}/acceptance-notice", response_class=HTMLResponse)
def acceptance_notice(
    petition_id: UUID, request: Request, system: SystemDep, person: str = Person
) -> Response:
    """受理告知书: the receiving body tells the petitioner it accepted the matter (or did not, and
    why), and by when it answers in writing."""
    missing = N_("This petition has no acceptance decision to print yet.")
    return _document(
        request, system, person, petition_id, "petition_acceptance_notice.html", "acceptance", missing
    )


@router.get("/petitions/{petition_id}/opinion", response_class=HTMLResponse)
def handling_opinion(
    petition_id: UUID, request: Request, system: SystemDep, person: str = Person
) -> Response:
    """信访事项处理意见书 (Art. 32): the petitioner's request, the facts found, the opinion and its
    basis, and within how long and from which body a review may be requested."""
    missing = N_("This petition has no handling opinion to print yet.")
    return _document(request, system, person, petition_id, "petition_opinion.html", "opinion", missing)

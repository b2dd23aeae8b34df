"""The workbench's evidence: a case's attachments listed with thumbnails and download links, the form
that attaches a photo (straight from a phone's camera), a scan, a letter or a recording to the case or
to one of its events, and the form that corrects an attachment by a new one that supersedes it (both
kept). The same pages serve disputes, petitions, incidents and patrol shifts; who may see and attach
follows the evidence desk, which asks the case's own authorisation (service/evidence/desk.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from api.deps import SystemDep, Year
from api.routes.evidence import SAFE_HEADERS, download, tampered
from domain.assessment.assessment import unit_year_id
from domain.errors import DomainError, InvalidValue
from domain.evidence import Kind
from infra.bootstrap import System
from service.evidence.blobs import Tampered
from service.evidence.uploads import attach_upload
from service.store import CommandMeta
from web.labels import LABELS, N_
from web.pages import Person, Problems, _gettext, _person_name, checked_form, problems_of, reason_in
from web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)


@dataclass(frozen=True)
class CasePages:
    """Where one kind of case's attachment pages live and how they speak of it."""

    case: str  # the evidence desk's name for the kind
    base: str  # the case page's path, without its id
    back: str  # the link back to the case page
    events: str  # the label kind (web/labels.py) of the case's events


CASES = [
    CasePages("dispute", "/app/disputes", N_("Back to the dispute"), "event"),
    CasePages("petition", "/app/petitions", N_("Back to the petition"), "petition.event"),
    CasePages("incident", "/app/incidents", N_("Back to the incident"), "incident.event"),
    CasePages("patrol_shift", "/app/patrols/shifts", N_("Back to the patrol shift"), "shift.event"),
]
# The dispute's report form (a photo taken with the report) and every case's attach form (api/limits.py).
UPLOAD_PATH = (
    r"^/app/(disputes|((disputes|petitions|incidents|patrols/shifts)/[^/]+|scores/[^/]+/[^/]+)/attachments)$"
)
KINDS = {Kind(code): text for code, text in LABELS["evidence.kind"].items()}
# What to do when an upload cannot be attached (its reason names the upload, not the file).
UPLOAD_REFUSED = N_("The file did not arrive whole, or was sent too long ago: choose it and attach it again.")


def reason_of(error: InvalidValue, gettext: Any) -> str:
    """A refusal of the file in the person's language: an upload that cannot be attached says
    what to do, with the system's own words after it; every other refusal as the catalogue says it."""
    if error.field == "upload":
        return f"{gettext(UPLOAD_REFUSED)} ({reason_in(error, gettext)})"
    return reason_in(error, gettext)


def attachments_section(
    request: Request, system: System, person: str, pages: CasePages, case_id: UUID, home: str
) -> dict[str, Any]:
    """What the attachments partial shows: the attachments, and the events they may belong to."""
    shown, events = system.evidence.section(person, pages.case, case_id)
    return {
        "attachments": shown,
        "events": events,
        "event_labels": pages.events,
        "kinds": KINDS,
        "home": home,  # the case's own page; the attachments are under it
        "name_of": _person_name(system.casebook.current_directory(), _gettext(request)),
    }


def _page(
    request: Request,
    system: System,
    person: str,
    pages: CasePages,
    case_id: UUID,
    home: str,
    problems: Problems | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    section = attachments_section(request, system, person, pages, case_id, home)  # not found if unreadable
    form = form or {"command_id": uuid4().hex}
    corrects = next((a for a in section["attachments"] if a["id"] == form.get("supersedes")), None)
    return render(
        request,
        "evidence/attachments.html",
        status=problems.status if problems else 200,
        here=f"{home}/attachments",
        back=pages.back,
        corrects=corrects if corrects and not corrects["superseded_by"] else None,
        problems=problems or Problems(),
        form=form,
        **section,
    )


async def _attach(
    request: Request, system: System, person: str, pages: CasePages, case_id: UUID, home: str
) -> Response:
    data = await checked_form(request)
    form = {k: str(v) for k, v in data.items() if k not in ("csrf", "file", "upload")}
    upload = data.get("file")
    upload_id = str(data.get("upload") or "")
    gettext = _gettext(request)
    try:
        if not upload_id and (not isinstance(upload, UploadFile) or not upload.filename):
            raise InvalidValue("file", N_("Choose a file to attach."))
        kind = Kind(form.get("kind") or Kind.PHOTO)
        of_event = int(form["of_event"]) if form.get("of_event", "").isdigit() else None
        given: dict[str, Any] = {
            "kind": kind,
            "of_event": of_event,
            "note": form.get("note", ""),
            "keep_location": form.get("keep_location") == "on",
            "supersedes": form.get("supersedes") or None,
            "reason": form.get("reason", ""),
        }
        meta = CommandMeta(from_person=True, command_id=form.get("command_id") or None)
        if upload_id:  # sent beforehand in chunks by web/static/resumable.js (tus, /uploads)
            attach_upload(
                system.evidence, system.uploads, person, pages.case, case_id, upload_id, meta, **given
            )
        else:
            assert isinstance(upload, UploadFile) and upload.filename
            content = await upload.read(system.evidence.limits.largest + 1)
            system.evidence.attach(
                person, pages.case, case_id, data=content, filename=upload.filename, meta=meta, **given
            )
    except (DomainError, ValueError) as error:
        problems = problems_of(error, gettext) if isinstance(error, DomainError) else Problems()
        if isinstance(error, InvalidValue):
            problems.fields[error.field] = reason_of(error, gettext)
        if not problems:
            problems.fields["kind"] = gettext(N_("Please choose one of the options."))
        return _page(request, system, person, pages, case_id, home, problems, form)
    return RedirectResponse(f"{home}#attachments", status_code=303)


def _fetch(system: System, person: str, pages: CasePages, case_id: UUID, attachment_id: str) -> Response:
    try:
        found, data = system.evidence.open(person, pages.case, case_id, attachment_id)
    except Tampered as error:
        return tampered(error, pages.case, case_id, attachment_id)
    return download(found, data)


def _thumbnail(system: System, person: str, pages: CasePages, case_id: UUID, attachment_id: str) -> Response:
    try:
        data = system.evidence.thumbnail(person, pages.case, case_id, attachment_id)
    except Tampered as error:
        return tampered(error, pages.case, case_id, attachment_id)
    return Response(data, media_type="image/jpeg", headers=SAFE_HEADERS)


def _list(
    request: Request, system: System, person: str, pages: CasePages, case_id: UUID, home: str
) -> Response:
    """The list alone, for the case page to load into itself."""
    section = attachments_section(request, system, person, pages, case_id, home)
    return render(request, "evidence/_list.html", **section)


def _form(corrects: str) -> dict[str, Any]:
    """A new attach form; `?corrects=<id>` makes it the form that corrects that attachment."""
    return {"command_id": uuid4().hex, "supersedes": corrects[:64]}


def _routes(pages: CasePages) -> None:
    path = pages.base.removeprefix("/app") + "/{case_id}/attachments"

    def home(case_id: UUID) -> str:
        return f"{pages.base}/{case_id}"

    @router.get(path, response_class=HTMLResponse, name=f"{pages.case}_attachments_page")
    def attachments_page(
        case_id: UUID, request: Request, system: SystemDep, person: str = Person, corrects: str = ""
    ) -> Response:
        return _page(request, system, person, pages, case_id, home(case_id), form=_form(corrects))

    @router.get(path + "/list", response_class=HTMLResponse, name=f"{pages.case}_attachments_partial")
    def attachments_partial(
        case_id: UUID, request: Request, system: SystemDep, person: str = Person
    ) -> Response:
        return _list(request, system, person, pages, case_id, home(case_id))

    @router.post(path, response_class=HTMLResponse, name=f"{pages.case}_attach_page")
    async def attach(case_id: UUID, request: Request, system: SystemDep, person: str = Person) -> Response:
        return await _attach(request, system, person, pages, case_id, home(case_id))

    @router.get(path + "/{attachment_id}", name=f"{pages.case}_attachment_page")
    def fetch(case_id: UUID, attachment_id: str, system: SystemDep, person: str = Person) -> Response:
        return _fetch(system, person, pages, case_id, attachment_id)

    @router.get(path + "/{attachment_id}/thumbnail", name=f"{pages.case}_thumbnail_page")
    def thumbnail(case_id: UUID, attachment_id: str, system: SystemDep, person: str = Person) -> Response:
        return _thumbnail(system, person, pages, case_id, attachment_id)


for _pages in CASES:
    _routes(_pages)


# -- an assessor's evidence: the unit's assessment year, under its score page ----------------------------

UNIT_YEAR = CasePages("unit_year", "/app/scores", N_("Back to the score"), "assessment.event")
YEAR_PATH = "/scores/{unit}/{year}/attachments"


def _year(unit: str, year: int) -> tuple[UUID, str]:
    return unit_year_id(unit, year), f"/app/scores/{unit}/{year}"


@router.get(YEAR_PATH, response_class=HTMLResponse)
def year_attachments_page(
    unit: str, year: Year, request: Request, system: SystemDep, person: str = Person, corrects: str = ""
) -> Response:
    return _page(request, system, person, UNIT_YEAR, *_year(unit, year), form=_form(corrects))


@router.get(YEAR_PATH + "/list", response_class=HTMLResponse)
def year_attachments_partial(
    unit: str, year: Year, request: Request, system: SystemDep, person: str = Person
) -> Response:
    return _list(request, system, person, UNIT_YEAR, *_year(unit, year))


@router.post(YEAR_PATH, response_class=HTMLResponse)
async def year_attach(
    unit: str, year: Year, request: Request, system: SystemDep, person: str = Person
) -> Response:
    return await _attach(request, system, person, UNIT_YEAR, *_year(unit, year))


@router.get(YEAR_PATH + "/{attachment_id}")
def year_fetch(
    unit: str, year: Year, attachment_id: str, system: SystemDep, person: str = Person
) -> Response:
    return _fetch(system, person, UNIT_YEAR, _year(unit, year)[0], attachment_id)


@router.get(YEAR_PATH + "/{attachment_id}/thumbnail")
def year_thumbnail(
    unit: str, year: Year, attachment_id: str, system: SystemDep, person: str = Person
) -> Response:
    return _thumbnail(system, person, UNIT_YEAR, _year(unit, year)[0], attachment_id)

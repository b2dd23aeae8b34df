"""The workbench's evidence: a dispute's attachments listed with thumbnails and download links, and the
form that attaches a photo (straight from a phone's camera), a scan, a letter or a recording."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from api.deps import SystemDep
from api.routes.evidence import SAFE_HEADERS, download, tampered
from domain.errors import DomainError, InvalidValue
from domain.evidence import Kind
from infra.bootstrap import System
from service.evidence.blobs import Tampered
from service.store import CommandMeta
from web.labels import N_
from web.pages import Person, Problems, _gettext, checked_form, problems_of
from web.templating import render

router = APIRouter(prefix="/app", include_in_schema=False)
UPLOAD_PATH = r"^/app/disputes(/[^/]+/attachments)?$"  # the report form and the attach form (api/limits.py)
KINDS = {
    Kind.PHOTO: N_("Photo"),
    Kind.SIGNED_SCAN: N_("Scan of a signed document"),
    Kind.LETTER: N_("Letter"),
    Kind.ORAL_AGREEMENT_AUDIO: N_("Recording of an oral agreement"),
    Kind.IDENTITY_DOCUMENT: N_("Identity document"),
    Kind.OTHER: N_("Other"),
}
# The intake's refusals, in the person's language (service/evidence/intake.py says them in English).
REASONS = [N_("The file is too large for its kind."), N_("The file is not of a type this kind accepts.")]


def reason_of(error: InvalidValue, gettext: Any) -> str:
    """A refusal of the file in the person's language, with the system's own words after it."""
    if "at most" in error.reason:
        return f"{gettext(REASONS[0])} ({error.reason})"
    if "may be" in error.reason:
        return f"{gettext(REASONS[1])} ({error.reason})"
    return gettext(error.reason)


def attachments_section(system: System, person: str, dispute_id: UUID) -> dict[str, Any]:
    """What the attachments partial shows."""
    return {
        "attachments": system.evidence.listed(person, "dispute", dispute_id),
        "kinds": KINDS,
        "dispute_id": dispute_id,
    }


def _page(
    request: Request,
    system: System,
    person: str,
    dispute_id: UUID,
    problems: Problems | None = None,
    form: dict[str, Any] | None = None,
) -> HTMLResponse:
    dispute = system.casebook.disputes.get(person, dispute_id)
    return render(
        request,
        "evidence/attachments.html",
        status=problems.status if problems else 200,
        here=f"/app/disputes/{dispute_id}/attachments",
        dispute=dispute,
        problems=problems or Problems(),
        form=form or {"command_id": uuid4().hex},
        **attachments_section(system, person, dispute_id),
    )


@router.get("/disputes/{dispute_id}/attachments", response_class=HTMLResponse)
def attachments_page(dispute_id: UUID, request: Request, system: SystemDep, person: str = Person) -> Response:
    return _page(request, system, person, dispute_id)


@router.get("/disputes/{dispute_id}/attachments/list", response_class=HTMLResponse)
def attachments_partial(
    dispute_id: UUID, request: Request, system: SystemDep, person: str = Person
) -> Response:
    """The list alone, for the case page to load into itself."""
    return render(request, "evidence/_list.html", **attachments_section(system, person, dispute_id))


@router.post("/disputes/{dispute_id}/attachments", response_class=HTMLResponse)
async def attach(dispute_id: UUID, request: Request, system: SystemDep, person: str = Person) -> Response:
    data = await checked_form(request)
    form = {k: str(v) for k, v in data.items() if k not in ("csrf", "file")}
    upload = data.get("file")
    gettext = _gettext(request)
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise InvalidValue("file", N_("Choose a file to attach."))
        kind = Kind(form.get("kind") or Kind.PHOTO)
        of_event = int(form["of_event"]) if form.get("of_event", "").isdigit() else None
        content = await upload.read(system.evidence.limits.largest + 1)
        system.evidence.attach(
            person,
            "dispute",
            dispute_id,
            data=content,
            filename=upload.filename,
            kind=kind,
            of_event=of_event,
            note=form.get("note", ""),
            keep_location=form.get("keep_location") == "on",
            meta=CommandMeta(command_id=form.get("command_id") or None),
        )
    except (DomainError, ValueError) as error:
        problems = problems_of(error, gettext) if isinstance(error, DomainError) else Problems()
        if isinstance(error, InvalidValue):
            problems.fields[error.field] = reason_of(error, gettext)
        if not problems:
            problems.fields["kind"] = gettext(N_("Please choose one of the options."))
        return _page(request, system, person, dispute_id, problems, form)
    return RedirectResponse(f"/app/disputes/{dispute_id}#attachments", status_code=303)


@router.get("/disputes/{dispute_id}/attachments/{attachment_id}")
def fetch(dispute_id: UUID, attachment_id: str, system: SystemDep, person: str = Person) -> Response:
    try:
        found, data = system.evidence.open(person, "dispute", dispute_id, attachment_id)
    except Tampered as error:
        return tampered(error, "dispute", dispute_id, attachment_id)
    return download(found, data)


@router.get("/disputes/{dispute_id}/attachments/{attachment_id}/thumbnail")
def thumbnail(dispute_id: UUID, attachment_id: str, system: SystemDep, person: str = Person) -> Response:
    try:
        data = system.evidence.thumbnail(person, "dispute", dispute_id, attachment_id)
    except Tampered as error:
        return tampered(error, "dispute", dispute_id, attachment_id)
    return Response(data, media_type="image/jpeg", headers=SAFE_HEADERS)

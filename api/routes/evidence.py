"""Attachments of a case, over HTTP: upload one (multipart, or by a finished resumable upload's id,
api/routes/uploads.py), list them, download one (always as a download, never shown inline), a picture's
thumbnail, and the case's evidence bundle with them. The paths sit under each kind of case: /disputes,
/petitions, /incidents, /patrols/shifts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import structlog
from fastapi import APIRouter, File, Form, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import CurrentPerson, Meta, NodeCode, SystemDep, Year
from api.errors import problem
from api.exports import content_disposition
from api.schemas import EventPublic
from domain.assessment.assessment import unit_year_id
from domain.directory.access import Right
from domain.errors import AccessDenied, InvalidValue
from domain.evidence import Kind
from infra.bootstrap import System
from infra.seal import evidence
from service.evidence.blobs import Tampered
from service.evidence.uploads import attach_upload
from service.seal.checkpoint import b64
from service.store import CommandMeta

log = structlog.get_logger()
router = APIRouter(tags=["evidence"])
PATHS = {
    "dispute": "/disputes",
    "petition": "/petitions",
    "incident": "/incidents",
    "patrol_shift": "/patrols/shifts",
}
UPLOAD_PATH = (  # api/limits.py
    r"^/((disputes|petitions|incidents|patrols/shifts)/[^/]+|units/[^/]+/assessments/[^/]+)/attachments$"
)
SAFE_HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}


class AttachmentPublic(BaseModel):
    id: str
    kind: str
    of_event: int | None
    sha256: str
    size: int
    content_type: str
    filename: str
    note: str
    location_kept: bool
    added_by: str
    added_at: datetime | None
    version: int
    superseded_by: str | None
    correction_reason: str | None = Field(None, description="Why the attachment that supersedes it was made")

    @classmethod
    def of(cls, attachment: dict[str, Any]) -> AttachmentPublic:
        return cls(**attachment)


def tampered(error: Tampered, case: str, case_id: UUID, attachment_id: str) -> JSONResponse:
    log.error("evidence.tampered", case=case, case_id=str(case_id), attachment=attachment_id, why=error.why)
    return problem(
        500,
        "evidence-tampered",
        "The stored file is not the file that was attached",
        f"{error}; it is refused, and the refusal is logged (run fengqiao evidence verify)",
        sha256=error.sha256,
    )


def evidence_of_case(system: System, person: str, case: str, case_id: UUID, light: bool) -> dict[str, Any]:
    """The evidence bundle of any case, with the attachments the person may see: their bytes, or in a
    light bundle their hashes alone. An accusation's bundle is only for who may see the accusation."""
    desk = system.evidence
    rules = desk.rules[case]
    found = rules.read(person, case_id)
    if rules.withheld(person, found) or rules.recused(person, found):
        why = "an accusation's evidence is only for who may see it"
        raise AccessDenied(person, Right.SEE_ACCUSATION, None, why)
    history = system.casebook.history(found.id, found.version)
    readings = [EventPublic.of(e).model_dump(mode="json") for e in history]
    attached = []
    for a in desk.listed(person, case, case_id):
        entry = {k: a[k] for k in ("id", "kind", "filename", "content_type", "size", "sha256", "version")}
        entry["superseded_by"] = a["superseded_by"]
        if not light:
            entry["content"] = b64(desk.files.read(a["sha256"]))
        attached.append(entry)
    return evidence(system.seal, case, str(found.id), readings, attached)


def download(attachment: dict[str, Any], data: bytes) -> Response:
    headers = {"Content-Disposition": content_disposition(attachment["filename"]), **SAFE_HEADERS}
    headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return Response(data, media_type=attachment["content_type"], headers=headers)


def upload(
    system: System,
    person: str,
    case: str,
    case_id: UUID,
    file: UploadFile | None,
    kind: Kind,
    of_event: int | None,
    note: str,
    keep_location: bool,
    supersedes: str | None,
    reason: str,
    meta: CommandMeta,
    upload_id: str | None = None,
) -> dict[str, Any]:
    """One upload, as the API and the workbench take it: the file itself, or a finished resumable
    upload (api/routes/uploads.py) by its id."""
    given: dict[str, Any] = {
        "kind": kind,
        "of_event": of_event,
        "note": note,
        "keep_location": keep_location,
        "supersedes": supersedes or None,
        "reason": reason,
    }
    if upload_id:
        if file is not None:
            raise InvalidValue("upload", "send either the file or the id of an upload, not both")
        added = attach_upload(
            system.evidence, system.uploads, person, case, case_id, upload_id, meta, **given
        )
    else:
        if file is None:
            raise InvalidValue("file", "send the file, or the id of a finished upload as `upload`")
        limit = system.evidence.limits.largest
        data = file.file.read(limit + 1)
        filename = file.filename or "attachment"
        _, added = system.evidence.attach(
            person, case, case_id, data=data, filename=filename, meta=meta, **given
        )
    log.info(f"{case}.attachment_added", attachment=added["id"], size=added["size"], kind=added["kind"])
    return added


def _routes(case: str, base: str) -> None:
    @router.post(
        f"{base}/{{case_id}}/attachments",
        response_model=AttachmentPublic,
        status_code=201,
        name=f"attach_to_{case}",
        summary=f"Attach a file to the {case.replace('_', ' ')} or one of its events",
    )
    def attach(
        case_id: UUID,
        person: CurrentPerson,
        system: SystemDep,
        meta: Meta,
        kind: Annotated[Kind, Form()],
        file: Annotated[
            UploadFile | None, File(description="The file; its type is read from its bytes")
        ] = None,
        upload_id: Annotated[
            str | None,
            Form(alias="upload", max_length=64, description="Or a finished upload's id (/uploads)"),
        ] = None,
        of_event: Annotated[
            int | None, Form(description="The version of the case's event it belongs to")
        ] = None,
        note: Annotated[str, Form(max_length=500)] = "",
        keep_location: Annotated[bool, Form(description="Keep a photo's GPS location")] = False,
        supersedes: Annotated[str | None, Form(description="The attachment this one corrects")] = None,
        reason: Annotated[str, Form(max_length=500)] = "",
    ) -> AttachmentPublic:
        """Attach a file: kept by its SHA-256, which the case's new event records with who, when and what."""
        added = upload(
            system,
            person,
            case,
            case_id,
            file,
            kind,
            of_event,
            note,
            keep_location,
            supersedes,
            reason,
            CommandMeta(**meta, from_person=True),
            upload_id,
        )
        return AttachmentPublic.of(added)

    @router.get(
        f"{base}/{{case_id}}/attachments", response_model=list[AttachmentPublic], name=f"{case}_attachments"
    )
    def listed(case_id: UUID, person: CurrentPerson, system: SystemDep) -> list[AttachmentPublic]:
        """The attachments the caller may see, oldest first (superseded ones too, marked)."""
        return [AttachmentPublic.of(a) for a in system.evidence.listed(person, case, case_id)]

    @router.get(
        f"{base}/{{case_id}}/attachments/{{attachment_id}}",
        response_class=Response,
        name=f"{case}_attachment",
    )
    def fetch(case_id: UUID, attachment_id: str, person: CurrentPerson, system: SystemDep) -> Response:
        """Download the file, checked against the hash its event recorded; always as a download."""
        try:
            found, data = system.evidence.open(person, case, case_id, attachment_id)
        except Tampered as error:
            return tampered(error, case, case_id, attachment_id)
        return download(found, data)

    @router.get(
        f"{base}/{{case_id}}/attachments/{{attachment_id}}/thumbnail",
        response_class=Response,
        name=f"{case}_attachment_thumbnail",
    )
    def thumbnail(case_id: UUID, attachment_id: str, person: CurrentPerson, system: SystemDep) -> Response:
        """A small JPEG of a picture, for lists."""
        try:
            data = system.evidence.thumbnail(person, case, case_id, attachment_id)
        except Tampered as error:
            return tampered(error, case, case_id, attachment_id)
        return Response(data, media_type="image/jpeg", headers=SAFE_HEADERS)

    if case != "dispute":  # the dispute's bundle is served at the same path by api/routes/seal.py

        @router.get(f"{base}/{{case_id}}/evidence", name=f"{case}_evidence", response_class=JSONResponse)
        def bundle(
            case_id: UUID,
            person: CurrentPerson,
            system: SystemDep,
            light: Annotated[bool, Query(description="Attachments' hashes only, not their bytes")] = False,
        ) -> dict[str, Any]:
            """The case's evidence bundle: its events as stored with their proofs, and its attachments."""
            return evidence_of_case(system, person, case, case_id, light)


for _case, _base in PATHS.items():
    _routes(_case, _base)


# -- the evidence of an assessor's entries: a unit's assessment year, addressed by unit and year ----------

UNIT_YEAR = "/units/{node}/assessments/{year}/attachments"


@router.post(
    UNIT_YEAR,
    response_model=AttachmentPublic,
    status_code=201,
    name="attach_to_unit_year",
    summary="Attach a file to a unit's assessment year or one of its entries (an assessor's evidence)",
)
def attach_to_unit_year(
    unit: NodeCode,
    year: Year,
    person: CurrentPerson,
    system: SystemDep,
    meta: Meta,
    kind: Annotated[Kind, Form()],
    file: Annotated[UploadFile | None, File(description="The file; its type is read from its bytes")] = None,
    upload_id: Annotated[
        str | None, Form(alias="upload", max_length=64, description="Or a finished upload's id (/uploads)")
    ] = None,
    of_event: Annotated[
        int | None,
        Form(description="The version of the year's event it belongs to, e.g. an assessor's entry"),
    ] = None,
    note: Annotated[str, Form(max_length=500)] = "",
    keep_location: Annotated[bool, Form(description="Keep a photo's GPS location")] = False,
    supersedes: Annotated[str | None, Form(description="The attachment this one corrects")] = None,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> AttachmentPublic:
    """Attach the evidence of an assessor's entry (name the entry's version in `of_event`), a veto
    review, an absence or an evaluation: by the assessors of the unit's township."""
    added = upload(
        system,
        person,
        "unit_year",
        unit_year_id(unit, year),
        file,
        kind,
        of_event,
        note,
        keep_location,
        supersedes,
        reason,
        CommandMeta(**meta, from_person=True),
        upload_id,
    )
    return AttachmentPublic.of(added)


@router.get(UNIT_YEAR, response_model=list[AttachmentPublic], name="unit_year_attachments")
def unit_year_attachments(
    unit: NodeCode, year: Year, person: CurrentPerson, system: SystemDep
) -> list[AttachmentPublic]:
    """The year's attachments the caller may see, oldest first (superseded ones too, marked)."""
    return [
        AttachmentPublic.of(a) for a in system.evidence.listed(person, "unit_year", unit_year_id(unit, year))
    ]


@router.get(UNIT_YEAR + "/{attachment_id}", response_class=Response, name="unit_year_attachment")
def unit_year_attachment(
    unit: NodeCode, year: Year, attachment_id: str, person: CurrentPerson, system: SystemDep
) -> Response:
    """Download the file, checked against the hash its event recorded; always as a download."""
    case_id = unit_year_id(unit, year)
    try:
        found, data = system.evidence.open(person, "unit_year", case_id, attachment_id)
    except Tampered as error:
        return tampered(error, "unit_year", case_id, attachment_id)
    return download(found, data)

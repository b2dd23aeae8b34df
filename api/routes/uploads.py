"""Uploads that resume when the connection drops: the tus 1.0 core protocol with its creation and
expiration extensions (https://tus.io/protocols/resumable-upload). POST /uploads announces a file's
length and answers where to send it; each PATCH appends one chunk at the offset the server holds (a
wrong offset is 409); HEAD tells the offset after a dropped connection. A finished upload is attached
to a case by its id (field `upload` of POST …/attachments), through the same checks as a file sent
whole. An upload is its person's: to anyone else it does not exist (404). Implemented here rather than
with a library: docs/evidence.md says why."""

from __future__ import annotations

import base64
import binascii
from datetime import UTC
from email.utils import format_datetime
from typing import Annotated, Any

import structlog
from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.deps import CurrentPerson, SystemDep
from api.errors import PROBLEM, problem
from service.evidence.uploads import CHUNK, NoSuchUpload, TooLong, Upload, UploadExpired, WrongOffset

log = structlog.get_logger()
router = APIRouter(prefix="/uploads", tags=["evidence"])
VERSION = "1.0.0"
EXTENSIONS = "creation,expiration"
CHUNK_PATH = r"^/uploads/[^/]+$"  # api/limits.py: a PATCH carries at most one chunk
OFFSET_STREAM = "application/offset+octet-stream"
TUS = {"Tus-Resumable": VERSION, "Cache-Control": "no-store"}


def _problem_doc(why: str) -> dict[str, Any]:
    return {"description": why, "content": {"application/problem+json": {}}}


GONE = {410: _problem_doc("The upload has expired (docs/evidence.md): send the file again")}
NOT_TUS = {412: _problem_doc("Tus-Resumable is not 1.0.0, the one version this server speaks")}
TusResumable = Annotated[str | None, Header(alias="Tus-Resumable", description="Always 1.0.0")]


def refusal(status: int, kind: str, title: str, detail: str, head: bool = False) -> Response:
    if head:  # a HEAD answer has no body, only the headers its GET would have
        return Response(status_code=status, headers=TUS, media_type=PROBLEM)
    answer: JSONResponse = problem(status, kind, title, detail)
    answer.headers.update(TUS)
    return answer


def wrong_version(sent: str | None, head: bool = False) -> Response | None:
    if sent == VERSION:
        return None
    answer = refusal(412, "tus-version", "Unsupported tus version", f"send Tus-Resumable: {VERSION}", head)
    answer.headers["Tus-Version"] = VERSION
    return answer


def refused(error: Exception, head: bool = False) -> Response:
    match error:
        case NoSuchUpload():
            return refusal(404, "not-found", "Not found", "there is no such upload", head)
        case UploadExpired():
            return refusal(
                410, "upload-expired", "Upload expired", "the upload has expired: send the file again", head
            )
        case WrongOffset():
            answer = refusal(409, "upload-offset", "Wrong offset", str(error), head)
            answer.headers["Upload-Offset"] = str(error.offset)
            return answer
        case TooLong():
            return refusal(413, "upload-too-large", "Upload too large", str(error), head)
    raise error


def expires(upload: Upload) -> str:
    return format_datetime(upload.expires.astimezone(UTC), usegmt=True)


def filename_of(metadata: str | None) -> str:
    """The `filename` of Upload-Metadata (`key base64value` pairs, comma separated), if any."""
    for pair in (metadata or "").split(","):
        key, _, value = pair.strip().partition(" ")
        if key == "filename":
            try:
                return base64.b64decode(value, validate=True).decode("utf-8", "replace")
            except (binascii.Error, ValueError):
                return ""
    return ""


@router.options("", status_code=204, response_class=Response, summary="What this tus server offers")
def offers(system: SystemDep) -> Response:
    """The tus versions, extensions and largest upload this server takes (no sign-in needed)."""
    headers = {
        "Tus-Resumable": VERSION,
        "Tus-Version": VERSION,
        "Tus-Extension": EXTENSIONS,
        "Tus-Max-Size": str(system.uploads.largest),
    }
    return Response(status_code=204, headers=headers)


@router.post(
    "",
    status_code=201,
    response_class=Response,
    summary="Begin an upload that can resume",
    responses={201: {"description": "Begun: send its bytes to Location with PATCH"}, **NOT_TUS},
)
def begin(
    request: Request,
    person: CurrentPerson,
    system: SystemDep,
    upload_length: Annotated[
        int, Header(alias="Upload-Length", ge=0, description="The file's size in bytes")
    ],
    tus_resumable: TusResumable = None,
    upload_metadata: Annotated[
        str | None, Header(alias="Upload-Metadata", max_length=2000, description="filename <base64>, …")
    ] = None,
) -> Response:
    """Announce a file (its length at most the largest attachment any kind takes); the answer's
    Location is where its chunks go, and Upload-Expires when it is deleted if not attached."""
    if (wrong := wrong_version(tus_resumable)) is not None:
        return wrong
    try:
        upload = system.uploads.begin(person, upload_length, filename_of(upload_metadata))
    except TooLong as error:
        return refused(error)
    log.info("upload.begun", upload=upload.id, length=upload.length)
    location = f"{request.scope.get('root_path', '')}/uploads/{upload.id}"
    return Response(status_code=201, headers={**TUS, "Location": location, "Upload-Expires": expires(upload)})


@router.head(
    "/{upload_id}",
    status_code=200,
    response_class=Response,
    name="upload_status",
    summary="How much of an upload has arrived",
    responses={**GONE, **NOT_TUS},
)
def status(
    upload_id: str, person: CurrentPerson, system: SystemDep, tus_resumable: TusResumable = None
) -> Response:
    """Upload-Offset (the bytes kept so far) and Upload-Length: resume from the offset."""
    if (wrong := wrong_version(tus_resumable, head=True)) is not None:
        return wrong
    try:
        upload = system.uploads.status(person, upload_id)
    except (NoSuchUpload, UploadExpired) as error:
        return refused(error, head=True)
    if upload.attached is not None:
        return refused(NoSuchUpload(upload_id), head=True)
    headers = {
        **TUS,
        "Upload-Offset": str(upload.offset),
        "Upload-Length": str(upload.length),
        "Upload-Expires": expires(upload),
    }
    return Response(status_code=200, headers=headers)


@router.patch(
    "/{upload_id}",
    status_code=204,
    response_class=Response,
    summary="Send the next chunk of an upload",
    responses={
        204: {"description": "Kept: Upload-Offset is the new offset"},
        **GONE,
        **NOT_TUS,
        415: _problem_doc(f"The chunk is not sent as {OFFSET_STREAM}"),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {OFFSET_STREAM: {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def append(
    upload_id: str,
    request: Request,
    person: CurrentPerson,
    system: SystemDep,
    upload_offset: Annotated[int, Header(alias="Upload-Offset", ge=0, description="Where this chunk begins")],
    tus_resumable: TusResumable = None,
) -> Response:
    """Append a chunk (at most 1 MB) at the upload's current offset; any other offset is 409."""
    if (wrong := wrong_version(tus_resumable)) is not None:
        return wrong
    if request.headers.get("content-type", "").split(";")[0].strip() != OFFSET_STREAM:
        return refusal(
            415, "unsupported-media-type", "Unsupported media type", f"send the chunk as {OFFSET_STREAM}"
        )
    data = await request.body()
    if len(data) > CHUNK:
        return refused(TooLong(f"a chunk may hold at most {CHUNK:,} bytes"))
    try:
        upload = await run_in_threadpool(system.uploads.append, person, upload_id, upload_offset, data)
    except (NoSuchUpload, UploadExpired, WrongOffset, TooLong) as error:
        return refused(error)
    if upload.finished:
        log.info("upload.finished", upload=upload.id, length=upload.length)
    return Response(
        status_code=204,
        headers={**TUS, "Upload-Offset": str(upload.offset), "Upload-Expires": expires(upload)},
    )

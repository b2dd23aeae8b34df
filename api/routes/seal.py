"""The seal, published: the public key checkpoints are signed with, and the checkpoints themselves —
what a township posts on its notice board and the county keeps copies of."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.deps import CurrentPerson, SystemDep
from api.routes.evidence import evidence_of_case
from domain.directory.access import Right
from domain.errors import AccessDenied
from service.seal.checkpoint import Checkpoint, b64

# Signed documents are shown exactly as signed: their instants stay as recorded (UTC), not in the
# local time every other response shows (api/times.py), or the signatures would not check.
router = APIRouter(prefix="/seal", tags=["seal"], default_response_class=JSONResponse)
evidence_router = APIRouter(tags=["seal"], default_response_class=JSONResponse)


class SealKey(BaseModel):
    origin: str = Field(description="The system's identity: the first line of every checkpoint.")
    algorithm: str = "Ed25519"
    public_key: str = Field(description="The raw 32-byte public key, base64.")
    key_id: str = Field(description="First 8 hex digits of the SHA-256 of the raw public key.")


class CheckpointPublic(BaseModel):
    origin: str
    tree_size: int = Field(description="How many stored events the tree covers, in notification order.")
    root_hash: str = Field(description="RFC 6962 tree hash of those events, hex.")
    signed_at: str
    signature: str = Field(description="Ed25519 over the body (docs/seal.md), base64.")
    body: str = Field(description="The exact signed text.")

    @classmethod
    def of(cls, cp: Checkpoint) -> CheckpointPublic:
        return cls(**cp.as_json(), body=cp.body().decode("utf-8"))


class CheckpointList(BaseModel):
    checkpoints: list[CheckpointPublic]


@router.get("/key", response_model=SealKey)
def key(system: SystemDep) -> SealKey:
    """The public key that signs every checkpoint (no token needed: it is published)."""
    signer = system.seal.signer
    return SealKey(origin=signer.origin, public_key=b64(signer.public_key), key_id=signer.key_id)


@router.get("/checkpoints", response_model=CheckpointList)
def checkpoints(system: SystemDep) -> CheckpointList:
    """Every kept checkpoint, oldest first (no token needed: they hold hashes, not case facts)."""
    return CheckpointList(checkpoints=[CheckpointPublic.of(cp) for cp in system.seal.checkpoints()])


@router.get(
    "/checkpoints/latest.txt",
    response_class=Response,
    responses={
        200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "The checkpoint"},
        404: {"description": "No checkpoint has been made yet"},
    },
)
def latest_printable(system: SystemDep) -> Response:
    """The latest checkpoint as text, for paper and notice boards."""
    seal = system.seal
    kept = seal.checkpoints()
    if not kept:
        raise HTTPException(404, "no checkpoint has been made yet")
    return Response(kept[-1].printable(seal.signer.key_id), media_type="text/plain; charset=utf-8")


@router.post("/checkpoints", response_model=CheckpointPublic, status_code=201)
def make_checkpoint(system: SystemDep, person: CurrentPerson) -> CheckpointPublic:
    """Signs the tree as it stands now and keeps the checkpoint (an auditor's right)."""
    casebook = system.casebook
    if not casebook.current_directory().posts_with_right(person, Right.AUDIT, casebook.clock()):
        raise AccessDenied(person, Right.AUDIT, None, "only an auditor may ask for a checkpoint")
    return CheckpointPublic.of(system.seal.checkpoint())


@evidence_router.get("/disputes/{dispute_id}/evidence")
def dispute_evidence(
    dispute_id: UUID,
    person: CurrentPerson,
    system: SystemDep,
    light: Annotated[bool, Query(description="Attachments' hashes only, not their bytes")] = False,
) -> dict[str, Any]:
    """The dispute's events as stored, each with its leaf hash and inclusion proof against a signed
    checkpoint, the events in words for a reader with the right, and its attachments (docs/seal.md)."""
    return evidence_of_case(system, person, "dispute", dispute_id, light)

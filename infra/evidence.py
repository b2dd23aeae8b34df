"""The evidence desk built from settings: the chosen store of files, the event store's cipher, the limits."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.evidence import Kind
from infra.settings import Settings
from service.evidence.blobs import Blobs, EvidenceFiles
from service.evidence.desk import EvidenceDesk
from service.evidence.intake import MB, Limits
from service.evidence.uploads import Uploads


def blobs_for(settings: Settings) -> Blobs:
    if settings.evidence_store == "s3":
        from infra.blob_s3 import S3Blobs

        secret = settings.s3_secret_access_key
        return S3Blobs(
            settings.s3_bucket,
            settings.s3_prefix,
            endpoint_url=settings.s3_endpoint_url,
            region_name=settings.s3_region,
            aws_access_key_id=settings.s3_access_key_id,
            aws_secret_access_key=secret.get_secret_value() if secret is not None else None,
        )
    from infra.blob_files import FileBlobs

    return FileBlobs(settings.evidence_path)


def limits_for(settings: Settings) -> Limits:
    per_kind = Limits().per_kind | {Kind(k): int(v * MB) for k, v in settings.attachment_limit_mb.items()}
    return Limits(per_kind=per_kind, per_case=int(settings.attachment_case_total_mb * MB))


def evidence_desk(settings: Settings, casebook: Any, blobs: Blobs | None = None) -> EvidenceDesk:
    cipher = getattr(casebook.mapper, "cipher", None)
    return EvidenceDesk(casebook, EvidenceFiles(blobs or blobs_for(settings), cipher), limits_for(settings))


def uploads_for(settings: Settings, casebook: Any, desk: EvidenceDesk, views: Any) -> Uploads:
    """The resumable uploads, in the read-model database every replica shares, encrypted like the
    attachments."""
    return Uploads(
        views,
        desk.limits.largest,
        casebook.clock,
        desk.files.cipher,
        timedelta(hours=settings.upload_expiry_hours),
    )

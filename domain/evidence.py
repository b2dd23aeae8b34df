"""Evidence attached to a case: a photo, a scan of a signed document, a letter, a recording of an oral
agreement. The case's stream records what was attached — by whom, when, of which of the case's events,
its kind, and the SHA-256 of its bytes — never the bytes. An attachment is never changed: a correction is
a new attachment that supersedes the old one, and both are kept.

Each case aggregate nests `AttachmentAdded` and `AttachmentSuperseded` events made of the mixins here
(with the stream's own topics), and takes the `Attachable` commands."""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum
from typing import Any

from eventsourcing.domain import Aggregate

from domain.errors import InvalidValue

SHA256 = re.compile(r"^[0-9a-f]{64}$")
MAX_NAME = 120


class Kind(StrEnum):
    PHOTO = "photo"
    SIGNED_SCAN = "signed_scan"  # a scan of a signed or sealed document
    LETTER = "letter"
    ORAL_AGREEMENT_AUDIO = "oral_agreement_audio"
    IDENTITY_DOCUMENT = "identity_document"  # a party's identity card: shown only to who may see identity
    OTHER = "other"


class AttachmentAddedFields(Aggregate.Event):
    """The fields of an attachment; `of_event` is the stream version of the case's event it belongs
    to (None: the case as a whole)."""

    attachment_id: str
    kind: str
    of_event: int | None
    sha256: str
    size: int
    content_type: str
    filename: str
    note: str
    location_kept: bool

    def apply(self, case: Any) -> None:
        attachments(case)[self.attachment_id] = {
            "id": self.attachment_id,
            "kind": self.kind,
            "of_event": self.of_event,
            "sha256": self.sha256,
            "size": self.size,
            "content_type": self.content_type,
            "filename": self.filename,
            "note": self.note,
            "location_kept": self.location_kept,
            "added_by": getattr(self, "actor", ""),
            "added_at": getattr(self, "effective_at", None),
            "version": self.originator_version,
            "superseded_by": None,
        }


class AttachmentSupersededFields(Aggregate.Event):
    """An attachment was superseded by a later one (a correction); both are kept."""

    attachment_id: str
    superseded_by: str
    reason: str

    def apply(self, case: Any) -> None:
        corrected = attachments(case)[self.attachment_id]
        corrected["superseded_by"] = self.superseded_by
        corrected["correction_reason"] = self.reason


def attachments(case: Any) -> dict[str, dict[str, Any]]:
    """The case's attachments by id, in the order they were added (kept on the aggregate)."""
    return case.__dict__.setdefault("attachments", {})


def safe_filename(name: str) -> str:
    """A file name that is only a name: no directory, no control or format character, no leading dot,
    at most MAX_NAME characters with its extension kept."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:10] if dot else ""
        name = (stem if dot else name)[: MAX_NAME - len(ext) - 1] + ("." + ext if ext else "")
    return name or "attachment"


class Attachable:
    """The attachment commands of a case aggregate. The aggregate names its two events."""

    AttachmentAdded: type[Aggregate.Event]
    AttachmentSuperseded: type[Aggregate.Event]

    def add_attachment(
        self,
        *,
        attachment_id: str,
        kind: Kind,
        of_event: int | None,
        sha256: str,
        size: int,
        content_type: str,
        filename: str,
        note: str = "",
        location_kept: bool = False,
        **stamp: Any,
    ) -> None:
        if attachment_id in attachments(self):
            raise InvalidValue("attachment_id", "an attachment of this case already has this id")
        if of_event is not None and not 1 <= of_event <= self.version:  # type: ignore[attr-defined]
            raise InvalidValue("of_event", "the case has no event {of_event}", of_event=of_event)
        if not SHA256.match(sha256):
            raise InvalidValue("sha256", "the SHA-256 of the bytes, in 64 lowercase hex digits")
        if size <= 0:
            raise InvalidValue("file", "the file is empty")
        self.trigger_event(  # type: ignore[attr-defined]
            self.AttachmentAdded,
            attachment_id=attachment_id,
            kind=Kind(kind).value,
            of_event=of_event,
            sha256=sha256,
            size=size,
            content_type=content_type,
            filename=safe_filename(filename),
            note=note.strip(),
            location_kept=location_kept,
            **stamp,
        )

    def supersede_attachment(
        self, *, attachment_id: str, superseded_by: str, reason: str, **stamp: Any
    ) -> None:
        found = attachments(self).get(attachment_id)
        if found is None:
            raise InvalidValue("attachment_id", "the case has no attachment with this id")
        if found["superseded_by"] is not None:
            raise InvalidValue(
                "attachment_id", "already superseded by {superseded_by}", superseded_by=found["superseded_by"]
            )
        if superseded_by not in attachments(self) or superseded_by == attachment_id:
            raise InvalidValue("superseded_by", "name a later attachment of this case")
        if not reason.strip():
            raise InvalidValue("reason", "say why the attachment is corrected")
        self.trigger_event(  # type: ignore[attr-defined]
            self.AttachmentSuperseded,
            attachment_id=attachment_id,
            superseded_by=superseded_by,
            reason=reason.strip(),
            **stamp,
        )

    def attachment_bytes(self) -> int:
        """The bytes attached to the case in all, superseded ones included (they are kept)."""
        return sum(a["size"] for a in attachments(self).values())

"""What a file must be to be attached: its type read from its bytes (never from its name or the
client's word), one the kind accepts, within the kind's size and the case's total; a picture re-encoded
so that nothing but its pixels survives — its EXIF location too, unless the person chose to keep it."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

import filetype
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from domain.errors import InvalidValue
from domain.evidence import Kind

MB = 1_000_000
PICTURES = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
PDF = {"application/pdf"}
SOUNDS = {"audio/mpeg", "audio/mp4", "audio/m4a", "audio/ogg", "audio/x-wav", "audio/amr", "video/webm"}
ACCEPTED: dict[Kind, frozenset[str]] = {
    Kind.PHOTO: frozenset(PICTURES),
    Kind.SIGNED_SCAN: frozenset(PICTURES.keys() | PDF),
    Kind.LETTER: frozenset(PICTURES.keys() | PDF),
    Kind.ORAL_AGREEMENT_AUDIO: frozenset(SOUNDS),
    Kind.IDENTITY_DOCUMENT: frozenset(PICTURES.keys() | PDF),
    Kind.OTHER: frozenset(PICTURES.keys() | PDF | SOUNDS),
}
NAMES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "application/pdf": "PDF",
    "audio/mpeg": "MP3",
    "audio/mp4": "M4A",
    "audio/m4a": "M4A",
    "audio/ogg": "Ogg",
    "audio/x-wav": "WAV",
    "audio/amr": "AMR",
    "video/webm": "WebM audio",
}
MAX_PIXELS = 60_000_000  # a 60-megapixel picture at most: more is a decompression bomb, not a photo
THUMBNAIL = (240, 240)


@dataclass(frozen=True)
class Limits:
    """The largest file of each kind, and the most a case may hold in all (bytes)."""

    per_kind: dict[Kind, int] = field(
        default_factory=lambda: {
            Kind.PHOTO: 10 * MB,
            Kind.SIGNED_SCAN: 20 * MB,
            Kind.LETTER: 20 * MB,
            Kind.ORAL_AGREEMENT_AUDIO: 30 * MB,
            Kind.IDENTITY_DOCUMENT: 10 * MB,
            Kind.OTHER: 20 * MB,
        }
    )
    per_case: int = 200 * MB

    @property
    def largest(self) -> int:
        return max(self.per_kind.values())


@dataclass(frozen=True)
class Accepted:
    data: bytes  # what is kept: a picture re-encoded, anything else as given
    content_type: str
    location_kept: bool


def detect(data: bytes) -> str | None:
    """The content type the bytes themselves say, or None when they say nothing known."""
    found = filetype.guess(data)
    return found.mime if found is not None else None


def accept(data: bytes, kind: Kind, limits: Limits, keep_location: bool = False) -> Accepted:
    """The file as it will be kept, or InvalidValue("file", why) saying what was wrong and what is allowed."""
    found = check(data, kind, limits)
    if found in PICTURES:
        return Accepted(reencode(data, PICTURES[found], keep_location), found, keep_location)
    return Accepted(data, found, False)


def check(data: bytes, kind: Kind, limits: Limits) -> str:
    """The file's content type if its kind takes it (size and type; a picture is not yet decoded)."""
    kind = Kind(kind)
    if not data:
        raise InvalidValue("file", "the file is empty")
    limit = limits.per_kind[kind]
    if len(data) > limit:
        raise InvalidValue(
            "file",
            "the file holds {data:,} bytes; a {kind} may hold at most {limit:,} bytes",
            data=len(data),
            kind=kind.value,
            limit=limit,
        )
    found = detect(data)
    allowed = ACCEPTED[kind]
    accepted_names = ", ".join(sorted({NAMES[t] for t in allowed}))
    if found is None:
        raise InvalidValue(
            "file",
            "its bytes are of no type that can be attached; a {kind} may be {accepted_names}",
            kind=kind.value,
            accepted_names=accepted_names,
        )
    if found not in allowed:
        raise InvalidValue(
            "file",
            "its bytes are {found}, whatever its name says; a {kind} may be {accepted_names}",
            found=found,
            kind=kind.value,
            accepted_names=accepted_names,
        )
    return found


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(data))
            if picture.width * picture.height > MAX_PIXELS:
                raise InvalidValue(
                    "file", "the picture has more than {max_pixels:,} pixels", max_pixels=MAX_PIXELS
                )
            picture.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombWarning) as bad:
        raise InvalidValue("file", "the picture cannot be read: {bad}", bad=bad) from None
    except Image.DecompressionBombError:
        raise InvalidValue(
            "file", "the picture has more than {max_pixels:,} pixels", max_pixels=MAX_PIXELS
        ) from None
    return picture


def reencode(data: bytes, image_format: str, keep_location: bool) -> bytes:
    """The picture drawn anew from its pixels, turned upright: no metadata survives but, when asked for,
    its GPS location."""
    picture = _open(data)
    location = picture.getexif().get_ifd(ExifTags.IFD.GPSInfo) if keep_location else {}
    upright = ImageOps.exif_transpose(picture)
    if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    exif = Image.Exif()
    if location:
        exif[ExifTags.IFD.GPSInfo] = location
    out = io.BytesIO()
    options = {"quality": 90} if image_format in ("JPEG", "WEBP") else {}
    upright.save(out, format=image_format, exif=exif.tobytes() if location else b"", **options)
    return out.getvalue()


def thumbnail(data: bytes) -> bytes:
    """A small JPEG of a picture, for lists."""
    picture = _open(data)
    picture.thumbnail(THUMBNAIL)
    if picture.mode not in ("RGB", "L"):
        picture = picture.convert("RGB")
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=80)
    return out.getvalue()

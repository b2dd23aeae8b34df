"""Files to attach, and the two stores of attachments' bytes (the S3 one on moto's server, in the test)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags, Image

from infra.blob_files import FileBlobs

GPS = {1: "N", 2: (30.0, 15.0, 0.0), 3: "E", 4: (120.0, 10.0, 0.0)}
WINDOWS_PROGRAM = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 500


def photo(colour: str = "red", size: tuple[int, int] = (64, 48), gps: bool = True) -> bytes:
    """A JPEG as a phone takes it: with its maker and, unless told otherwise, where it was taken."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Phone"
    if gps:
        exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def exif_of(data: bytes) -> tuple[dict[int, Any], dict[int, Any]]:
    exif = Image.open(io.BytesIO(data)).getexif()
    return dict(exif), dict(exif.get_ifd(ExifTags.IFD.GPSInfo))


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """moto's S3 stand-in, on a free local port, for the session."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_blobs(endpoint: str, bucket: str) -> Any:
    import boto3

    from infra.blob_s3 import S3Blobs

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=bucket)
    return S3Blobs(bucket, "evidence/", client=client)


@pytest.fixture(params=["files", pytest.param("s3", marks=pytest.mark.slow)])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """Each store of attachments' bytes in turn: every test taking it runs on both."""
    if request.param == "s3":
        endpoint = request.getfixturevalue("s3_server")
        return s3_blobs(endpoint, f"b-{abs(hash(request.node.nodeid)) % 10**12}")
    return FileBlobs(tmp_path / "evidence")

"""Attachments' bytes in an S3-compatible object store (a county's MinIO, Ceph or cloud bucket), through
boto3; the object's key is the SHA-256 of the bytes under a prefix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


class S3Blobs:
    def __init__(self, bucket: str, prefix: str = "evidence/", client: Any = None, **connection: Any) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.client = client or boto3.client(
            "s3", config=Config(retries={"max_attempts": 3, "mode": "standard"}), **connection
        )

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data)

    def get(self, key: str) -> bytes | None:
        try:
            found = self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)
        except ClientError as failure:
            if failure.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise
        body: bytes = found["Body"].read()
        return body

    def keys(self) -> Iterator[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix)
        for page in pages:
            for item in page.get("Contents", []):
                yield item["Key"][len(self.prefix) :]

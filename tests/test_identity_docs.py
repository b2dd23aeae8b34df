"""The API's documentation needs no secret and no network: Swagger UI and ReDoc come from files
vendored in the package, each with the digest its README gives."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from api.docs import ASSETS, STATIC
from infra.bootstrap import System

VENDOR = STATIC / "vendor"


@pytest.fixture
def api(sqlite_system: System) -> Iterator[TestClient]:
    with TestClient(create_api(sqlite_system)) as client:
        yield client


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_documentation_pages_load_only_the_packages_own_files(api: TestClient, page: str):
    html = api.get(page)
    assert html.status_code == 200
    assert not re.findall(r"""(?:src|href)=["']?(?:https?:)?//""", html.text), "nothing from elsewhere"
    assets = re.findall(rf"""["']({ASSETS}/vendor/[^"']+)["']""", html.text)
    assert len(assets) >= 2
    for asset in assets:
        served = api.get(asset)
        assert served.status_code == 200, asset
        assert served.content == (STATIC / asset.removeprefix(f"{ASSETS}/")).read_bytes()


def test_the_openapi_document_needs_no_secret_and_names_both_ways_to_sign_in(api: TestClient):
    schemes = api.get("/openapi.json").json()["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
    assert api.get("/docs/oauth2-redirect").status_code == 200


def test_every_vendored_file_has_the_digest_its_readme_gives():
    readme = (VENDOR / "README.md").read_text(encoding="utf-8")
    listed = dict(re.findall(r"^\| `([^`]+)` \| `[^`]+` \| `([0-9a-f]{64})` \|$", readme, re.MULTILINE))
    on_disk = {str(p.relative_to(VENDOR)) for p in VENDOR.glob("*/*")}
    assert set(listed) == on_disk
    for name, digest in listed.items():
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == digest, name

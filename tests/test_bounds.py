"""Years, dates and path parameters out of range are a 422 naming the parameter, never a 500."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_api
from infra.bootstrap import System
from tests.support import TOKENS, VILLAGE

TOWNSHIP = "anping.dongxi"
YEARS = ["0", "-1", "1899", "10000", str(2**31), str(2**70)]
YEAR_ROUTES = [
    ("GET", f"/units/{VILLAGE}/scores/{{year}}"),
    ("GET", f"/units/{VILLAGE}/vetoes/{{year}}"),
    ("GET", f"/townships/{TOWNSHIP}/scores/{{year}}"),
    ("POST", f"/townships/{TOWNSHIP}/scores/{{year}}/what-if"),
    ("POST", f"/units/{VILLAGE}/assessments/{{year}}/entries"),
    ("POST", f"/units/{VILLAGE}/assessments/{{year}}/absences"),
    ("POST", f"/units/{VILLAGE}/assessments/{{year}}/evaluations"),
    ("POST", f"/units/{VILLAGE}/assessments/{{year}}/veto-reviews"),
]
LONG = "a" * 8000
NODE_ROUTES = [
    ("GET", "/directory/nodes/{node}"),
    ("GET", "/nodes/{node}/statistics"),
    ("GET", "/villages/{node}/statistics"),
    ("GET", "/units/{node}/scores/2026"),
    ("GET", "/townships/{node}/scores/2026"),
    ("POST", "/directory/nodes/{node}/renaming"),
    ("POST", "/townships/{node}/templates"),
    ("GET", "/deadlines?node={node}"),
    ("GET", "/people/{node}/tokens"),
    ("POST", "/people/{node}/enrolment"),
]
DATES = [
    f"/nodes/{VILLAGE}/statistics?as_of=0001-01-01",
    f"/nodes/{VILLAGE}/statistics?as_of=9999-12-31",
    f"/nodes/{VILLAGE}/statistics?from=0001-01&to=0001-02",
    f"/nodes/{VILLAGE}/statistics?from=9999-12",
    f"/nodes/{VILLAGE}/statistics?known_on=0001-01-01",
    f"/villages/{VILLAGE}/statistics?as_of=0001-01-01",
    f"/units/{VILLAGE}/scores/2026?as_of=0001-01-01T00:00:00Z",
    f"/units/{VILLAGE}/scores/2026?as_of=9999-12-31T23:59:59Z",
    f"/directory/nodes/{VILLAGE}?at=0001-01-01T00:00:00Z",
    f"/directory/nodes/{VILLAGE}?at=9999-12-31T23:59:59Z",
]
HEADERS = {"Authorization": f"Bearer {TOKENS['auditor']}"}


@pytest.fixture
def api(system: System) -> Iterator[TestClient]:
    with TestClient(create_api(system), raise_server_exceptions=False) as client:
        yield client


def send(api: TestClient, method: str, path: str) -> Any:
    return api.request(method, path, headers=HEADERS, json={} if method == "POST" else None)


@pytest.mark.parametrize(("method", "path"), YEAR_ROUTES)
def test_a_year_out_of_range_is_422_naming_the_year(api: TestClient, method: str, path: str):
    for year in YEARS:
        response = send(api, method, path.format(year=year))
        assert response.status_code == 422, (year, response.text)
        assert "year" in [e["field"] for e in response.json()["errors"]], (year, response.text)


@pytest.mark.parametrize(("method", "path"), NODE_ROUTES)
def test_an_overlong_code_is_422_not_a_500(api: TestClient, method: str, path: str):
    response = send(api, method, path.format(node=LONG))
    assert response.status_code == 422, response.text
    assert LONG not in response.text


@pytest.mark.parametrize("path", DATES)
def test_a_date_at_the_ends_of_the_calendar_is_answered_not_a_500(api: TestClient, path: str):
    response = send(api, "GET", path)
    assert response.status_code < 500, response.text

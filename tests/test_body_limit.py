"""A request body over the limit is refused before it is parsed or anyone is authenticated,
whether its size is announced or it streams without one; the server goes on answering."""

from __future__ import annotations

import asyncio

import pytest

from api.limits import MAX_BODY, BodyLimit

pytestmark = pytest.mark.http


def test_an_announced_body_over_the_limit_is_refused_before_authentication(api):
    answer = api.post(
        "/disputes", content=b"x" * (MAX_BODY + 1), headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert api.get("/health").status_code == 200


def test_a_body_within_the_limit_reaches_the_route(api):
    answer = api.post("/disputes", content=b"{}", headers={"Content-Type": "application/json"})
    assert answer.status_code == 401  # authentication comes after the limit, and refuses


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit():
    read: list[int] = []

    async def app(scope, receive, send):  # reads everything it is given, as a parser would
        while True:
            message = await receive()
            read.append(len(message["body"]))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    chunks = [{"type": "http.request", "body": b"x" * 1000, "more_body": True} for _ in range(50)]
    sent: list[dict] = []

    async def receive():
        return chunks.pop(0)

    async def send(message):
        sent.append(message)

    asyncio.run(BodyLimit(app, limit=10_000)({"type": "http", "headers": []}, receive, send))
    assert sent[0]["status"] == 413 and sum(read) <= 10_000

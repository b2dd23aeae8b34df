"""A limit on request bodies, applied before anything reads or parses them and before anyone
is authenticated: a body announced too large is refused at once (413), and one that streams
past the limit without announcing its size is cut off there, so no request can make the
server hold more than the limit."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

Scope = dict[str, Any]
MAX_BODY = 1_000_000  # bytes; the largest command body (an agreement's terms) is far below
UPLOAD_OVERHEAD = 64_000  # an upload's form fields and multipart boundaries, beyond the file itself


class BodyTooLarge(Exception):
    pass


def _refusal(limit: int) -> tuple[dict[str, Any], bytes]:
    body = json.dumps(
        {
            "type": "/problems/body-too-large",
            "title": "Request body too large",
            "status": 413,
            "detail": f"a request body may hold at most {limit} bytes",
        }
    ).encode()
    start = {
        "type": "http.response.start",
        "status": 413,
        "headers": [
            (b"content-type", b"application/problem+json"),
            (b"content-length", str(len(body)).encode()),
        ],
    }
    return start, body


class BodyLimit:
    """ASGI middleware: refuses bodies over `limit` bytes, or over a larger limit on the paths that
    take uploads (`larger`: a path pattern and its limit, e.g. a case's attachments)."""

    def __init__(self, app: Any, limit: int = MAX_BODY, larger: Sequence[tuple[str, int]] = ()) -> None:
        self.app = app
        self.limit = limit
        self.larger = [(re.compile(pattern), most) for pattern, most in larger]

    def limit_of(self, path: str) -> int:
        return next((most for pattern, most in self.larger if pattern.match(path)), self.limit)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope.get("path", ""))
        announced = dict(scope.get("headers") or []).get(b"content-length")
        if announced is not None and (not announced.isdigit() or int(announced) > limit):
            await self._refuse(send, limit)
            return
        seen = 0
        started = False

        async def limited_receive() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await self._refuse(send, limit)

    async def _refuse(self, send: Any, limit: int) -> None:
        start, body = _refusal(limit)
        await send(start)
        await send({"type": "http.response.body", "body": body})

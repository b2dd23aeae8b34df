"""A local HTTP server started by a test, standing in for a webhook receiver, an SMS gateway or a
WeCom robot: it records every request and answers from a script (no network). Told to `hold`,
it records the next requests and answers none of them (the connection stays open, unanswered,
until `release`), for a test that kills the sender while its request is in flight."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int | None = None  # the status the stub answered with; None while held, or never

    def json(self) -> dict[str, object]:
        found: dict[str, object] = json.loads(self.body)
        return found


@dataclass
class Stub:
    url: str
    answers: list[tuple[int, dict[str, object]]] = field(default_factory=list)  # then 200 {}
    received: list[Received] = field(default_factory=list)
    fallback: tuple[int, dict[str, object]] = (200, {})
    held: list[Received] = field(default_factory=list)  # recorded and left unanswered
    holding: int = 0  # how many of the next requests to hold
    released: threading.Event = field(default_factory=threading.Event)

    def hold(self, requests: int = 1) -> None:
        """Leaves the next `requests` requests unanswered until `release`."""
        self.holding = requests

    def release(self) -> None:
        """Lets the held requests go: their connections close without an answer."""
        self.released.set()


@contextmanager
def stub_server(
    *answers: tuple[int, dict[str, object]], fallback: tuple[int, dict[str, object]] = (200, {})
) -> Iterator[Stub]:
    lock = threading.Lock()
    stub = Stub(url="", answers=list(answers), fallback=fallback)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            got = Received(self.path, dict(self.headers.items()), body)
            with lock:
                stub.received.append(got)
                held = stub.holding > 0
                if held:
                    stub.holding -= 1
                    stub.held.append(got)
                else:
                    status, answer = stub.answers.pop(0) if stub.answers else stub.fallback
            if held:
                stub.released.wait()
                self.close_connection = True
                return
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            got.answered = status

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        stub.release()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

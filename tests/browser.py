"""A real browser for the workbench's journeys: Debian's Chromium driven by Playwright, the app
served by uvicorn on a free loopback port in a thread of the test process (so the test's clock
and system are the server's), one browser context per person, authenticated by their bearer
token as the API is.

Without Chromium (or Playwright) the browser tests skip and say why; under CI (CI=true) they
fail instead, since CI installs the browser (.ci/run)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support import ROOT, TOKENS

# Where screenshots of failed journeys (and the printed agreement) go; gitignored.
ARTIFACTS = ROOT / "test-artifacts"
# The README's pictures; written only when FENGQIAO_UPDATE_SCREENSHOTS=1 (`make screenshots`).
SCREENSHOTS = ROOT / "docs" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
DESK = {"width": 1100, "height": 900}


def unavailable(reason: str) -> None:
    """No browser here: a skip that says why on a person's machine, a failure under CI."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI needs the browser tests to run: {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str:
    wanted = os.environ.get("FENGQIAO_CHROMIUM")
    candidates = [wanted] if wanted else ["/usr/bin/chromium", shutil.which("chromium") or ""]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    unavailable(
        f"no Chromium at {wanted or '/usr/bin/chromium'}: install Debian's `chromium` and "
        "`fonts-noto-cjk` (apt-get install chromium fonts-noto-cjk), or set FENGQIAO_CHROMIUM "
        "to a Chromium executable"
    )
    raise AssertionError("unreachable")


@dataclass
class Served:
    """The workbench on a loopback port, and the system behind it."""

    url: str
    system: Any  # infra.bootstrap.System


def serve(system: Any) -> Iterator[Served]:
    """Serves the app until the generator is closed. The socket listens before the server thread
    starts, so the browser's first request waits in its backlog rather than racing the start."""
    import uvicorn

    from api.app import create_api

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Accepted connections inherit TCP_NODELAY from the listening socket. Without it every response
    # waited ~40 ms: uvicorn writes headers and body apart, and Nagle held the body for the
    # client's delayed ACK (bench/commands.py measured 44 ms → 2 ms for /health).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_api(system), log_level="warning", access_log=False, lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield Served(url=f"http://127.0.0.1:{port}", system=system)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@dataclass
class People:
    """Opens a page as a person: their own browser context (cookies, language), their token on
    every request. Keeps every page it opened, for screenshots when a journey fails."""

    browser: Any
    base: str
    pages: list[tuple[str, Any]] = field(default_factory=list)
    contexts: list[Any] = field(default_factory=list)

    def page_as(
        self, role: str, viewport: dict[str, int] = DESK, locale: str = "zh-CN", **options: Any
    ) -> Any:
        """A page of the person's own browser, set to Chinese unless told otherwise."""
        context = self.browser.new_context(viewport=viewport, base_url=self.base, locale=locale, **options)
        context.set_extra_http_headers({"Authorization": f"Bearer {TOKENS[role]}"})
        context.set_default_timeout(30_000)  # CI machines are shared: slow, not broken
        self.contexts.append(context)
        page = context.new_page()
        self.pages.append((role, page))
        return page

    def screenshot_all(self, name: str) -> list[Path]:
        from playwright.sync_api import Error

        ARTIFACTS.mkdir(exist_ok=True)
        taken = []
        for n, (role, page) in enumerate(self.pages):
            path = ARTIFACTS / f"{name}-{n}-{role}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
                taken.append(path)
            except Error as error:  # a page that crashed still lets the others be kept
                print(f"no screenshot of {role}'s page: {error}")
        return taken

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def seen(page: Any) -> str:
    """What the person sees on the page: its rendered text, white space folded."""
    return " ".join(page.locator("body").inner_text().split())


def submit(page: Any, control: Any, *, tap: bool = False) -> None:
    """Sends a form by its button (or follows a link) and waits for the page that answers."""
    with page.expect_navigation():
        control.tap() if tap else control.click()


def no_sideways_scroll(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways: {scroll} px wide on a {width} px screen"


def save_picture(page: Any, name: str) -> Path:
    """A picture of the page for the README: in test-artifacts/, and in docs/screenshots/ when
    FENGQIAO_UPDATE_SCREENSHOTS=1."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("FENGQIAO_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, SCREENSHOTS / name)
    return path


AXE = ROOT / "tests" / "vendor" / "axe-core-4.14.1.min.js"
SERIOUS = ("serious", "critical")


def accessible(page: Any) -> None:
    """Runs axe-core (vendored for the tests: tests/vendor/README.md) on the page as it stands
    and fails on any serious or critical violation, naming the rule and the elements."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    bad = [v for v in found if v["impact"] in SERIOUS]
    assert not bad, f"{page.url}: " + "; ".join(
        f"{v['impact']} {v['id']} ({v['help']}): {', '.join(v['nodes'][:5])}" for v in bad
    )

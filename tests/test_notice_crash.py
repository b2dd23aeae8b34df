"""A reminder's webhook delivery survives the worker being killed (SIGKILL) while its POST is in
flight: the stub receiver has the request, the worker dies before it hears the answer, the
supervisor restarts the worker and Temporal runs the activity again. Every reminder then reached
the receiver, each under one idempotency key with one body however often it was posted, and
each notice's stream records one `NotificationSent` on the webhook (docs/operations.md,
"Notifications")."""

from __future__ import annotations

import os
import signal
import time
from collections import defaultdict
from pathlib import Path

import pytest

from domain.notices import Notice
from projections.runner import NotificationReader
from service.casebook import Casebook
from service.notify.channels import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from tests.stub_server import Received, stub_server
from tests.support import settings_for, wait_until
from tests.test_crash import children, post_with_retries
from tests.test_end_to_end import GRID_MEMBER, REPORT, TOWNSHIP, RunningSystem

pytestmark = pytest.mark.slow
DISPUTES = 2  # each with the grid's two reminders (50 % and 80 % of its three seconds)
SECRET = "kill-test-webhook-secret"


class NotifyingSystem(RunningSystem):
    """The end-to-end system (a three-second grid deadline), its reminders also going out on a
    webhook to the test's stub receiver."""

    def __init__(self, var_dir: Path, webhook_url: str) -> None:
        super().__init__(var_dir)
        routes = var_dir / "notify.toml"
        routes.write_text(f'[routes]\nreminder = ["webhook"]\n\n[webhook]\nurl = "{webhook_url}"\n')
        self.env |= {"FENGQIAO_NOTIFY_FILE": str(routes), "FENGQIAO_WEBHOOK_SECRET": SECRET}


def key(request: Received) -> str:
    return request.headers["Idempotency-Key"]


def deliveries(stream: list[object]) -> list[tuple[str, str, int]]:
    """A notice's delivery events as (event, channel, attempt), for a failure's message."""
    return [(type(e).__name__, e.channel, e.attempt) for e in stream if hasattr(e, "channel")]


def test_a_reminder_reaches_the_webhook_once_per_key_across_a_worker_killed_mid_delivery(tmp_path: Path):
    with stub_server() as stub:
        system = NotifyingSystem(tmp_path, f"{stub.url}/hook")
        try:
            stub.hold(1)  # the first reminder's first POST is received and never answered
            system.start()
            assert system.process is not None
            supervisor = system.process.pid
            ids = [
                post_with_retries(system.api, "/disputes", REPORT, GRID_MEMBER, f"notice-crash-{i}")
                for i in range(DISPUTES)
            ]
            wait_until(lambda: bool(stub.held), 60, "a reminder's webhook POST held by the receiver")
            worker = children(supervisor)["worker"]
            os.kill(worker, signal.SIGKILL)  # the POST was received, its answer never will be
            wait_until(
                lambda: children(supervisor).get("worker") not in (None, worker), 30, "the worker restarted"
            )
            stub.release()
            [held] = stub.held

            for dispute_id in ids:

                def reminded(dispute_id: str = dispute_id) -> bool:
                    clocks = system.api.get(f"/disputes/{dispute_id}/clocks", headers=TOWNSHIP).json()
                    grid = [c for c in clocks["clocks"] if c["clock"] == "dispute.grid"]
                    return [[r["fraction"] for r in c["reminders_sent"]] for c in grid] == [[0.5, 0.8]]

                wait_until(reminded, 60, f"both grid reminders of {dispute_id} recorded")

            casebook = Casebook(settings_for(tmp_path).event_store_env())
            try:

                def reminders() -> list[Notice.Requested]:
                    found = NotificationReader(casebook).read(0, 100_000, (Notice.Requested.TOPIC,))
                    return [e for _, e in found if e.what == "reminder"]

                wait_until(lambda: len(reminders()) == 2 * DISPUTES, 30, "a notice for each reminder")
                notices = {str(n.originator_id): n for n in reminders()}

                def streams() -> dict[str, list[object]]:
                    return {
                        i: list(casebook.repository.event_store.get(n.originator_id))
                        for i, n in notices.items()
                    }

                def webhook_sent(stream: list[object]) -> list[Notice.NotificationSent]:
                    return [
                        e for e in stream if isinstance(e, Notice.NotificationSent) and e.channel == "webhook"
                    ]

                # The held attempt timed out (30 s, start to close) and was tried again after 10 s.
                wait_until(
                    lambda: all(webhook_sent(s) for s in streams().values()),
                    120,
                    "every reminder's webhook delivery recorded sent",
                )
                wait_until(
                    lambda: {r.json()["id"] for r in stub.received if r.answered == 200} == set(notices),
                    10,
                    "every reminder accepted by the receiver",
                )
                recorded = streams()
            finally:
                casebook.close()
            assert system.stop() == 0
        finally:
            system.kill()

    posts: dict[str, list[Received]] = defaultdict(list)
    for request in stub.received:
        posts[request.json()["id"]].append(request)
    assert set(posts) == set(notices), (sorted(posts), sorted(notices))
    for notice_id, sent in posts.items():
        # One delivery as the receiver sees it: posted once, or again under the same key and body.
        assert {key(r) for r in sent} == {f"{notice_id}:webhook"}, [key(r) for r in sent]
        assert len({r.body for r in sent}) == 1, [r.body for r in sent]
        assert sent[0].json()["what"] == "reminder"
        for request in sent:
            assert request.path == "/hook"
            assert verify(
                SECRET.encode(),
                request.headers[TIMESTAMP_HEADER],
                request.body,
                request.headers[SIGNATURE_HEADER],
                time.time(),
            )
        # The notice's stream: one webhook delivery recorded sent, whatever the attempts.
        assert len(webhook_sent(recorded[notice_id])) == 1, deliveries(recorded[notice_id])

    # The held reminder: its first attempt died with the worker, unrecorded (no failure: the
    # activity never returned), and the retry delivered it under the same key and body.
    stream = recorded[held.json()["id"]]
    assert [e.attempt for e in webhook_sent(stream)] == [2], deliveries(stream)
    assert not [e for e in stream if isinstance(e, Notice.NotificationFailed) and e.channel == "webhook"]
    again = [r for r in posts[held.json()["id"]] if r is not held]
    assert [r.answered for r in again] == [200]
    assert again[0].body == held.body and key(again[0]) == key(held)

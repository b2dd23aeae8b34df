"""Notices: the `notify` seam is idempotent by key and goes to the holders of the posts; each
delivery is recorded once as sent, each failed attempt as failed; a reminder and a missed
deadline of a case clock ask for a notice to the people responsible."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.notices import Notice
from infra.bootstrap import System
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner
from service.notify.channels import DeliveryFailed, Inbox, Webhook
from service.notify.config import Routing
from service.notify.courier import Courier
from tests.stub_server import stub_server
from tests.support import GRID, VILLAGE, Clock, person
from tests.test_clock_board import report


def events(system: System, notice: Notice) -> list[object]:
    return list(system.casebook.repository.event_store.get(notice.id))


def test_notify_goes_to_the_holders_of_the_posts_and_the_same_key_is_one_notice(system: System):
    desk = system.casebook.notices
    first = desk.notify([(VILLAGE, "mediator")], "Briefing", "This week", "/app", key="brief:2026-w49")
    again = desk.notify([(VILLAGE, "mediator")], "Briefing", "This week", "/app", key="brief:2026-w49")
    assert first.id == again.id and len(events(system, again)) == 1
    assert desk.people(desk.get(first.id)) == sorted([person("mediator"), "zhou-yun"])


def test_a_delivery_is_recorded_sent_once_and_a_failed_attempt_is_recorded_and_raised(system: System):
    notice = system.casebook.notices.notify([], "Hello", "body", people=[person("mediator")], key="k1")
    with stub_server((503, {})) as stub:
        hook = Webhook(url=stub.url, secret=b"s")
        courier = Courier(
            system.casebook.notices,
            Routing(channels={"inbox": Inbox(), "webhook": hook}, routes={"message": ["webhook"]}),
        )
        assert courier.plan(notice.id) == [("inbox", person("mediator")), ("webhook", "webhook")]
        with pytest.raises(DeliveryFailed):
            courier.deliver(notice.id, "webhook", "webhook", attempt=1)
        assert courier.deliver(notice.id, "webhook", "webhook", attempt=2) == "sent"
        assert courier.deliver(notice.id, "webhook", "webhook", attempt=3) == "already sent"
    assert len(stub.received) == 2
    kinds = [(type(e).__name__, getattr(e, "attempt", None)) for e in events(system, notice)]
    assert kinds == [("Requested", None), ("NotificationFailed", 1), ("NotificationSent", 2)]


def test_a_missed_deadline_asks_for_an_overdue_notice_to_those_its_reminders_named(
    system: System, clock: Clock
):
    late = report(system, effective_at=clock.now - timedelta(hours=30))
    keeper = system.casebook.keepers["dispute"]
    keeper.sync(late.id, 0)
    [grid] = system.casebook.deadlines.clocks("dispute", late.id).running()
    system.casebook.deadlines.remind(
        "dispute",
        late.id,
        key=grid.key,
        fraction=0.8,
        at=clock.now - timedelta(hours=8),
        notify=["wang-fang"],
    )
    keeper.due(late.id, 0, grid.key, None)
    clocks = system.casebook.deadlines.clocks("dispute", late.id)
    recorded = list(system.casebook.repository.event_store.get(clocks.id))
    [reminder] = [e for e in recorded if type(e).__name__ == "ReminderRecorded"]
    [missed] = [e for e in recorded if type(e).__name__ == "DeadlineMissed"]
    desk = system.casebook.notices
    reminded = desk.from_clock_event(reminder)
    overdue = desk.from_clock_event(missed)
    assert reminded is not None and overdue is not None
    assert (reminded.what, reminded.people, reminded.node) == ("reminder", ["wang-fang"], GRID)
    assert (overdue.what, overdue.people) == ("overdue", ["wang-fang"])
    assert overdue.subject == "已超期：dispute.grid" and str(late.id) in overdue.body
    assert desk.from_clock_event(missed).id == overdue.id  # the dispatcher may see the event twice


@pytest.mark.http
def test_a_notice_delivered_to_the_inbox_is_in_that_persons_inbox_and_no_one_elses(system: System):
    from fastapi.testclient import TestClient

    from api.app import create_api
    from tests.test_api import auth

    notice = system.casebook.notices.notify(
        [(VILLAGE, "mediator")], "Weekly briefing", "three cases", "/app", key="b1"
    )
    courier = Courier(system.casebook.notices, Routing())
    for channel, recipient in courier.plan(notice.id):
        courier.deliver(notice.id, channel, recipient, attempt=1)
    runner = ProjectionRunner(system.reader, system.views, system.inbox)
    runner.setup()
    runner.catch_up()
    with TestClient(create_api(system)) as api:
        mine = api.get("/notices/mine", headers=auth("mediator")).json()
        assert [(i["subject"], i["body"], i["link"]) for i in mine["items"]] == [
            ("Weekly briefing", "three cases", "/app")
        ]
        assert api.get("/notices/mine", headers=auth("grid_member")).json()["items"] == []
    again = rebuild(system.reader, system.views, system.inbox, switch=False)
    assert again.equal

"""Each HTTP channel against a local stub server: what it sends, how it is signed, what counts as
refused; and the routing file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from domain.errors import InvalidValue
from service.notify import config
from service.notify.channels import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    DeliveryFailed,
    Message,
    Sms,
    Webhook,
    WeCom,
    verify,
)
from tests.stub_server import stub_server

MESSAGE = Message(
    notice_id="6b1f0c1e-0000-4000-8000-000000000001",
    what="overdue",
    subject="已超期：dispute.grid",
    body="纠纷 … 张三与李四",
    link="/app/disputes/1",
    people=("li-ming", "wang-fang"),
    node="anping.dongxi.qiaotou.g1",
)
SECRET = b"a webhook secret of the county"


def test_a_webhook_is_signed_with_hmac_over_its_timestamp_and_body_and_carries_an_idempotency_key():
    with stub_server() as stub:
        Webhook(url=f"{stub.url}/hook", secret=SECRET, clock=lambda: 1_800_000_000).send(MESSAGE, "webhook")
    [got] = stub.received
    assert got.path == "/hook" and got.json()["id"] == MESSAGE.notice_id
    assert got.json()["people"] == ["li-ming", "wang-fang"]
    assert got.headers["Idempotency-Key"] == f"{MESSAGE.notice_id}:webhook"
    timestamp, signature = got.headers[TIMESTAMP_HEADER], got.headers[SIGNATURE_HEADER]
    assert timestamp == "1800000000" and signature.startswith("v1=")
    assert verify(SECRET, timestamp, got.body, signature, now=1_800_000_100)
    assert not verify(b"another secret", timestamp, got.body, signature, now=1_800_000_100)
    assert not verify(SECRET, timestamp, got.body + b" ", signature, now=1_800_000_100)
    assert not verify(SECRET, timestamp, got.body, signature, now=1_800_000_000 + 301)  # a replay, too late


def test_a_webhook_answered_with_an_error_status_is_a_failed_delivery():
    with stub_server((500, {})) as stub, pytest.raises(DeliveryFailed, match="answered 500"):
        Webhook(url=stub.url, secret=SECRET).send(MESSAGE, "webhook")


def test_an_sms_goes_through_the_gateways_template_interface_without_the_notices_body():
    with stub_server((200, {"Code": "OK", "BizId": "biz-1"})) as stub:
        sms = Sms(url=stub.url, sign_name="枫桥", template="SMS_0001", phones={"li-ming": "13800000001"})
        assert sms.recipients(MESSAGE) == ["li-ming"]  # who has no phone gets no text
        assert sms.send(MESSAGE, "li-ming") == "biz-1"
    sent = stub.received[0].json()
    assert (sent["PhoneNumbers"], sent["SignName"], sent["TemplateCode"]) == (
        "13800000001",
        "枫桥",
        "SMS_0001",
    )
    params = json.loads(str(sent["TemplateParam"]))
    assert params == {"what": "overdue", "subject": MESSAGE.subject, "link": MESSAGE.link}
    assert "张三" not in stub.received[0].body.decode()


def test_an_sms_the_gateway_refuses_is_a_failed_delivery():
    with stub_server((200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "limit"})) as stub:
        sms = Sms(url=stub.url, sign_name="枫桥", template="SMS_0001", phones={"li-ming": "13800000001"})
        with pytest.raises(DeliveryFailed, match="BUSINESS_LIMIT_CONTROL"):
            sms.send(MESSAGE, "li-ming")


def test_a_wecom_group_robot_gets_markdown_for_the_nodes_above_the_case_that_have_one():
    with stub_server((200, {"errcode": 0, "errmsg": "ok"})) as stub:
        robot = f"{stub.url}/cgi-bin/webhook/send?key=k1"
        wecom = WeCom(
            robots={"anping.dongxi.qiaotou": robot},
            ancestors=lambda node: [node, "anping.dongxi.qiaotou", "anping.dongxi", "anping"],
        )
        assert wecom.recipients(MESSAGE) == ["anping.dongxi.qiaotou"]
        wecom.send(MESSAGE, "anping.dongxi.qiaotou")
    [got] = stub.received
    assert got.path == "/cgi-bin/webhook/send?key=k1"
    assert got.json()["msgtype"] == "markdown"
    content = got.json()["markdown"]["content"]  # type: ignore[index]
    assert content.startswith(f"**{MESSAGE.subject}**") and MESSAGE.link in content


def test_a_wecom_robot_answering_a_nonzero_errcode_is_a_failed_delivery():
    with stub_server((200, {"errcode": 93000, "errmsg": "invalid webhook url"})) as stub:
        wecom = WeCom(robots={"n": stub.url})
        with pytest.raises(DeliveryFailed, match="93000"):
            wecom.send(MESSAGE, "n")


def test_the_routing_file_names_the_channels_each_kind_of_notice_goes_out_on(tmp_path: Path):
    path = tmp_path / "notify.toml"
    path.write_text(
        'language = "en"\n[routes]\noverdue = ["webhook", "wecom"]\nreminder = ["wecom"]\n'
        '[webhook]\nurl = "http://127.0.0.1:9/hook"\n[wecom.robots]\n"anping" = "http://127.0.0.1:9/r"\n',
        encoding="utf-8",
    )
    routing = config.load(path, "secret")
    assert [c.name for c in routing.channels_for("overdue")] == ["inbox", "webhook", "wecom"]
    assert [c.name for c in routing.channels_for("briefing")] == ["inbox"]
    assert routing.language == "en"
    assert [c.name for c in config.load(None, None).channels_for("overdue")] == ["inbox"]
    with pytest.raises(InvalidValue, match="webhook_secret"):
        config.load(path, None)
    path.write_text('[routes]\noverdue = ["pager"]\n', encoding="utf-8")
    with pytest.raises(InvalidValue, match="pager"):
        config.load(path, None)

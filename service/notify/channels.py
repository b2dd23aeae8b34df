"""The channels a notice goes out on, behind one interface: the in-app inbox (always), an
HMAC-signed webhook, an SMS gateway's template interface and a WeCom (企业微信) group robot.
The HTTP ones post JSON with the standard library's urllib: one request each, no session, and
no third-party client to pin for it; Temporal's retry policy does the retrying."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

SIGNATURE_HEADER = "X-Fengqiao-Signature"
TIMESTAMP_HEADER = "X-Fengqiao-Timestamp"
REPLAY_WINDOW_SECONDS = 300  # a receiver refuses a webhook signed longer ago than this


@dataclass(frozen=True)
class Message:
    notice_id: str
    what: str
    subject: str
    body: str
    link: str
    people: tuple[str, ...]
    node: str


class Channel(Protocol):
    name: str

    def recipients(self, message: Message) -> list[str]:
        """Who or what on this channel receives the message (people, robots, the endpoint)."""
        ...

    def send(self, message: Message, recipient: str) -> str:
        """Delivers the message to one recipient; says what the other end answered. Raises
        DeliveryFailed (or any error) when it was not accepted."""
        ...


class DeliveryFailed(Exception):
    """The other end did not accept the message."""


class Inbox:
    """The in-app inbox: the NotificationSent event on the notice's stream is the delivery."""

    name = "inbox"

    def recipients(self, message: Message) -> list[str]:
        return list(message.people)

    def send(self, message: Message, recipient: str) -> str:
        return "kept in the inbox"


def post_json(url: str, payload: object, headers: dict[str, str] | None = None, timeout: float = 10) -> bytes:
    """POSTs JSON; returns the answer's body; raises DeliveryFailed on a status other than 2xx."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return post_bytes(url, data, headers or {}, timeout)


def post_bytes(url: str, data: bytes, headers: dict[str, str], timeout: float = 10) -> bytes:
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8", **headers}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as refused:
        raise DeliveryFailed(f"{url.split('?')[0]} answered {refused.code}") from None
    except (urllib.error.URLError, TimeoutError, ConnectionError) as failure:
        raise DeliveryFailed(f"{url.split('?')[0]}: {failure}") from None


def sign(secret: bytes, timestamp: str, body: bytes) -> str:
    """The webhook signature: v1=hex(HMAC-SHA256(secret, "<timestamp>." + body))."""
    return "v1=" + hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(
    secret: bytes,
    timestamp: str,
    body: bytes,
    signature: str,
    now: float,
    window: float = REPLAY_WINDOW_SECONDS,
) -> bool:
    """What a receiver checks: the signature matches and was made within the replay window."""
    try:
        fresh = abs(now - int(timestamp)) <= window
    except ValueError:
        return False
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


@dataclass
class Webhook:
    """One endpoint for the deployment; the notice id (with the channel) is the idempotency key."""

    url: str
    secret: bytes
    name: str = "webhook"
    clock: Callable[[], float] = time.time

    def recipients(self, message: Message) -> list[str]:
        return [self.name]

    def send(self, message: Message, recipient: str) -> str:
        body = json.dumps(
            {
                "id": message.notice_id,
                "what": message.what,
                "subject": message.subject,
                "body": message.body,
                "link": message.link,
                "people": list(message.people),
                "node": message.node,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        timestamp = str(int(self.clock()))
        headers = {
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(self.secret, timestamp, body),
            "Idempotency-Key": f"{message.notice_id}:{self.name}",
        }
        post_bytes(self.url, body, headers)
        return "accepted"


@dataclass
class Sms:
    """An SMS gateway's template interface (Aliyun's SendSms shape: phone, signature, template
    code, template parameters). A text message carries the notice's kind, subject and link only:
    never its body, which may name parties."""

    url: str
    sign_name: str
    template: str
    phones: dict[str, str] = field(default_factory=dict)  # person id → phone number
    token: str = ""
    name: str = "sms"

    def recipients(self, message: Message) -> list[str]:
        return [p for p in message.people if p in self.phones]

    def send(self, message: Message, recipient: str) -> str:
        payload = {
            "PhoneNumbers": self.phones[recipient],
            "SignName": self.sign_name,
            "TemplateCode": self.template,
            "TemplateParam": json.dumps(
                {"what": message.what, "subject": message.subject[:30], "link": message.link},
                ensure_ascii=False,
            ),
        }
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        answer = _json(post_json(self.url, payload, headers))
        if str(answer.get("Code", "OK")) != "OK":
            raise DeliveryFailed(f"the SMS gateway refused: {answer.get('Code')} {answer.get('Message', '')}")
        return str(answer.get("BizId", "accepted"))


@dataclass
class WeCom:
    """A WeCom (企业微信) group robot per node: a notice about a node goes to the robots of that node
    and of the nodes above it that have one (`msgtype: markdown`; errcode 0 is success)."""

    robots: dict[str, str]  # node code → the robot's webhook URL (with its key)
    ancestors: Callable[[str], Sequence[str]] = lambda node: [node]
    name: str = "wecom"

    def recipients(self, message: Message) -> list[str]:
        return [node for node in self.ancestors(message.node) if node in self.robots] if message.node else []

    def send(self, message: Message, recipient: str) -> str:
        content = f"**{message.subject}**\n{message.body}" + (
            f"\n[{message.link}]({message.link})" if message.link else ""
        )
        answer = _json(
            post_json(self.robots[recipient], {"msgtype": "markdown", "markdown": {"content": content}})
        )
        if answer.get("errcode", 0) != 0:
            raise DeliveryFailed(
                f"the WeCom robot refused: {answer.get('errcode')} {answer.get('errmsg', '')}"
            )
        return "ok"


def _json(raw: bytes) -> dict[str, object]:
    try:
        found = json.loads(raw or b"{}")
    except ValueError:
        raise DeliveryFailed(f"not JSON: {raw[:100]!r}") from None
    return found if isinstance(found, dict) else {}

"""Which channels a deployment has and which kinds of notice go out on which (policy data, in the
file `FENGQIAO_NOTIFY_FILE`; docs/operations.md shows one). The inbox is always on."""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from domain.errors import InvalidValue
from service.notify.channels import Channel, Inbox, Sms, Webhook, WeCom

KINDS = ("reminder", "overdue", "briefing", "message")


@dataclass
class Routing:
    channels: dict[str, Channel] = field(default_factory=lambda: {"inbox": Inbox()})
    routes: dict[str, list[str]] = field(default_factory=dict)  # kind of notice → channels beside the inbox
    language: str = "zh-CN"

    def channels_for(self, what: str) -> list[Channel]:
        names = ["inbox", *[n for n in self.routes.get(what, []) if n != "inbox"]]
        return [self.channels[n] for n in names if n in self.channels]


def load(
    path: Path | None, webhook_secret: str | None, ancestors: Callable[[str], Sequence[str]] = lambda n: [n]
) -> Routing:
    if path is None:
        return Routing()
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as failure:
        raise InvalidValue("notify_file", "{path}: {failure}", path=path, failure=failure) from None
    channels: dict[str, Channel] = {"inbox": Inbox()}
    if "webhook" in data:
        if not webhook_secret:
            raise InvalidValue(
                "webhook_secret", "a webhook is configured: set FENGQIAO_WEBHOOK_SECRET to sign it"
            )
        channels["webhook"] = Webhook(url=data["webhook"]["url"], secret=webhook_secret.encode())
    if "sms" in data:
        sms = data["sms"]
        channels["sms"] = Sms(
            url=sms["url"],
            sign_name=sms["sign"],
            template=sms["template"],
            phones=dict(sms.get("phones", {})),
        )
    if "wecom" in data:
        channels["wecom"] = WeCom(robots=dict(data["wecom"].get("robots", {})), ancestors=ancestors)
    routes = {k: list(v) for k, v in data.get("routes", {}).items()}
    for what, names in routes.items():
        unknown = [n for n in names if n not in channels]
        if what not in KINDS or unknown:
            raise InvalidValue(
                "routes",
                "{path}: {what} = {names}: kinds are {kinds}, channels {channels}",
                path=path,
                what=what,
                names=names,
                kinds=KINDS,
                channels=sorted(channels),
            )
    return Routing(channels=channels, routes=routes, language=str(data.get("language", "zh-CN")))

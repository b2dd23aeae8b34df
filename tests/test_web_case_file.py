"""The case file from the workbench: a case's page links its evidence bundle, and the file it downloads
verifies offline against the published key (and fails once altered)."""

from __future__ import annotations

import copy
import re

from service.seal.bundle import verify_bundle
from service.seal.checkpoint import unb64
from tests.support import TOKENS, person, report_fence


def auth(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}", "Accept-Language": "zh-CN"}


def test_the_dispute_page_links_a_case_file_that_verifies_offline(api, system):
    dispute = report_fence(system)
    system.casebook.disputes.accept(person("mediator"), dispute.id)
    system.seal.checkpoint()
    page = api.get(f"/app/disputes/{dispute.id}", headers=auth("mediator"))
    assert page.status_code == 200, page.text
    assert "下载案卷（证据包）" in page.text
    (href,) = re.findall(r'href="([^"]+/evidence)" download="dispute-[0-9a-f-]+-evidence\.json"', page.text)
    bundle = api.get(href, headers=auth("mediator"))
    assert bundle.status_code == 200, bundle.text
    key = unb64(api.get("/seal/key").json()["public_key"])
    assert verify_bundle(bundle.json(), key) == []
    altered = copy.deepcopy(bundle.json())
    altered["events"][0]["record"]["version"] += 1  # one event claims another place in its stream
    assert verify_bundle(altered, key) != []

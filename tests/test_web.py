"""The workbench's pages, read as a person reads them: in Chinese by default, in English on
request; a dispute reported, accepted and mediated through forms; a wrong form comes back
with the reason beside the field and nothing recorded."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.seeds import Seeds
from tests.support import TOKENS, Clock, settings_for

pytestmark = pytest.mark.http

GRID = "anping.dongxi.qiaotou.g1"


@pytest.fixture
def web(tmp_path: Path, clock: Clock, seeds: Seeds) -> TestClient:
    from api.app import create_api

    built = seeds.system(settings_for(tmp_path), clock, stamped=True)
    with TestClient(create_api(built), follow_redirects=False) as client:
        client.system = built  # type: ignore[attr-defined]
        yield client
    built.close()


def as_(role: str, lang: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {TOKENS[role]}"}
    if lang:
        headers["Accept-Language"] = lang
    return headers


def text(html: str) -> str:
    """What a person sees: the page without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def report(web: TestClient, clock: Clock, **fields: object) -> str:
    form = {
        "grid": GRID,
        "category": "neighbourhood",
        "severity": "minor",
        "party": ["张三", "李四"],
        "description": "篱笆挪到了邻居的地里",
        "occurred_at": (clock.now - timedelta(hours=3)).astimezone().strftime("%Y-%m-%dT%H:%M"),
        **fields,
    }
    answer = web.post("/app/disputes", data=form, headers=as_("grid_member"))
    assert answer.status_code == 303, text(answer.text)
    return answer.headers["location"]


def test_the_root_opens_the_workbench(web):
    assert web.get("/").headers["location"] == "/app"


def test_a_page_without_a_person_asks_to_sign_in_in_chinese(web):
    page = web.get("/app")
    assert page.status_code == 401
    assert "请登录" in text(page.text)


def test_my_work_is_in_chinese_by_default_and_in_english_when_asked(web):
    chinese = web.get("/app", headers=as_("mediator"))
    assert chinese.status_code == 200 and chinese.headers["content-language"] == "zh-CN"
    assert "我的工作" in text(chinese.text) and "登记纠纷" in text(chinese.text)
    english = web.get("/app", headers=as_("mediator", "en-GB,en;q=0.8"))
    assert "My work" in text(english.text) and "我的工作" not in text(english.text)


def test_the_language_chosen_is_kept_in_a_cookie(web):
    chosen = web.post("/app/language", data={"lang": "en", "next": "/app"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/app"
    assert "My work" in text(web.get("/app", headers=as_("mediator", "zh-CN")).text)


def test_the_language_switch_never_sends_anyone_to_another_site(web):
    chosen = web.post("/app/language", data={"lang": "en", "next": "//evil.example/x"})
    assert chosen.headers["location"] == "/app"


def test_a_grid_member_reports_a_dispute_and_sees_it_with_its_grid_deadline(web, clock):
    page = web.get(report(web, clock), headers=as_("grid_member"))
    seen = text(page.text)
    assert page.status_code == 200
    assert "邻里纠纷" in seen and "待受理" in seen and "张三、李四" in seen
    assert "网格办理期限" not in seen  # the clock starts when the dispatcher starts its workflow
    assert "Wang Fang" in seen  # the reporter, by the name the directory holds
    assert "登记了纠纷" in seen


def test_a_form_with_one_party_comes_back_with_the_reason_and_records_nothing(web, clock):
    before = web.system.casebook.recorder.max_notification_id()  # type: ignore[attr-defined]
    answer = web.post(
        "/app/disputes",
        data={
            "grid": GRID,
            "category": "neighbourhood",
            "severity": "minor",
            "party": ["张三"],
            "description": "篱笆",
            "occurred_at": "2026-11-01T09:00",
        },
        headers=as_("grid_member"),
    )
    assert answer.status_code == 422
    seen = text(answer.text)
    assert "纠纷至少要有两方当事人" in seen and "本次未作任何登记" in seen
    assert 'value="张三"' in answer.text  # what was typed is kept
    assert web.system.casebook.recorder.max_notification_id() == before  # type: ignore[attr-defined]


def test_a_form_with_nothing_filled_in_names_each_field(web):
    answer = web.post("/app/disputes", data={}, headers=as_("grid_member"))
    assert answer.status_code == 422
    seen = text(answer.text)
    assert "请从选项中选择" in seen and "请填写日期和时间" in seen
    assert answer.text.count('role="alert"') >= 4  # the form, the category, the severity, the time


def test_a_mediator_accepts_and_holds_a_session_through_the_case_page(web, clock):
    case = report(web, clock)
    page = text(web.get(case, headers=as_("mediator")).text)
    assert "受理纠纷" in page and "登记调解" in page
    assert web.post(f"{case}/accept", data={}, headers=as_("mediator")).status_code == 303
    held = web.post(
        f"{case}/hold_mediation_session",
        data={"outcome": "adjourned", "notes": "择日再谈"},
        headers=as_("mediator"),
    )
    assert held.status_code == 303
    seen = text(web.get(case, headers=as_("mediator")).text)
    assert "已受理" in seen and "组织了调解" in seen and "受理纠纷" not in seen.split("现在可以办理")[-1]


def test_an_action_the_case_does_not_allow_is_refused_on_the_page(web, clock):
    case = report(web, clock)
    refused = web.post(f"{case}/seal_agreement", data={}, headers=as_("chair"))
    assert refused.status_code == 409
    assert "案件当前状态不允许此操作" in text(refused.text)


def test_a_session_without_an_outcome_is_refused_beside_the_form(web, clock):
    case = report(web, clock)
    refused = web.post(f"{case}/hold_mediation_session", data={"notes": "x"}, headers=as_("mediator"))
    assert refused.status_code == 422 and "请填写此项" in text(refused.text)


def test_a_person_from_another_village_is_not_shown_the_case(web, clock):
    case = report(web, clock)
    page = web.get(case, headers=as_("foreign_grid_member"))
    assert page.status_code in (403, 404)
    assert "张三" not in page.text and "篱笆" not in page.text


def test_the_vendored_htmx_is_the_file_its_readme_names():
    vendor = Path(__file__).resolve().parent.parent / "web" / "static" / "vendor"
    digest = hashlib.sha256((vendor / "htmx-2.0.11.min.js").read_bytes()).hexdigest()
    assert digest in (vendor / "README.md").read_text()


def test_static_files_are_served_from_the_package(web):
    assert web.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200
    assert "text/css" in web.get("/static/app.css").headers["content-type"]

"""The workbench's pages, read as a person reads them: in Chinese by default, in English on
request; a dispute reported, accepted and mediated through forms; a wrong form comes back
with the reason beside the field and nothing recorded."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from html import unescape
from pathlib import Path
from uuid import UUID

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
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


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
    assert page.status_code == 303 and page.headers["location"] == "/app/sign-in?next=%2Fapp"
    assert "登录" in text(web.get(page.headers["location"]).text)


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
    assert "纠纷至少要有2方当事人" in seen and "本次未作任何登记" in seen
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


def test_two_parties_of_one_name_each_sign_by_their_id_through_the_case_page(web, clock):
    case = report(web, clock, party=["张三", "张三"])
    agreed = web.post(
        f"{case}/reach_agreement", data={"form": "written", "terms": "篱笆挪回"}, headers=as_("mediator")
    )
    assert agreed.status_code == 303
    page = web.get(case, headers=as_("mediator")).text
    assert '<option value="p1">张三 (p1)</option>' in page and '<option value="p2">张三 (p2)</option>' in page
    assert (
        web.post(f"{case}/sign_agreement", data={"party": "p1"}, headers=as_("mediator")).status_code == 303
    )
    page = web.get(case, headers=as_("mediator")).text
    assert 'value="p1"' not in page and '<option value="p2">' in page  # only who has not signed
    assert "seal_agreement" not in page  # not offered before every party has signed
    assert (
        web.post(f"{case}/sign_agreement", data={"party": "p2"}, headers=as_("mediator")).status_code == 303
    )
    assert web.post(f"{case}/seal_agreement", data={}, headers=as_("chair")).status_code == 303


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


def agree_in_writing(web: TestClient, case: str, terms: str = "李四于三日内把篱笆移回原处") -> None:
    assert web.post(f"{case}/accept", data={}, headers=as_("mediator")).status_code == 303
    agreed = web.post(
        f"{case}/reach_agreement", data={"form": "written", "terms": terms}, headers=as_("mediator")
    )
    assert agreed.status_code == 303, text(agreed.text)


def test_the_written_agreement_prints_the_parties_the_matter_the_terms_and_a_line_for_each(web, clock):
    case = report(web, clock)
    agree_in_writing(web, case)
    page = web.get(f"{case}/agreement", headers=as_("mediator"))
    assert page.status_code == 200
    seen = text(page.text)
    assert "人民调解协议书" in seen
    assert "桥头村人民调解委员会" in seen  # the village's committee, by the directory's name
    assert "纠纷的主要事实、争议事项 篱笆挪到了邻居的地里" in seen
    assert "经调解，各方当事人自愿达成如下协议 李四于三日内把篱笆移回原处" in seen
    for party in ("张三", "李四"):
        assert f"当事人（签名、盖章或按指印）：{party}" in seen
    assert "人民调解员（签名）：Li Ming" in seen  # who recorded the agreement
    assert "一式3份" in seen  # each party one, the committee one
    assert "尚未生效" in seen and "______年____月____日" in seen and "已盖章" not in seen


def test_the_sealed_agreement_shows_each_signature_and_the_seal_with_its_date(web, clock):
    case = report(web, clock)
    agree_in_writing(web, case)
    for party in ("p1", "p2"):  # 张三 and 李四, by their ids in the dispute
        signed = web.post(f"{case}/sign_agreement", data={"party": party}, headers=as_("chair"))
        assert signed.status_code == 303, text(signed.text)
    assert web.post(f"{case}/seal_agreement", data={}, headers=as_("chair")).status_code == 303
    seen = text(web.get(f"{case}/agreement", headers=as_("mediator")).text)
    assert seen.count("已于2026年3月2日登记签名") == 2
    assert "已盖章" in seen and "2026年3月2日" in seen.split("人民调解委员会")[-1]
    assert "尚未生效" not in seen
    english = text(web.get(f"{case}/agreement", headers=as_("mediator", "en")).text)
    assert "Written mediation agreement" in english and "桥头村 People's Mediation Committee" in english
    assert "March 2, 2026" in english and "人民调解协议书" not in english


def test_the_agreement_lists_the_particulars_recorded_of_each_party(web, clock):
    dispute = web.system.casebook.disputes.report(  # type: ignore[attr-defined]
        "wang-fang",
        grid=GRID,
        parties=[
            {"name": "张三", "id_number": "11010519491231002X", "address": "桥头村一组3号"},
            {"name": "李四"},
        ],
        category="neighbourhood",
        severity="minor",
        description="篱笆",
        occurred_at=clock.now - timedelta(hours=1),
    )
    case = f"/app/disputes/{dispute.id}"
    agree_in_writing(web, case)
    seen = text(web.get(f"{case}/agreement", headers=as_("mediator")).text)
    assert "公民身份号码：11010519491231002X" in seen and "住址：桥头村一组3号" in seen


def test_the_case_page_links_to_the_agreement_only_when_it_is_written(web, clock):
    written, oral = report(web, clock), report(web, clock, description="鸡吃了邻居的菜")
    agree_in_writing(web, written)
    assert web.post(f"{oral}/accept", data={}, headers=as_("mediator")).status_code == 303
    web.post(f"{oral}/reach_agreement", data={"form": "oral", "terms": "赔十元"}, headers=as_("mediator"))
    assert "打印人民调解协议书" in text(web.get(written, headers=as_("mediator")).text)
    assert "打印人民调解协议书" not in text(web.get(oral, headers=as_("mediator")).text)
    refused = web.get(f"{oral}/agreement", headers=as_("mediator"))
    assert refused.status_code == 404 and "没有可打印的书面调解协议" in text(refused.text)


def test_the_agreement_is_not_shown_to_a_person_from_another_village(web, clock):
    case = report(web, clock)
    agree_in_writing(web, case)
    page = web.get(f"{case}/agreement", headers=as_("foreign_grid_member"))
    assert page.status_code in (403, 404) and "篱笆" not in page.text


def test_the_page_offers_a_signature_for_who_has_not_signed_and_the_seal_once_all_have(web, clock):
    case = report(web, clock)
    agree_in_writing(web, case)

    def offered() -> tuple[list[str], bool]:
        html = web.get(case, headers=as_("chair")).text
        form = re.search(r'action="[^"]*/sign_agreement".*?</form>', html, re.DOTALL)
        names = re.findall(r'<option value="([^"]+)">', form.group(0)) if form else []
        return names, "/seal_agreement" in html

    assert offered() == (["p1", "p2"], False)
    web.post(f"{case}/sign_agreement", data={"party": "p1"}, headers=as_("chair"))
    assert offered() == (["p2"], False)
    web.post(f"{case}/sign_agreement", data={"party": "p2"}, headers=as_("chair"))
    assert offered() == ([], True)
    seen = text(web.get(case, headers=as_("chair")).text)
    assert "已签名 张三 (p1)、李四 (p2)" in seen and "尚未盖章" in seen
    assert "登记了当事人签名 · 张三" in seen and "登记了当事人签名 · 李四" in seen
    web.post(f"{case}/seal_agreement", data={}, headers=as_("chair"))
    assert offered() == ([], False)  # sealed: nothing is left to sign or seal


def test_an_oral_agreement_is_offered_neither_signatures_nor_a_seal(web, clock):
    case = report(web, clock)
    assert web.post(f"{case}/accept", data={}, headers=as_("mediator")).status_code == 303
    web.post(f"{case}/reach_agreement", data={"form": "oral", "terms": "赔十元"}, headers=as_("mediator"))
    html = web.get(case, headers=as_("chair")).text
    assert "/sign_agreement" not in html and "/seal_agreement" not in html
    assert "登记回访" in text(html)  # what the case does allow next is still offered


def test_my_work_says_which_case_each_deadline_is_and_how_long_is_left(web, clock):
    from projections.runner import ProjectionRunner

    system = web.system  # type: ignore[attr-defined]
    case = report(web, clock)
    system.casebook.keepers["dispute"].sync(UUID(case.rsplit("/", 1)[1]), 0)  # as the dispatcher does
    runner = ProjectionRunner(system.reader, system.views, system.clock_board)
    runner.setup()
    runner.catch_up()
    seen = text(web.get("/app", headers=as_("mediator")).text)
    assert "邻里纠纷 · 张三、李四" in seen and "还剩1天0小时" in seen
    clock.advance(timedelta(hours=30))
    seen = text(web.get("/app", headers=as_("mediator")).text)
    assert "已逾期 (1)" in seen and "已逾期6小时" in seen
    english = text(web.get("/app", headers=as_("mediator", "en")).text)
    assert "Neighbourhood dispute · 张三、李四" in english and "overdue by 6 h" in english


def test_the_language_switch_on_a_refused_form_goes_back_to_a_page_that_exists(web, clock):
    refused = web.post("/app/disputes", data={}, headers=as_("grid_member"))
    [back] = re.findall(r'name="next" value="([^"]+)"', refused.text)
    assert back == "/app/disputes/new"
    assert web.get(back, headers=as_("grid_member")).status_code == 200
    case = report(web, clock)
    refused = web.post(f"{case}/hold_mediation_session", data={}, headers=as_("mediator"))
    [back] = re.findall(r'name="next" value="([^"]+)"', refused.text)
    assert back == case


def test_a_page_that_does_not_exist_is_a_page_in_chinese_not_json(web):
    for path in ("/app/disputes/not-a-case-number", "/app/nothing-here"):
        page = web.get(path, headers=as_("mediator"))
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html"), path
        assert "没有这个页面" in text(page.text), path
    api = web.get("/disputes/not-a-case-number", headers=as_("mediator"))
    assert api.headers["content-type"] == "application/problem+json"  # the API keeps its answers
    assert web.get("/nothing-here").headers["content-type"] == "application/problem+json"


def test_the_language_switch_keeps_the_page_as_it_was_filtered(web):
    page = web.get("/app/disputes?status=open", headers=as_("mediator"))
    [back] = re.findall(r'name="next" value="([^"]+)"', page.text)
    assert unescape(back) == "/app/disputes?status=open"
    chosen = web.post("/app/language", data={"lang": "en", "next": unescape(back)})
    assert chosen.headers["location"] == "/app/disputes?status=open"

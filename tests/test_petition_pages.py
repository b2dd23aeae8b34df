"""The petition pages, read as a petition agent and a petition office read them: in Chinese by
default; a petition registered, routed, accepted, answered and delivered through forms, each
action offered only when the petition's state allows it and the person's post may take it; a
wrong form comes back with the reason beside the field and nothing recorded; an accusation
withheld from the accused on every page; the acceptance notice and the handling opinion printed."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from api.commands import COMMANDS
from tests.petition_dsl import id_number
from tests.seeds import Seeds
from tests.support import Clock, settings_for
from tests.test_web import as_, text
from web import petition_pages
from web.templating import LOCAL

pytestmark = pytest.mark.http

VILLAGE = "anping.dongxi.qiaotou"
TOWNSHIP = "anping.dongxi"
ZHANG = id_number(7)


@pytest.fixture
def web(tmp_path: Path, clock: Clock, seeds: Seeds) -> TestClient:
    from api.app import create_api

    built = seeds.system(settings_for(tmp_path), clock, stamped=True)
    with TestClient(create_api(built), follow_redirects=False) as client:
        client.system = built  # type: ignore[attr-defined]
        yield client
    built.close()


def register(web: TestClient, role: str = "petition_agent", **fields: object) -> str:
    form = {
        "node": VILLAGE,
        "channel": "visit",
        "type": "complaint",
        "name": "张三",
        "id_number": ZHANG,
        "matter": "修路补偿款",
        "content": "我们组的修路补偿款一直没有发",
        **fields,
    }
    answer = web.post("/app/petitions", data=form, headers=as_(role))
    assert answer.status_code == 303, text(answer.text)
    return answer.headers["location"]


def act(web: TestClient, case: str, action: str, role: str, **fields: object) -> None:
    answer = web.post(f"{case}/{action}", data=fields, headers=as_(role))
    assert answer.status_code == 303, text(answer.text)


def offered(web: TestClient, case: str, role: str) -> set[str]:
    html = web.get(case, headers=as_(role)).text
    return set(re.findall(rf'action="{re.escape(case)}/([a-z_]+)"', html))


def recorded(web: TestClient) -> int:
    return web.system.casebook.recorder.max_notification_id()  # type: ignore[attr-defined]


def answered(web: TestClient, clock: Clock) -> str:
    """A complaint registered by the agent, routed to the village body, accepted and answered there."""
    case = register(web)
    act(web, case, "route", "petition_agent", to_node=VILLAGE)
    act(web, case, "decide_acceptance", "village_staff", decision="accepted")
    act(
        web,
        case,
        "give_opinion",
        "village_staff",
        outcome="support",
        facts="补偿款已拨付到镇，尚未发放到组",
        legal_basis="《土地管理法》第四十八条",
    )
    return case


def test_every_petition_command_the_api_offers_has_a_form_on_the_page():
    methods = {c.method for kind, c in COMMANDS if kind.name == "petition"}
    assert {a.command.method for a in petition_pages.ACTIONS.values()} == methods
    assert len(petition_pages.ACTIONS) == len(methods) == 17


def test_an_agent_registers_a_visit_and_sees_it_in_chinese_with_its_history(web):
    page = web.get(register(web), headers=as_("petition_agent"))
    seen = text(page.text)
    assert page.status_code == 200 and page.headers["content-language"] == "zh-CN"
    assert "修路补偿款" in seen and "申诉求决类" in seen and "来访" in seen and "已登记" in seen
    assert "张三" in seen and "我们组的修路补偿款一直没有发" in seen
    assert "Qian Dong 登记了信访事项" in seen and "生效于" in seen and "登记于" in seen
    english = text(web.get(page.url.path, headers=as_("petition_agent", "en")).text)
    assert "Complaint or claim" in english and "Qian Dong registered the petition" in english


def test_the_register_form_names_each_missing_field_and_records_nothing(web):
    before = recorded(web)
    answer = web.post("/app/petitions", data={"node": VILLAGE}, headers=as_("petition_agent"))
    assert answer.status_code == 422
    seen = text(answer.text)
    assert "本次未作任何登记" in seen and "请从选项中选择" in seen
    assert recorded(web) == before


def test_a_complaint_with_a_wrong_identity_number_is_refused_beside_the_field(web):
    before = recorded(web)
    wrong = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")
    answer = web.post(
        "/app/petitions",
        data={
            "node": VILLAGE,
            "channel": "letter",
            "type": "complaint",
            "name": "张三",
            "id_number": wrong,
            "matter": "修路补偿款",
            "content": "补偿款没有发",
        },
        headers=as_("petition_agent"),
    )
    assert answer.status_code == 422
    assert 'id="id_number-problem"' in answer.text and "校验码不符：请核对号码" in text(answer.text)
    assert 'value="张三"' in answer.text  # what was typed is kept
    assert recorded(web) == before


def test_an_anonymous_suggestion_is_registered_without_the_petitioner(web):
    case = register(
        web, type="suggestion", channel="online", anonymous="1", matter="路灯", content="村口装路灯"
    )
    seen = text(web.get(case, headers=as_("petition_agent")).text)
    assert "匿名" in seen and "建议意见类" in seen and "张三" not in seen


def test_the_agent_is_offered_what_the_post_may_do_and_the_office_what_it_may(web):
    case = register(web)
    assert offered(web, case, "petition_agent") == {"route", "assign"}
    act(web, case, "route", "petition_agent", to_node=VILLAGE)
    # Deciding acceptance needs the right to decide: the agent has none; the village office has.
    assert offered(web, case, "petition_agent") == {"divert"}  # handling a complaint, the agent may
    assert offered(web, case, "village_staff") == {"decide_acceptance", "divert"}
    refused = web.post(
        f"{case}/decide_acceptance", data={"decision": "accepted"}, headers=as_("petition_agent")
    )
    assert refused.status_code == 403 and "您在此处没有可办理此事项的职务" in text(refused.text)


def test_an_action_the_state_does_not_allow_is_refused_and_records_nothing(web):
    case = register(web)
    before = recorded(web)
    refused = web.post(
        f"{case}/give_opinion",
        data={"outcome": "support", "facts": "x", "legal_basis": "y"},
        headers=as_("township"),
    )
    assert refused.status_code == 409 and "案件当前状态不允许此操作" in text(refused.text)
    assert recorded(web) == before


def test_an_opinion_without_its_facts_is_refused_beside_the_form(web, clock):
    case = register(web)
    act(web, case, "route", "petition_agent", to_node=VILLAGE)
    act(web, case, "decide_acceptance", "village_staff", decision="accepted")
    before = recorded(web)
    refused = web.post(
        f"{case}/give_opinion",
        data={"outcome": "support", "facts": "  ", "legal_basis": "《信访工作条例》"},
        headers=as_("village_staff"),
    )
    assert refused.status_code == 422 and "请填写此项" in text(refused.text)
    assert "《信访工作条例》" in refused.text  # what was typed is kept
    assert recorded(web) == before


def test_not_accepting_without_a_reason_is_refused_in_chinese(web):
    case = register(web)
    act(web, case, "route", "petition_agent", to_node=VILLAGE)
    refused = web.post(
        f"{case}/decide_acceptance", data={"decision": "not_accepted"}, headers=as_("village_staff")
    )
    assert refused.status_code == 422 and "请写明不予受理的理由" in text(refused.text)


def test_the_petition_is_routed_accepted_answered_and_delivered_through_its_page(web, clock):
    case = answered(web, clock)
    assert "deliver_answer" in offered(web, case, "petition_agent")  # the village body answered
    received = (clock.now + timedelta(minutes=5)).astimezone(LOCAL)
    clock.advance(timedelta(minutes=10))
    act(
        web,
        case,
        "deliver_answer",
        "petition_agent",
        method="by_hand",
        recipient="张三",
        received_at=received.strftime("%Y-%m-%dT%H:%M"),
    )
    seen = text(web.get(case, headers=as_("petition_agent")).text)
    assert "已出具处理意见" in seen and "予以支持" in seen and "直接送达" in seen
    assert "转送了信访事项 · 桥头村" in seen and "作出了受理决定 · 受理" in seen
    assert "出具了处理意见 · 予以支持" in seen and "登记了书面答复送达 · 直接送达" in seen
    assert "可请求复查至" in seen
    assert "deliver_answer" not in offered(web, case, "petition_agent")  # delivered once
    assert {"request_review", "accept_opinion"} <= offered(web, case, "petition_agent")


def test_the_acceptance_notice_prints_the_matter_the_decision_and_the_body(web, clock):
    case = register(web)
    assert web.get(f"{case}/acceptance-notice", headers=as_("petition_agent")).status_code == 404
    act(web, case, "route", "petition_agent", to_node=VILLAGE)
    act(web, case, "decide_acceptance", "village_staff", decision="accepted")
    seen = text(web.get(f"{case}/acceptance-notice", headers=as_("petition_agent")).text)
    assert "受理告知书" in seen and "张三：" in seen and "“修路补偿款”信访事项已收悉" in seen
    assert "本机关已于2026年3月2日依照《信访工作条例》予以受理" in seen
    assert "桥头村" in seen.split("（印章）")[0]


def test_the_handling_opinion_prints_what_article_32_requires(web, clock):
    case = answered(web, clock)
    page = web.get(f"{case}/opinion", headers=as_("petition_agent"))
    assert page.status_code == 200
    seen = text(page.text)
    assert "信访事项处理意见书" in seen and "信访人：张三" in seen
    assert "信访事项及信访人的请求 修路补偿款：我们组的修路补偿款一直没有发" in seen
    assert "查明的事实 补偿款已拨付到镇，尚未发放到组" in seen
    assert "处理意见 予以支持" in seen and "《土地管理法》第四十八条" in seen
    # The time limit and the authority for a review: 30 days, the township above the village.
    assert "可以自收到本意见书之日起30日内向东溪镇请求复查" in seen
    english = text(web.get(f"{case}/opinion", headers=as_("petition_agent", "en")).text)
    assert "Handling opinion on a petition" in english and "within 30 days" in english


def test_the_accused_sees_nothing_of_an_accusation_on_any_page(web, clock):
    secret, accuser = "村干部方某收受了修路款回扣", "李举报"
    case = register(
        web,
        type="accusation",
        channel="letter",
        name=accuser,
        id_number="",
        matter="修路款回扣",
        content=secret,
        accused_person_id="fang-jun",
    )
    act(web, case, "route", "petition_agent", to_node=VILLAGE)
    act(web, case, "decide_acceptance", "village_staff", decision="accepted")
    facts = "方某收受回扣属实"
    act(web, case, "give_opinion", "village_staff", outcome="support", facts=facts, legal_basis="《监察法》")
    agent = text(web.get(case, headers=as_("petition_agent")).text)
    assert secret in agent and accuser in agent  # the agent holds the right to see accusations
    assert facts in text(web.get(f"{case}/opinion", headers=as_("petition_agent")).text)
    for role in ("accused_village_staff", "auditor"):  # the accused; a reader without the right
        for path in (case, "/app/petitions", f"{case}/acceptance-notice", f"{case}/opinion"):
            assert web.get(path, headers=as_(role)).status_code == 200, (role, path)
            page = web.get(path, headers=as_(role))
            shown = [word for word in (secret, accuser, "修路款回扣", facts) if word in page.text]
            assert shown == [], (role, path)
        seen = text(web.get(case, headers=as_(role)).text)
        assert "（已保密）" in seen and "其内容和检举人身份对您保密" in seen
    assert offered(web, case, "accused_village_staff") == set()  # recused: no action is offered
    refused = web.post(
        f"{case}/decide_acceptance", data={"decision": "accepted"}, headers=as_("accused_village_staff")
    )
    assert refused.status_code == 403 and secret not in refused.text


def test_the_list_shows_what_the_person_may_read_by_state(web, clock):
    first = register(web)
    second = register(web, matter="宅基地", content="宅基地被占")
    act(web, second, "route", "petition_agent", to_node=VILLAGE)
    seen = text(web.get("/app/petitions", headers=as_("petition_agent")).text)
    assert "信访事项 (2)" in seen and "修路补偿款" in seen and "宅基地" in seen
    routed = text(web.get("/app/petitions?status=routed", headers=as_("petition_agent")).text)
    assert "信访事项 (1)" in routed and "宅基地" in routed and "修路补偿款" not in routed
    foreign = text(web.get("/app/petitions", headers=as_("foreign_petition_agent")).text)
    assert "信访事项 (0)" in foreign and "修路补偿款" not in foreign
    assert first != second


def test_the_list_and_my_work_show_each_statutory_clock_with_its_countdown(web, clock):
    from projections.runner import ProjectionRunner

    system = web.system  # type: ignore[attr-defined]
    case = register(web)
    system.casebook.keepers["petition"].sync(UUID(case.rsplit("/", 1)[1]), 0)  # as the dispatcher does
    listed = text(web.get("/app/petitions", headers=as_("petition_agent")).text)
    assert re.search(r"转送、交办期限: 还剩\d+天\d+小时", listed), listed
    page = text(web.get(case, headers=as_("petition_agent")).text)
    assert "转送、交办期限 · 计时中" in page and "还剩" in page
    runner = ProjectionRunner(system.reader, system.views, system.clock_board)
    runner.setup()
    runner.catch_up()
    clock.advance(timedelta(days=14))  # the route falls due within three days
    home = web.get("/app", headers=as_("petition_agent")).text
    assert f'href="{case}"' in home
    assert "信访事项 · 转送、交办期限" in text(home) and "申诉求决类 · 修路补偿款" in text(home)


def delivered(web: TestClient, clock: Clock, case: str, role: str) -> None:
    clock.advance(timedelta(hours=1))
    received = (clock.now - timedelta(minutes=30)).astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")
    act(web, case, "deliver_answer", role, method="by_post", recipient="张三", received_at=received)


def test_every_other_form_takes_the_petition_through_assignment_hearing_review_and_re_review(web, clock):
    case = register(web)
    assert "assign" in offered(web, case, "township")
    act(web, case, "assign", "township", office=TOWNSHIP, to_node=VILLAGE)
    assert offered(web, case, "village_staff") >= {"report_assignment_result", "decide_acceptance"}
    act(web, case, "report_assignment_result", "village_staff", result="已约谈村民小组长")
    act(web, case, "decide_acceptance", "village_staff", decision="accepted")
    act(web, case, "extend_handling", "village_staff", days="10", reason="需要实地测量")
    act(web, case, "start_hearing", "village_staff")
    assert offered(web, case, "village_staff") == {"end_hearing"}  # nothing else while it is heard
    clock.advance(timedelta(hours=1))
    act(web, case, "end_hearing", "village_staff", summary="双方陈述了意见")
    act(
        web,
        case,
        "give_opinion",
        "village_staff",
        outcome="not_support",
        facts="款已发放",
        legal_basis="村规",
    )
    delivered(web, clock, case, "petition_agent")
    act(web, case, "request_review", "petition_agent", grounds="没有收到款")
    assert "decide_review" not in offered(web, case, "village_staff")  # the body above reviews
    act(
        web,
        case,
        "decide_review",
        "township",
        outcome="support",
        facts="款未发放",
        legal_basis="《信访工作条例》",
    )
    delivered(web, clock, case, "township")  # the reviewing body's decision, delivered by it
    act(web, case, "request_re_review", "petition_agent", grounds="数额不对")
    act(
        web,
        case,
        "decide_re_review",
        "petition_county_staff",
        outcome="support",
        facts="核定数额",
        legal_basis="条例",
    )
    seen = text(web.get(case, headers=as_("petition_agent")).text)
    assert "已终结" in seen and "已复核：终结" in seen and "交办了信访事项 · 桥头村" in seen
    assert (
        "报告了交办结果" in seen
        and "延长了办理期限" in seen
        and "开始了听证" in seen
        and "结束了听证" in seen
    )
    assert "作出了复查意见 · 予以支持" in seen and "作出了复核意见 · 予以支持" in seen
    assert offered(web, case, "petition_agent") == set()  # concluded: nothing is left to do


def test_a_complaint_is_diverted_and_another_concluded_by_the_petitioner_or_the_closed_window(web, clock):
    diverted = register(web)
    act(web, diverted, "route", "petition_agent", to_node=VILLAGE)
    act(
        web,
        diverted,
        "divert",
        "village_staff",
        procedure="litigation",
        body="县人民法院",
        reason="属于民事诉讼",
    )
    assert "已导入法定途径" in text(web.get(diverted, headers=as_("petition_agent")).text)

    accepted, lapsed = answered(web, clock), register(web, matter="宅基地", content="宅基地被占")
    delivered(web, clock, accepted, "petition_agent")
    act(web, accepted, "accept_opinion", "petition_agent")
    assert "信访人认可处理意见" in text(web.get(accepted, headers=as_("petition_agent")).text)

    act(web, lapsed, "route", "petition_agent", to_node=VILLAGE)
    act(web, lapsed, "decide_acceptance", "village_staff", decision="accepted")
    act(web, lapsed, "give_opinion", "village_staff", outcome="explain", facts="已解释", legal_basis="条例")
    delivered(web, clock, lapsed, "petition_agent")
    assert "conclude" not in offered(web, lapsed, "village_staff")  # the petitioner may still ask
    clock.advance(timedelta(days=40))
    assert "conclude" in offered(web, lapsed, "village_staff")
    act(web, lapsed, "conclude", "village_staff")
    assert "期满未请求复查" in text(web.get(lapsed, headers=as_("petition_agent")).text)


def test_a_group_petition_names_its_representatives_on_the_form_and_one_more_later(web):
    refused = web.post(
        "/app/petitions",
        data={
            "node": VILLAGE,
            "channel": "visit",
            "type": "complaint",
            "name": "张三",
            "id_number": ZHANG,
            "people_count": "6",
            "matter": "修路补偿款",
            "content": "补偿款没有发",
        },
        headers=as_("petition_agent"),
    )
    assert refused.status_code == 422
    assert "6人的集体访应当推选1至5名代表（第二十条）；现填写了0名" in text(refused.text)  # its figures
    case = register(web, people_count="6", representative=["张三"])
    assert "集体访" in text(web.get(case, headers=as_("petition_agent")).text)
    act(web, case, "name_representative", "petition_agent", name="王五")
    assert "增加了一名代表" in text(web.get(case, headers=as_("petition_agent")).text)


def test_every_outcome_a_petition_clock_records_reads_in_chinese():
    from service.petitions.terms import MET, OBJECTION_CLOSED, OVERDUE
    from web import i18n, labels

    gettext = i18n.translations("zh-CN").gettext
    recorded = [
        *MET.values(),
        OBJECTION_CLOSED,
        "met: the receiving body objected",
        "ended: acceptance decided without objection",
        "met: acceptance decided (not accepted)",
        "ended: the petitioner accepted the answer",
        "window closed: no re-review requested; the petition is concluded",
        "ended: diverted to administrative reconsideration",
        "no longer applies: the petition is not accepted",
        *(f"overdue at anping.dongxi: {what} within 15 calendar days" for what in OVERDUE.values()),
        "late: written handling opinion given, after the due time",
    ]
    for text_ in recorded:
        words = labels.outcome(text_, gettext)
        assert not re.search(r"[a-z]{3,}", words.replace("anping.dongxi", "")), (text_, words)
    overdue = (
        "overdue at anping.dongxi: no written handling opinion within 60 calendar days, "
        "extended by 30 calendar days (hearing time not counted)"
    )
    assert labels.outcome(overdue, gettext) == (
        "anping.dongxi逾期：60日，延长30日（听证时间不计算在内）内未出具书面处理意见"
    )
    assert labels.outcome("met: routed to a receiving body", gettext) == "按期完成：已转送受理机关"


@pytest.fixture
def session_browser(settings, clock):
    from tests.identity_support import client, identity_system

    for system in identity_system(settings, clock):
        with client(system) as browser:
            browser.follow_redirects = False
            yield browser


def test_a_petition_form_posted_with_the_session_needs_its_csrf_token(session_browser):
    from tests.test_web_sign_in import csrf_of, enrolled, signed_in

    browser = session_browser
    enrolled(browser, "petition_agent")
    signed_in(browser, "petition_agent")
    page = browser.get("/app/petitions/new")
    form = {
        "node": VILLAGE,
        "channel": "letter",
        "type": "suggestion",
        "anonymous": "1",
        "matter": "路灯",
        "content": "村口装路灯",
    }
    refused = browser.post("/app/petitions", data=form)
    assert refused.status_code == 403 and "此表单来自其他网站" in refused.text
    made = browser.post("/app/petitions", data={**form, "csrf": csrf_of(page.text)})
    assert made.status_code == 303
    case = made.headers["location"]
    refused = browser.post(f"{case}/route", data={"to_node": VILLAGE})
    assert refused.status_code == 403
    routed = browser.post(f"{case}/route", data={"to_node": VILLAGE, "csrf": csrf_of(browser.get(case).text)})
    assert routed.status_code == 303 and "已转送" in text(browser.get(case).text)


def test_the_notice_of_non_acceptance_prints_the_reason(web):
    case = register(web)
    act(web, case, "route", "petition_agent", to_node=VILLAGE)
    act(
        web,
        case,
        "decide_acceptance",
        "village_staff",
        decision="not_accepted",
        reason="不属于本机关职权范围",
    )
    seen = text(web.get(f"{case}/acceptance-notice", headers=as_("petition_agent")).text)
    assert "不予受理告知书" in seen and "决定不予受理，理由：不属于本机关职权范围" in seen
    assert "受理告知书" not in seen.replace("不予受理告知书", "")

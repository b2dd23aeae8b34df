"""The field pages, read as a grid member reads them on a phone: incidents reported, listed and
acted on, patrol shifts started, walked and closed; each refusal beside its field in the
person's language with nothing recorded; only what the person's post may do offered."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from service import kinds
from tests.seeds import Seeds
from tests.support import VILLAGE, Clock, person, settings_for
from tests.test_web import GRID, as_, report, text

pytestmark = pytest.mark.http


@pytest.fixture
def web(tmp_path: Path, clock: Clock, seeds: Seeds) -> TestClient:
    from api.app import create_api

    built = seeds.system(settings_for(tmp_path), clock, stamped=True)
    with TestClient(create_api(built), follow_redirects=False) as client:
        client.system = built  # type: ignore[attr-defined]
        yield client
    built.close()


POINTS = [
    {"code": "C1", "name": "石桥", "location": "村北"},
    {"code": "C2", "name": "小学门口"},
]


def head(web: TestClient) -> int:
    return web.system.casebook.recorder.max_notification_id() or 0  # type: ignore[attr-defined]


def local(moment) -> str:
    return moment.astimezone().strftime("%Y-%m-%dT%H:%M")


def report_incident(web: TestClient, clock: Clock, role: str = "grid_member", **fields: object) -> str:
    form = {
        "grid": GRID,
        "kind": "fire",
        "occurred_at": local(clock.now - timedelta(minutes=20)),
        "location": "村口柴草垛",
        "description": "柴草垛起火，已扑灭",
        **fields,
    }
    answer = web.post("/app/incidents", data=form, headers=as_(role))
    assert answer.status_code == 303, text(answer.text)
    return answer.headers["location"]


def sync_clocks(web: TestClient, kind: str, case_id: str) -> None:
    """What the case's workflow does first: start its clocks (here without a worker)."""
    web.system.casebook.keepers[kind].sync(UUID(case_id), 0)  # type: ignore[attr-defined]


# -- incidents --------------------------------------------------------------------------------


def test_a_grid_member_reports_a_fire_and_sees_it_with_its_reporting_clock(web, clock):
    page_url = report_incident(web, clock)
    case_id = page_url.rsplit("/", 1)[1]
    sync_clocks(web, kinds.INCIDENT, case_id)
    seen = text(web.get(page_url, headers=as_("grid_member")).text)
    assert "火灾" in seen and "尚未向上级报告" in seen and "村口柴草垛" in seen
    assert "向上级报告" in seen and "还剩" in seen  # the upward-reporting clock, counting down
    assert "Wang Fang 上报了突发事件" in seen
    listed = text(web.get("/app/incidents", headers=as_("grid_member")).text)
    assert "火灾" in listed and "村口柴草垛" in listed


def test_the_incident_report_is_in_english_when_asked(web, clock):
    page = web.get(report_incident(web, clock), headers=as_("grid_member", "en"))
    seen = text(page.text)
    assert "Fire" in seen and "Reported, not yet reported upward" in seen and "火灾" not in seen


def test_a_safety_accident_without_casualty_counts_is_refused_beside_the_field_and_records_nothing(
    web, clock
):
    before = head(web)
    answer = web.post(
        "/app/incidents",
        data={
            "grid": GRID,
            "kind": "safety_accident",
            "occurred_at": local(clock.now - timedelta(hours=1)),
            "location": "砖厂",
            "description": "脚手架倒塌",
        },
        headers=as_("grid_member"),
    )
    assert answer.status_code == 422
    seen = text(answer.text)
    assert "安全事故须登记受伤和死亡人数" in seen and "本次未作任何登记" in seen
    assert 'value="砖厂"' in answer.text  # what was typed is kept
    assert head(web) == before


def test_an_incident_form_with_nothing_filled_in_names_each_field_in_english(web):
    answer = web.post("/app/incidents", data={}, headers=as_("grid_member", "en"))
    assert answer.status_code == 422
    assert "Please fill this in." in text(answer.text) or "Please choose one of the options." in text(
        answer.text
    )


def test_the_grid_member_is_offered_no_incident_command_her_post_cannot_do(web, clock):
    page_url = report_incident(web, clock)
    seen = text(web.get(page_url, headers=as_("grid_member")).text)
    assert "现在可以办理" not in seen and "记录处置措施" not in seen
    refused = web.post(
        f"{page_url}/handle", data={"measures": "x", "handled_by": "y"}, headers=as_("grid_member")
    )
    assert refused.status_code == 403  # and the page did not offer it


def test_workstation_staff_report_upward_handle_and_close_through_the_incident_page(web, clock):
    page_url = report_incident(web, clock)
    offered = text(web.get(page_url, headers=as_("village_staff")).text)
    assert "向上级报告" in offered and "记录处置措施" in offered and "办结事件" not in offered
    up = web.post(
        f"{page_url}/report_upward",
        data={"level": "township", "recipient": "镇综治中心"},
        headers=as_("village_staff"),
    )
    assert up.status_code == 303, text(up.text)
    handled = web.post(
        f"{page_url}/handle",
        data={"measures": "清理现场", "handled_by": "村消防队"},
        headers=as_("village_staff"),
    )
    assert handled.status_code == 303, text(handled.text)
    page = text(web.get(page_url, headers=as_("village_staff")).text)
    assert "已处置" in page and "镇综治中心" in page and "办结事件" in page
    levels = (
        web.get(page_url, headers=as_("village_staff")).text.split('name="level"')[1].split("</select>")[0]
    )
    assert 'value="township"' not in levels and 'value="county"' in levels  # only higher levels
    closed = web.post(f"{page_url}/close", data={"outcome": "无人员伤亡"}, headers=as_("village_staff"))
    assert closed.status_code == 303, text(closed.text)
    assert "已结案" in text(web.get(page_url, headers=as_("village_staff")).text)


def test_a_closure_without_an_outcome_is_refused_on_the_page_and_records_nothing(web, clock):
    page_url = report_incident(web, clock)
    web.post(f"{page_url}/report_upward", data={"level": "township"}, headers=as_("village_staff"))
    web.post(
        f"{page_url}/handle", data={"measures": "清理", "handled_by": "村里"}, headers=as_("village_staff")
    )
    before = head(web)
    refused = web.post(f"{page_url}/close", data={"outcome": " "}, headers=as_("village_staff"))
    assert refused.status_code == 422
    assert "请填写此项" in text(refused.text).split("办结事件")[-2]  # beside the closing form
    assert head(web) == before


def test_an_incident_of_another_village_is_not_shown(web, clock):
    page_url = report_incident(web, clock)
    assert web.get(page_url, headers=as_("foreign_grid_member")).status_code == 404  # none, to them
    assert "村口柴草垛" not in text(web.get("/app/incidents", headers=as_("foreign_grid_member")).text)


# -- patrols ----------------------------------------------------------------------------------


@pytest.fixture
def shift(web) -> str:
    """A shift on a Qiaotou route this evening: Gao Feng leads, Liu Yang (a grid member who
    also holds a patrol post) walks it."""
    desk, now = web.system.casebook.patrols, web.system.casebook.clock()
    route = desk.establish_route(person("patrol_leader"), node=VILLAGE, name="沿河线", checkpoints=POINTS)
    planned = desk.schedule_shift(
        person("patrol_leader"),
        route_id=route.id,
        leader=person("patrol_leader"),
        members=[person("grid_patroller")],
        planned_start=now + timedelta(minutes=30),
        planned_end=now + timedelta(hours=3),
    )
    return f"/app/patrols/shifts/{planned.id}"


def test_my_shifts_today_lists_the_shift_with_the_time_left_to_its_start(web, shift):
    seen = text(web.get("/app/patrols", headers=as_("grid_patroller")).text)
    assert "沿河线" in seen and "未开始" in seen and "开始：还剩30分钟" in seen
    assert "沿河线" not in text(web.get("/app/patrols", headers=as_("grid_member")).text)


def test_a_grid_member_on_the_team_starts_the_shift_signs_in_at_a_checkpoint_and_reports_a_finding(
    web, shift
):
    who = as_("grid_patroller")
    assert "在起点签到" in text(web.get(shift, headers=who).text)
    assert web.post(f"{shift}/sign_in_at_start", data={}, headers=who).status_code == 303
    sync_clocks(web, kinds.PATROL_SHIFT, shift.rsplit("/", 1)[1])
    page = text(web.get(shift, headers=who).text)
    assert "进行中" in page and "巡逻点位签到" in page and "还剩" in page  # the checkpoint clock
    assert (
        web.post(f"{shift}/sign_in_at_checkpoint", data={"checkpoint": "C1"}, headers=who).status_code == 303
    )
    found = web.post(
        f"{shift}/report_incident_finding",
        data={"checkpoint": "C1", "kind": "fire", "location": "石桥下", "description": "有人烧荒"},
        headers=who,
    )
    assert found.status_code == 303, text(found.text)
    page = text(web.get(shift, headers=who).text)
    assert "Liu Yang已签到" in page and "有人烧荒" in page and "上报了巡逻发现" in page
    incident = web.system.casebook.incidents.recent(person("grid_patroller"))[0]  # type: ignore[attr-defined]
    assert incident.origin_kind == "patrol" and incident.origin_id == shift.rsplit("/", 1)[1]
    assert web.post(f"{shift}/sign_in_at_end", data={}, headers=who).status_code == 303


def test_the_member_is_not_offered_the_leaders_commands_nor_a_second_start(web, shift):
    who = as_("grid_patroller")
    web.post(f"{shift}/sign_in_at_start", data={}, headers=who)
    page = web.get(shift, headers=who).text
    seen = text(page)
    assert "/sign_in_at_start" not in page and "结束本班次" not in seen and "记录点位漏签" not in seen
    assert "您已于2026-03-02 17:00 (UTC+08:00)签到" in seen
    refused = web.post(
        f"{shift}/record_checkpoint_missed", data={"checkpoint": "C2", "reason": "路断"}, headers=who
    )
    assert refused.status_code == 403
    leader = text(web.get(shift, headers=as_("patrol_leader")).text)
    assert "记录点位漏签" in leader


def test_a_checkpoint_sign_in_before_the_start_is_refused_in_chinese_and_records_nothing(web, shift):
    before = head(web)
    refused = web.post(
        f"{shift}/sign_in_at_checkpoint", data={"checkpoint": "C1"}, headers=as_("grid_patroller")
    )
    assert refused.status_code == 409 and "案件当前状态不允许此操作" in text(refused.text)
    assert head(web) == before


def test_a_dispute_finding_with_one_party_is_refused_beside_the_form(web, shift):
    who = as_("grid_patroller")
    web.post(f"{shift}/sign_in_at_start", data={}, headers=who)
    before = head(web)
    refused = web.post(
        f"{shift}/report_dispute_finding",
        data={"category": "neighbourhood", "severity": "minor", "party": ["张三"], "description": "吵架"},
        headers=who,
    )
    assert refused.status_code == 422 and "纠纷至少要有2方当事人" in text(refused.text)
    assert head(web) == before


def test_the_leader_closes_the_shift_and_the_unsigned_checkpoint_is_recorded_missed(web, shift):
    for role in ("patrol_leader", "grid_patroller"):
        web.post(f"{shift}/sign_in_at_start", data={}, headers=as_(role))
    web.post(f"{shift}/sign_in_at_checkpoint", data={"checkpoint": "C1"}, headers=as_("grid_patroller"))
    web.post(f"{shift}/sign_in_at_end", data={}, headers=as_("patrol_leader"))
    closed = web.post(f"{shift}/close_shift", data={"notes": "一切正常"}, headers=as_("patrol_leader"))
    assert closed.status_code == 303, text(closed.text)
    seen = text(web.get(shift, headers=as_("patrol_leader")).text)
    assert "已结束" in seen and "漏签" in seen


# -- the dispute page offers only what the post may do --------------------------------------


def test_the_dispute_page_does_not_offer_the_grid_member_acceptance_her_post_cannot_do(web, clock):
    case = report(web, clock)
    grid_member = text(web.get(case, headers=as_("grid_member")).text)
    mediator = text(web.get(case, headers=as_("mediator")).text)
    assert "受理纠纷" in mediator
    assert "受理纠纷" not in grid_member  # offered before; refused with 403 when tried
    assert web.post(f"{case}/accept", data={}, headers=as_("grid_member")).status_code == 403


# -- explain sentences in the reader's language ----------------------------------------------


def test_the_case_page_explains_each_clock_in_chinese_and_in_english(web, clock):
    case = report(web, clock)
    sync_clocks(web, kinds.DISPUTE, case.rsplit("/", 1)[1])
    chinese = text(web.get(case, headers=as_("mediator")).text)
    assert "网格办理期限——纠纷在网格一级办理、尚未移交村（社区）的期限。" in chinese
    assert "在桥头村一组开始计时" in chinese and "计时中。" in chinese
    assert "规则：24小时，政策第2026.4版。" in chinese
    assert "Started" not in chinese and "Rule:" not in chinese
    english = text(web.get(case, headers=as_("mediator", "en")).text)
    assert "Grid deadline — a dispute open at grid level, before it goes to the village." in english
    assert "at 桥头村一组." in english and "Running." in english
    assert "Rule: 24 hours, policy version 2026.4." in english


def test_every_explain_sentence_reads_the_same_in_english_on_a_page_as_from_the_domain():
    from datetime import UTC, datetime

    from domain.time.explain import Code, Line, explain
    from web import i18n
    from web.explain import in_words

    english = i18n.translations("en").gettext
    moment = datetime(2026, 3, 2, 9, tzinfo=UTC)
    line = Line(
        "Stopped %(at)s: %(outcome)s.",
        {"at": moment, "outcome": Code("outcome", "met: follow-up visit made")},
    )
    assert in_words(line, english) == str(line).replace(
        "met: follow-up visit made", "Met: the follow-up visit was made"
    )
    assert explain  # the English lines the API and `fengqiao explain` give are str() of these
    chinese = i18n.translations("zh-CN").gettext
    assert in_words(line, chinese) == "2026-03-02T17:00:00+08:00停止计时：按期完成：已回访。"


# -- the oral agreement record and the follow-up visit record ----------------------------------


def agree_orally(web: TestClient, case: str) -> None:
    for action, form in (
        ("accept", {}),
        ("reach_agreement", {"form": "oral", "terms": "李四当场道歉，篱笆当天移回"}),
    ):
        done = web.post(f"{case}/{action}", data=form, headers=as_("mediator"))
        assert done.status_code == 303, text(done.text)


def test_an_oral_agreement_prints_as_its_record_linked_from_the_dispute_page(web, clock):
    case = report(web, clock)
    assert "打印口头调解协议登记表" not in text(web.get(case, headers=as_("mediator")).text)
    assert web.get(f"{case}/oral-agreement", headers=as_("mediator")).status_code == 404
    agree_orally(web, case)
    assert "打印口头调解协议登记表" in text(web.get(case, headers=as_("mediator")).text)
    seen = text(web.get(f"{case}/oral-agreement", headers=as_("mediator")).text)
    assert "口头调解协议登记表" in seen and "桥头村人民调解委员会" in seen and "张三、李四" in seen
    assert "口头协议内容 李四当场道歉，篱笆当天移回" in seen and "2026年3月2日" in seen
    assert "登记人（签名）：Li Ming" in seen
    english = text(web.get(f"{case}/oral-agreement", headers=as_("mediator", "en")).text)
    assert "Record of an oral mediation agreement" in english and "March 2, 2026" in english


def test_the_follow_up_record_lists_each_visit_with_performance_and_satisfaction(web, clock):
    case = report(web, clock)
    agree_orally(web, case)
    assert web.get(f"{case}/follow-ups", headers=as_("mediator")).status_code == 404
    visited = web.post(
        f"{case}/make_follow_up_visit",
        data={"performance": "fully", "satisfaction": "satisfied", "notes": "双方已和好"},
        headers=as_("mediator"),
    )
    assert visited.status_code == 303, text(visited.text)
    assert "打印回访记录" in text(web.get(case, headers=as_("mediator")).text)
    seen = text(web.get(f"{case}/follow-ups", headers=as_("mediator")).text)
    assert "回访记录" in seen and "第1次回访" in seen and "回访人 Li Ming" in seen
    assert "已履行" in seen and "满意" in seen and "回访情况 双方已和好" in seen
    assert web.get(f"{case}/follow-ups", headers=as_("foreign_grid_member")).status_code == 404

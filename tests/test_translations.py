"""Every word the workbench shows is in Chinese: a string marked in the pages or templates
without a Chinese translation, a label missing for a code, or a catalogue out of step with the
code fails here."""

from __future__ import annotations

from web import labels, messages


def test_every_marked_string_is_in_both_catalogues():
    ids = messages.extracted()
    for locale in messages.CATALOGUES:
        catalogue = {m.id for m in messages.load(locale) if m.id}
        assert ids - catalogue == set(), f"run `make messages`: missing from {locale}"


def test_every_marked_string_has_a_chinese_translation():
    untranslated = sorted(m.id for m in messages.load("zh_CN") if m.id and not m.string)
    assert untranslated == []


def test_no_catalogue_keeps_strings_the_code_no_longer_marks():
    ids = messages.extracted()
    for locale in messages.CATALOGUES:
        stale = {m.id for m in messages.load(locale) if m.id} - ids
        assert stale == set(), f"run `make messages`: stale in {locale}"


def test_every_code_of_every_shown_enum_has_a_label():
    for kind, enum in labels.ENUMS.items():
        assert {m.value for m in enum} <= set(labels.LABELS[kind]), kind


def test_an_unknown_code_shows_as_itself_rather_than_as_nothing():
    assert labels.label("dispute.status", "not_a_status", lambda s: s) == "not_a_status"


def test_every_outcome_a_dispute_clock_records_reads_in_chinese():
    from web import i18n

    gettext = i18n.translations("zh-CN").gettext
    # as service/disputes/clocks.py, service/disputes/desk.py and service/timekeeping.py write them
    recorded = {
        "met: agreement reached at grid level": "按期完成：在网格一级达成调解协议",
        "left the level: now at village level": "已离开本级：现在村（社区）一级办理",
        "ended: the dispute is referred out": "已结束：纠纷状态：已引导通过法定途径解决",
        "met: follow-up visit made": "按期完成：已回访",
        "met: judicial confirmation requested": "按期完成：已申请司法确认",
        "window closed: judicial confirmation was not requested": "期限届满：未申请司法确认",
        "no longer applies: the dispute is closed": "不再适用：纠纷状态：已结案",
        "escalated to village level": "已上报至村（社区）一级",
        "overdue at township level: to be referred out": "乡镇（街道）一级逾期，应引导通过法定途径解决",
        "the follow-up visit was not made in time": "未按期回访",
        "late: agreement reached at village level, after the due time": (
            "逾期：在村（社区）一级达成调解协议，已超过期限"
        ),
    }
    for text, words in recorded.items():
        assert labels.outcome(text, gettext) == words, text
    assert labels.outcome("something new", gettext) == "something new"  # shown as recorded


def test_a_refusal_reads_in_the_persons_language_whether_written_out_or_composed():
    from domain.errors import InvalidValue
    from web.i18n import translations
    from web.pages import reason_in

    chinese, english = translations("zh-CN").gettext, translations("en").gettext
    written = InvalidValue("reason", "say why the attachment is corrected")
    assert reason_in(written, chinese) == "请说明更正附件的原因"
    assert reason_in(written, english) == "say why the attachment is corrected"
    # composed with the values at hand: the catalogue translates the template, the values go in
    composed = InvalidValue("of_event", "the case has no event {of_event}", of_event=9)
    assert composed.reason == "the case has no event 9"  # the API's detail, as before
    assert reason_in(composed, chinese) == "本案没有第9条记录"
    assert reason_in(composed, english) == "the case has no event 9"
    # a domain code the labels know goes in in the person's words; a node's code as given
    kinds = InvalidValue(
        "parent",
        "a {kind} belongs to a {expected}, not a {found}",
        kind="grid",
        expected="village",
        found="county",
    )
    assert reason_in(kinds, chinese) == "网格应隶属于村（社区），而不是县"
    figures = InvalidValue("file", "the picture has more than {max_pixels:,} pixels", max_pixels=50_000_000)
    assert reason_in(figures, chinese) == "该图片超过50,000,000像素"
    # a code named in prose ("petition agent"), a list joined with "or", a span, an attachment's kind
    post = InvalidValue(
        "node",
        "a {post} is held at a {kinds}, not a {kind}",
        post="petition agent",
        kinds="township or village",
        kind="grid",
    )
    assert reason_in(post, chinese) == "信访代理员的职务设在乡镇（街道）或村（社区），而不是网格"
    assert reason_in(post, english) == "a petition agent is held at a township or village, not a grid"
    late = InvalidValue(
        "late_reason",
        "a command dated more than {grace} in the past is recorded late: say why"
        " (allowed for {action}: up to {allowed})",
        grace="1 hour",
        action="report dispute",
        allowed="7 days",
    )
    assert (
        reason_in(late, chinese)
        == "业务时间早于现在1小时以上的操作属于补录，请说明原因（此项操作最多可补录7天）"
    )
    big = InvalidValue(
        "file",
        "the file holds {data:,} bytes; a {kind} may hold at most {limit:,} bytes",
        data=12,
        kind="photo",
        limit=10,
    )
    assert reason_in(big, chinese) == "该文件有12字节；照片最多10字节"
    # a value quoted as typed (`!r`) is never translated, even when it looks like a code
    typed = InvalidValue(
        "code", "{code!r} is a {kind}, not a {wanted}", code="village", kind="village", wanted="grid"
    )
    assert reason_in(typed, chinese) == "'village'是村（社区），而不是网格"
    # one the catalogue cannot hold (a parser's message): the lead in Chinese, then the system's words
    parsed = InvalidValue("template", "line 3: expected '='")
    assert reason_in(parsed, chinese) == "请检查此项。（line 3: expected '='）"
    assert reason_in(parsed, english) == "line 3: expected '='"


def test_every_translated_template_keeps_the_places_of_its_values():
    """A translation that renamed `{limit:,}`, or named a place the template lacks, would fail when
    it is shown. A translation may leave out a value the person's language has no words for (an
    action named in English prose), as long as the sentence still says what to do."""
    import re

    places = re.compile(r"(?<!\{)\{[^{}]*\}")
    for message in messages.load("zh_CN"):
        if message.id and message.string and "{" in message.id:
            assert set(places.findall(message.string)) <= set(places.findall(message.id)), message.id
            assert places.findall(message.string), message.id  # some value still named


def test_no_refusal_is_composed_outside_a_template():
    """Every reason the domain and the desks give for a value is a literal or a template with its
    values as keywords, so that the catalogue can hold it (an f-string would be in English only)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    composed = []
    for folder in ("domain", "service", "api", "projections", "web"):
        for path in (root / folder).rglob("*.py"):
            calls = [
                n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(n, ast.Call)
            ]
            for call in calls:
                refusal = getattr(call.func, "id", None) in ("InvalidValue", "NoRule") and len(call.args) > 1
                if refusal and isinstance(call.args[1], ast.JoinedStr | ast.BinOp | ast.IfExp):
                    composed.append(f"{path.relative_to(root)}:{call.lineno}")
    assert composed == []


def test_a_case_changed_meanwhile_or_a_form_sent_for_something_else_reads_in_chinese():
    from domain.errors import CommandIdReused, ConcurrentChanges, StaleVersion
    from web.i18n import translations
    from web.pages import problems_of

    chinese = translations("zh-CN").gettext
    for error in (StaleVersion(3, 4), ConcurrentChanges(5)):
        found = problems_of(error, chinese)
        assert found.status == 409 and found.form == [
            "有人同时修改了此案件，本次未作任何登记。请重新查看后再试。"
        ]
    reused = problems_of(CommandIdReused("c1", "hold_session"), chinese)
    assert reused.status == 409 and reused.form == ["此表单已用于另一项操作。请重新打开页面，重新填写。"]

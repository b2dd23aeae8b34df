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
    from web.i18n import translations
    from web.pages import reason_in

    chinese, english = translations("zh-CN").gettext, translations("en").gettext
    assert reason_in("say why the attachment is corrected", chinese) == "请说明更正附件的原因"
    assert reason_in("say why the attachment is corrected", english) == "say why the attachment is corrected"
    composed = "the dispute has no event 9"
    assert reason_in(composed, chinese) == f"请检查此项。（{composed}）"
    assert reason_in(composed, english) == composed

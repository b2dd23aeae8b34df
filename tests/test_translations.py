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

"""Languages: zh-CN by default, English complete too. Message catalogues are the .po files
under web/locale/, compiled in memory at start (no binary files in the repository)."""

from __future__ import annotations

import gettext
import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = {"zh-CN": "中文", "en": "English"}
DEFAULT = "zh-CN"
COOKIE = "lang"
_CATALOGUE = {"zh-CN": "zh_CN", "en": "en"}


@cache
def translations(lang: str) -> gettext.GNUTranslations:
    path = LOCALE_DIR / _CATALOGUE[lang] / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as po:
        catalog = read_po(po, locale=_CATALOGUE[lang])
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def babel_locale(lang: str) -> str:
    return _CATALOGUE[lang]


def choose(cookie: str | None, accept_language: str | None) -> str:
    """The person's choice (the cookie) first, then the browser's first language we speak,
    else Chinese."""
    if cookie in LANGUAGES:
        return cookie
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT

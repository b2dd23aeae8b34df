"""Keeps the message catalogues in step with the code: extracts every marked string from the
pages and templates and updates web/locale/*/messages.po, keeping what is translated
(`python -m web.messages`; `make messages`). The tests fail while any Chinese is missing."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
WEB = Path(__file__).resolve().parent
CATALOGUES = {
    "zh_CN": WEB / "locale/zh_CN/LC_MESSAGES/messages.po",
    "en": WEB / "locale/en/LC_MESSAGES/messages.po",
}
# The explain sentences are marked where the domain writes them, and translated at the edge; so
# are the reasons the domain and the desks give for refusing a value (`InvalidValue(field, reason)`,
# its second argument: a literal, or a template whose values come as keywords), which a page shows
# beside the field (web/pages.py: reason_in; docs/architecture.md, "A refusal in the person's language").
METHOD_MAP = [
    ("web/**.py", "python"),
    ("web/templates/**.html", "jinja2"),
    ("domain/**.py", "python"),
    ("service/**.py", "python"),
    ("api/**.py", "python"),
    ("projections/**.py", "python"),
]
OPTIONS = {"web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "InvalidValue": (2,)}
KEYWORDS |= {
    "NoRule": (2,),
    "_text": (3,),
    "_required": (3,),
}  # the domain's helpers that refuse an empty text


def extracted() -> set[str]:
    """Every message id marked in the web package, the domain's explain sentences and the
    reasons written out where a value is refused."""
    found = set()
    skipped = io.StringIO()  # babel names each formatted reason it cannot extract: expected in the domain
    with contextlib.redirect_stderr(skipped):
        for _, _, message, _, _ in extract_from_dir(
            ROOT, METHOD_MAP, OPTIONS, KEYWORDS, strip_comment_tags=True, directory_filter=_only_web
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _only_web(dirpath: str) -> bool:
    rel = Path(dirpath).resolve().relative_to(ROOT)
    return rel == Path(".") or rel.parts[0] in ("web", "domain", "service", "api", "projections")


def load(locale: str) -> Catalog:
    with CATALOGUES[locale].open("rb") as po:
        return read_po(po, locale=locale)


def update() -> None:
    ids = extracted()
    for locale, path in CATALOGUES.items():
        old = load(locale) if path.exists() else Catalog(locale=locale)
        new = Catalog(
            locale=locale,
            project="Fengqiao",
            domain="messages",
            fuzzy=False,
            creation_date=old.creation_date,
            revision_date=old.revision_date,
        )
        for msgid in sorted(ids):
            kept = old.get(msgid)
            new.add(msgid, kept.string if kept else "")
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as po:
            write_po(po, new, omit_header=False, sort_output=True, width=110)


if __name__ == "__main__":
    update()

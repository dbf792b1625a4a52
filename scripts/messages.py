"""Keep the screens' message catalogues in step with the templates and views.

    uv run --frozen python scripts/messages.py          # add new messages to ja and en .po
    uv run --frozen python scripts/messages.py --check  # exit 1 if any is missing or empty

The ``.po`` files are committed and read at run time (mnvault.web.i18n): no compile step.
tests/test_web_i18n.py runs the check, so a screen cannot ship an untranslated message.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "mnvault"
LOCALE = SOURCE / "web" / "locale"
METHODS = [
    ("**/templates/**.html", "jinja2.ext:babel_extract"),
    ("**/views.py", "python"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def extracted() -> dict[str, list[str]]:
    """Each message id the screens use, with where it is used."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        SOURCE, METHODS, OPTIONS, keywords=KEYWORDS
    ):
        ids = message if isinstance(message, tuple) else (message,)
        for msgid in ids:
            if msgid:
                found.setdefault(msgid, []).append(f"{filename}:{lineno}")
    return found


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "messages.po"


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if not path.exists():
        return Catalog(locale=lang, project="mnvault")
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def missing(lang: str) -> list[str]:
    catalog = load(lang)
    return sorted(m for m in extracted() if not (catalog.get(m) and catalog.get(m).string))


def update(lang: str) -> int:
    catalog = load(lang)
    used = extracted()
    added = 0
    for msgid in sorted(used):
        if catalog.get(msgid) is None:
            # English ids: the English catalogue starts from the id itself.
            catalog.add(msgid, msgid if lang == "en" else "", locations=[])
            added += 1
    for message in list(catalog):
        if message.id and message.id not in used:
            catalog.delete(message.id)
    with po_path(lang).open("wb") as handle:
        write_po(handle, catalog, width=100, omit_header=False, sort_output=True,
                 no_location=True)  # fmt: skip
    return added


def main() -> int:
    if "--check" in sys.argv:
        gaps = {lang: missing(lang) for lang in ("ja", "en")}
        for lang, ids in gaps.items():
            for msgid in ids:
                print(f"{lang}: missing {msgid!r}")
        return 1 if any(gaps.values()) else 0
    for lang in ("ja", "en"):
        print(f"{lang}: {update(lang)} new")
    return 0


if __name__ == "__main__":
    sys.exit(main())

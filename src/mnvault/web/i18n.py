"""The screens' languages: Japanese by default, English by choice; gettext catalogues.

The catalogues are the committed ``.po`` files under ``locale/``, read with Babel when
first needed: no compile step, so a fresh clone serves both languages as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po
from fastapi import Request

LANGUAGES = ("ja", "en")
DEFAULT = "ja"
COOKIE = "mnv_lang"
LOCALE_DIR = Path(__file__).parent / "locale"


@dataclass(frozen=True)
class Translations:
    """What Jinja2's i18n extension needs: ``gettext`` and ``ngettext``."""

    lang: str
    messages: Mapping[str, str]

    def gettext(self, message: str) -> str:
        return self.messages.get(message) or message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)

    def pick(self, ja: str, en: str) -> str:
        """For texts that already come in both languages (the services' errors)."""
        return ja if self.lang == "ja" else en


def catalogue_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"


@cache
def translations(lang: str) -> Translations:
    if lang not in LANGUAGES:
        lang = DEFAULT
    with catalogue_path(lang).open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    messages = {str(m.id): str(m.string) for m in catalog if m.id and m.string and not m.fuzzy}
    return Translations(lang, messages)


def language_of(request: Request) -> str:
    """The cookie the language switch sets; Japanese when there is none or it is odd."""
    chosen = request.cookies.get(COOKIE, DEFAULT)
    return chosen if chosen in LANGUAGES else DEFAULT

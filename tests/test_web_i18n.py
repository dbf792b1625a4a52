"""The screens' catalogues: every message the templates and views use has a Japanese and
an English translation in the committed .po files (read at run time, no compile step)."""

from __future__ import annotations

from scripts.messages import extracted, missing

from mnvault.web import i18n


def test_every_message_is_translated_in_both_catalogues():
    assert len(extracted()) > 100
    assert missing("ja") == []
    assert missing("en") == []


def test_catalogues_load_from_the_po_files_and_japanese_is_the_default():
    ja, en = i18n.translations("ja"), i18n.translations("en")
    assert ja.gettext("Sign in") == "サインイン"
    assert en.gettext("Sign in") == "Sign in"
    assert i18n.translations("fr").lang == i18n.DEFAULT == "ja"
    assert ja.pick("はい", "yes") == "はい" and en.pick("はい", "yes") == "yes"

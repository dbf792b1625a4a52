"""Japanese, not codes (issue #18): operations, affairs, roles, outcomes and refusal
reasons read as Japanese labels on every main page, for every role; the codes the trail
keeps (``number:read``, ``withholding_slip``, ``clerk``, ``prev_hash`` …) appear only as
secondary text for auditors (``class="code-ref"``)."""

from __future__ import annotations

import random
import re
from html import unescape

from sqlalchemy import select

from mnvault import labels
from mnvault.access.models import User
from mnvault.audit.actions import AuditAction
from mnvault.incidents import views as incident_views
from mnvault.numbers import generate_my_number
from mnvault.training import services as training
from mnvault.vault import labels as vault_labels
from mnvault.web import i18n
from tests.conftest import MaskedStr
from tests.support.labels import raw_codes
from tests.support.web import Browser, Web, acquire_on_screen, register_person, web

__all__ = ["web"]

# Logins and names a person would have: "clerk" as a login would read as the role's code.
PEOPLE = {"admin": ("yamada", "山田 花子"), "clerk": ("sato", "佐藤 一郎"),
          "manager": ("suzuki", "鈴木 次郎"), "auditor": ("takahashi", "高橋 三郎"),
          "clerk2": ("ito", "伊藤 四郎"), "payroll": ("kyuyo", "給与システム")}  # fmt: skip

# Pages beyond the main navigation that each role reaches from it (sub-navigation).
EXTRA = {
    "admin": ["/admin/assignments", "/admin/tokens", "/admin/keys", "/admin/organisation"],
    "auditor": ["/audit/verify", "/audit/reports", "/audit/questions", "/disposal/batches"],
    "manager": ["/disposal/batches", "/places/devices", "/places/takeouts"],
    "clerk": [],
}


def _visible(html: str) -> str:
    """The text a person reads: no tags, attributes, scripts, or auditors' code-refs."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    # The guidelines' English beside the Japanese is prose, not a code.
    html = re.sub(r'<(p|span|div)\b[^>]*lang="en"[^>]*>.*?</\1>', " ", html, flags=re.S)
    html = re.sub(r'<(small|code|span)\b[^>]*class="code-ref"[^>]*>.*?</\1>', " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"&[a-z]+;|&#\d+;", " ", html)


def _japanese_labels() -> dict[str, str]:
    """Each Japanese label that has an English one (labels' tables, the screens' catalogue):
    under the English switch, none should show."""
    pairs: list[tuple[str, str]] = [labels.action(a.value) for a in AuditAction]
    for table in (labels.ACTIONS, labels.AFFAIRS, labels.ROLES, labels.OUTCOMES,
                  labels.AFFAIR_KINDS, labels.OBLIGATIONS, labels.TAKEOUT_COLUMNS,
                  labels.CSV_COLUMNS, vault_labels.PERSON_KINDS, vault_labels.RELATIONS,
                  vault_labels.PERSON_STATUSES, vault_labels.HR_EVENTS):  # fmt: skip
        pairs.extend(table.values())
    pairs.extend((ja, en) for en, ja in labels.REASONS.items())
    for names in (incident_views.EVENT_EN, incident_views.SYSTEM_EN, incident_views.FLAG_EN):
        japanese = {**incident_views.EVENT_JA, **incident_views.SYSTEM_JA, **incident_views.FLAG_JA}
        pairs.extend((japanese[code], en) for code, en in names.items())
    pairs.extend([*training.KIND_NAMES.values(), *training.METHOD_NAMES.values()])
    ja, en = i18n.translations("ja"), i18n.translations("en")
    pairs.extend((text, en.gettext(msgid)) for msgid, text in ja.messages.items())
    return {j: e for j, e in pairs if j != e and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", j)}


JAPANESE_LABELS = _japanese_labels()


def _untranslated(html: str) -> list[str]:
    """Japanese labels on a page shown in English (their English exists): a text of its
    own (a cell, an option, a message), not a word inside quoted guideline text or data."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    nodes = {unescape(n).strip() for n in re.split(r"<[^>]+>", html)}
    return sorted(n for n in nodes if n in JAPANESE_LABELS)


def _nav(html: str) -> list[str]:
    found = re.search(r"<nav\b.*?</nav>", html, re.S)
    assert found, html
    return re.findall(r'href="(/[^"#?]*)"', found.group(0))


def test_the_catalogue_names_every_audit_action_and_outcome() -> None:
    """Issue #18: no operation the trail can record falls back to 「その他」."""
    unnamed = [a.value for a in AuditAction if labels.pair("action", a) == labels.OTHER]
    assert unnamed == []
    assert labels.text("action", "number:read") == "個人番号の閲覧"
    assert labels.text("action", "number:read", "en") == "My Number: read"
    assert labels.text("affair", "withholding_slip").startswith("給与所得の源泉徴収票")
    assert labels.text("role", "clerk") == "事務取扱担当者"
    assert labels.text("reason", "person outside every assignment") == "担当範囲外の対象者です"


def _rename(web: Web) -> None:
    with web.api.vault.transaction() as session:
        for user in session.scalars(select(User).where(User.login.in_(PEOPLE))):
            user.login, user.display_name = PEOPLE[user.login]


def _walk(browser: Browser, extra: list[str], lang: str = "ja") -> dict[str, list[str]]:
    home = browser.get("/")
    assert home.status_code == 200, home.text
    found: dict[str, list[str]] = {}
    for path in dict.fromkeys(["/", *_nav(home.text), *extra]):
        page = browser.get(path)
        if page.status_code != 200:
            continue  # what each role may reach is the navigation's own test
        raw = raw_codes(_visible(page.text), lang)
        if lang == "en":
            raw += _untranslated(page.text)
        if raw:
            found[path] = raw
    return found


def test_main_pages_speak_japanese_to_every_role(web: Web) -> None:
    """Issue #18: a walk of the main pages as admin, auditor, manager and clerk, with a
    person, an acquisition and a refused read in the trail, finds no raw code."""
    _rename(web)
    web.api.secrets.clear()
    browsers = {role: web.browser() for role in EXTRA}
    for role, browser in browsers.items():
        browser.sign_in(PEOPLE[role][0])
    clerk = browsers["clerk"]
    person_id = register_person(clerk, "E-JA-1")
    acquire_on_screen(clerk, person_id, MaskedStr(generate_my_number(random.Random(1818))))
    outsider = web.browser()
    # Issue #18: the key is shown grouped for typing, not as the whole otpauth URI.
    outsider.submit("/sign-in", "/sign-in", web.api.credentials(PEOPLE["clerk2"][0]))
    enrol = _visible(outsider.submit("/sign-in/enrol", "/sign-in/enrol", {}).text)
    assert "otpauth://" not in enrol and re.search(r"(?:[A-Z2-7]{4} ){7}[A-Z2-7]{1,4}", enrol)
    outsider.sign_in(PEOPLE["clerk2"][0])
    refused = outsider.get(f"/persons/{person_id}")
    assert refused.status_code in (403, 404) and not raw_codes(_visible(refused.text))
    extra = EXTRA | {
        "clerk": [f"/persons/{person_id}"],
        "auditor": [*EXTRA["auditor"], "/audit/entries/1"],
    }
    found = {role: _walk(browser, extra[role]) for role, browser in browsers.items()}
    assert {role: pages for role, pages in found.items() if pages} == {}
    # The labels are there, not merely the codes gone.
    assert "個人番号の取得" in _visible(browsers["auditor"].get("/audit").text)
    # A refusal reads as one (the walk no longer meets a refused page of its own: issue #18's
    # navigation shows each role only what it can use).
    assert labels.text("outcome", "denied") == "拒否"
    person = _visible(clerk.get(f"/persons/{person_id}").text)
    assert "給与所得の源泉徴収票" in person and "個人番号の取得" in person
    # The copy-edit: 対象者一覧, 社員番号等, 在籍 (not 本人一覧, 外部参照ID, 生存).
    assert "対象者一覧" in person and "本人一覧" not in person and "生存" not in person
    assert re.search(r"状態\s+在籍", person), person
    assert "社員番号等" in _visible(clerk.get("/persons/new").text)
    # Issue #18 (polish, item 2): the token's 名前 is its purpose, with a hint; the key page
    # says in plain words what the keyring, rotating and sealing are.
    admin = browsers["admin"]
    tokens = admin.get("/admin/tokens").text
    assert '<label for="token-name">用途・名称</label>' in tokens and "token-name-hint" in tokens
    assert "氏名" not in _visible(tokens)
    keys = _visible(admin.get("/admin/keys").text)
    for said in ("鍵束とは", "親鍵の更新（ローテーション）とは", "封印とは", "mnvault seal"):
        assert said in keys, said
    assert "KEK" not in keys and "包まれた" not in keys and "ローテーションが" not in keys
    # Issue #18 (polish, item 3): the same walk under the English switch finds no raw
    # code and no Japanese label whose English exists.
    for browser in browsers.values():
        browser.submit("/", "/language", {"lang": "en", "next": "/"})
    found = {role: _walk(browser, extra[role], "en") for role, browser in browsers.items()}
    assert {role: pages for role, pages in found.items() if pages} == {}
    outsider.submit("/", "/language", {"lang": "en", "next": "/"})
    refused = outsider.get(f"/persons/{person_id}")
    assert refused.status_code in (403, 404)
    assert not _untranslated(refused.text) and not raw_codes(_visible(refused.text), "en")

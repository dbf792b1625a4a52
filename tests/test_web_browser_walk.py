"""The walk of issue #18 in a real browser: each role signs in, follows every link of its
menu and its dashboard, and reads every page as Chromium renders it — no dead end (403/404),
no raw code in the visible text, times in the organisation's zone in the one format.

The same walk through the app, with more data on the pages and the English switch, is
tests/test_web_labels.py and tests/test_web_navigation.py; this one reads what is shown
(CSS applied, hidden elements left out), which the HTML alone cannot say.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mnvault import local_time
from mnvault.access.models import User
from tests.support.browser import Person, Site, chromium, recorded, site
from tests.support.labels import raw_codes

__all__ = ["chromium", "site"]

pytestmark = pytest.mark.slow

# Logins and names a person would have: "clerk" as a name would read as the role's code.
PEOPLE = {"admin": ("yamada", "山田 花子"), "auditor": ("takahashi", "高橋 三郎"),
          "manager": ("suzuki", "鈴木 次郎"), "clerk": ("sato", "佐藤 一郎")}  # fmt: skip

# The text a person reads: the auditors' code references and the guidelines' English
# beside the Japanese are secondary text, hidden here as a reader's eye skips them.
READ = """() => {
  for (const e of document.querySelectorAll('.code-ref, [lang="en"]')) e.hidden = true;
  return document.body.innerText;
}"""
LINKS = """() => [...document.querySelectorAll('nav a[href^="/"], main a[href^="/"]')]
  .map(a => a.getAttribute('href').split('#')[0].split('?')[0])"""
TIME = re.compile(r"\b\d{4}/\d{2}/\d{2} \d{2}:\d{2}\b")
# Links that act rather than show (they are forms' targets, not pages), and downloads.
NOT_PAGES = re.compile(r"^/(sign-out|language)|/download$|\.(csv|xlsx|pdf|docx)$")


def _rename(site: Site) -> None:
    with site.api.vault.transaction() as session:
        for user in session.scalars(select(User).where(User.login.in_(PEOPLE))):
            user.login, user.display_name = PEOPLE[user.login]
    site.secrets.clear()


def test_every_role_walks_its_menu_and_dashboard_in_chromium(site: Site, chromium) -> None:
    """Issue #18, "Done means": the labels, links and time-zone walks in Playwright."""
    _rename(site)
    started = local_time.shown(datetime.now(UTC) - timedelta(minutes=1))
    dead: dict[str, list[str]] = {}
    raw: dict[str, list[str]] = {}
    times: list[str] = []
    for role, (login, _name) in PEOPLE.items():
        person = Person(site, chromium)
        with recorded(person.page, f"walk_{role}"):
            person.sign_in(login)
            links = dict.fromkeys(["/", *person.page.evaluate(LINKS)])
            for path in (p for p in links if not NOT_PAGES.search(p)):
                answer = person.go(path)
                if answer is None or answer.status >= 400:  # type: ignore[attr-defined]
                    dead.setdefault(role, []).append(path)
                    continue
                text = person.page.evaluate(READ)
                if found := raw_codes(text):
                    raw.setdefault(role, []).append(f"{path}: {', '.join(found)}")
                times += TIME.findall(text)
            assert person.csp_violations == []
        person.context.close()
    ended = local_time.shown(datetime.now(UTC) + timedelta(minutes=1))
    assert dead == {}, f"links that do not open: {dead}"
    assert raw == {}, f"raw codes in what a person reads: {raw}"
    # The walk's own sign-ins and reads are on the pages (the auditor's trail, the
    # dashboards), each time in Tokyo: within the walk, read in the one format.
    recent = [t for t in times if t >= started]
    assert recent, f"no time of this walk is shown in the organisation's zone: {times[:5]}"
    assert all(t <= ended for t in recent), recent

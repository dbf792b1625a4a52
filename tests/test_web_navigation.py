"""Role-aware navigation, no dead ends (issue #18, "Role-aware navigation"): every role
sees only what it can use, every link in the menu and on the dashboard opens, a waiting
take-out on the manager's dashboard opens its request, and no one is offered a decision
on their own request. One world, walked by every role (TestClient: cheap)."""

from __future__ import annotations

import re

import pyrage

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import User
from mnvault.affairs.services import get_affair
from tests.support.web import register_person
from tests.web_support import Browser, Web, web

__all__ = ["web"]

SLIP = "withholding_slip"
HREF = re.compile(r'<a href="(/[^"#]*)[^"]*"')
NAV = re.compile(r'<nav aria-label="[^"]*">(.*?)</nav>', re.S)
MAIN = re.compile(r'<main id="main">(.*?)</main>', re.S)
EMPTY_SELECT = re.compile(r'<select id="([^"]+)" name="[^"]+" required>\s*</select>')


def _links(html: str, part: re.Pattern[str]) -> set[str]:
    found = part.search(html)
    return set(HREF.findall(found.group(1))) if found else set()


def _request_export(browser: Browser) -> str:
    recipient = str(pyrage.x25519.Identity.generate().to_public())
    answer = browser.submit(
        "/exports", "/exports", {"affair": SLIP, "purpose": "委託", "recipient": recipient}
    )
    found = re.fullmatch(r"/exports/([0-9a-f-]{36})", answer.url.path)
    assert found, answer.text
    return found.group(1)


def _walk(browser: Browser, login: str) -> tuple[set[str], set[str]]:
    """Open every menu and dashboard link; fail on a dead end or a required choice
    with nothing to choose (a form the role cannot submit)."""
    board = browser.get("/")
    assert board.status_code == 200, board.text
    menu, dashboard = _links(board.text, NAV), _links(board.text, MAIN)
    for link in sorted(menu | dashboard):
        page = browser.get(link)
        assert page.status_code == 200, f"{login}: {link} answered {page.status_code}"
        empty = EMPTY_SELECT.findall(page.text)
        assert not empty, f"{login}: {link} asks to choose {empty} from nothing"
    return menu, dashboard


def test_every_role_sees_only_links_that_open(web: Web):
    """Issue #18 role-aware navigation: the menu follows the permission checks the
    services make; every link in it and on the dashboard opens for the role."""
    with web.api.vault.transaction() as session:
        admin = Context(actor_id=web.api.users["admin"], organisation_id=web.api.organisation_id)
        manager = session.get(User, web.api.users["manager"])
        access.assign(
            session, admin, user=manager, affair=get_affair(session, web.api.organisation_id, SLIP)
        )
    clerk = web.browser()
    clerk.sign_in("clerk")
    waiting = register_person(clerk, "NAV-1", name="未取得 一郎")
    by_clerk = _request_export(clerk)
    boss = web.browser()
    boss.sign_in("manager")
    own = _request_export(boss)

    browsers = {"clerk": clerk, "manager": boss}
    for login in ("admin", "auditor", "clerk2"):
        browsers[login] = web.browser()
        browsers[login].sign_in(login)
    menus: dict[str, set[str]] = {}
    for login, browser in browsers.items():
        menus[login], dashboard = _walk(browser, login)
        if login == "manager":
            # A waiting take-out on the dashboard opens its request.
            assert f"/exports/{by_clerk}" in dashboard and f"/exports/{own}" in dashboard
            # Issue #18 (polish, item 4): each safeguard group's line opens its group.
            assert re.search(r'<li><a href="/compliance#g-[0-9A-Z]+">', browser.get("/").text)
        if login == "clerk":
            assert f"/persons/{waiting}" in dashboard
            # Issue #18 (polish, item 4): each of my affairs opens the affairs page.
            assert "/affairs" in dashboard
        if login == "admin":
            # Issue #18 (polish, item 4): each user row opens the user's page (opened above).
            users = {f"/admin/users/{web.api.users[u]}" for u in ("admin", "clerk", "manager")}
            assert users <= dashboard, dashboard

    assert "/persons" not in menus["auditor"]
    assert "/audit" in menus["auditor"] and "/audit" not in menus["admin"]
    for login in ("admin", "auditor"):
        assert not {"/imports/new", "/exports"} & menus[login], login
    # clerk2 holds no affair: nothing to import or take out; the clerk has both.
    assert not {"/imports/new", "/exports"} & menus["clerk2"]
    assert {"/imports/new", "/exports", "/persons"} <= menus["clerk"]
    assert "/admin/users" in menus["admin"] and "/admin/users" not in menus["manager"]

    # Approve/reject never shows on one's own request; another's request offers it.
    boss_page = boss.get(f"/exports/{own}").text
    assert 'id="own-request"' in boss_page and 'value="approve"' not in boss_page
    assert 'value="approve"' in boss.get(f"/exports/{by_clerk}").text
    assert 'value="approve"' not in clerk.get(f"/exports/{by_clerk}").text

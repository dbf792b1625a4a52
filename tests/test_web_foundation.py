"""The screens' foundation (issue #6 "Safety"): CSRF on every form, a strict CSP, cookie
flags, frame denial, no-store, the language switch, bilingual error pages that keep what
was typed. Plain HTTP through the real app; the browser tests are in test_web_browser.py."""

from __future__ import annotations

import re

from mnvault.web.security import CONTENT_SECURITY_POLICY
from tests.api_support import PASSWORD
from tests.web_support import Web, csrf_of, web

__all__ = ["web"]


def test_pages_are_japanese_by_default_with_strict_headers(web: Web):
    page = web.browser().get("/sign-in")
    assert page.status_code == 200
    assert '<html lang="ja">' in page.text
    assert "サインイン" in page.text
    headers = page.headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"
    # No inline script or style anywhere on the page.
    assert "<script>" not in page.text and "<style" not in page.text
    assert " style=" not in page.text and " onclick=" not in page.text


def test_a_form_without_or_with_a_foreign_csrf_token_is_refused(web: Web):
    browser = web.browser()
    browser.get("/sign-in")
    missing = browser.client.post("/sign-in", data={"login": "admin", "password": PASSWORD})
    assert missing.status_code == 403
    assert "mnv_session" not in missing.headers.get("set-cookie", "")
    assert '<html lang="ja">' in missing.text  # an error page, not JSON
    # A token from another browser's session is no good here.
    other = web.browser()
    foreign = csrf_of(other.get("/sign-in").text)
    refused = browser.client.post(
        "/sign-in", data={"csrf_token": foreign, "login": "admin", "password": PASSWORD}
    )
    assert refused.status_code == 403
    # Signed in, a sign-out without the token is refused too (every unsafe method).
    browser.sign_in("admin")
    assert browser.client.post("/sign-out").status_code == 403
    assert browser.get("/").status_code == 200  # still signed in


def test_cookies_are_httponly_samesite_and_secure_unless_told_otherwise(web: Web):
    browser = web.browser()
    answer = browser.submit("/sign-in", "/sign-in", browser.api.credentials("admin", PASSWORD))
    assert answer.status_code == 200
    cookie = next(h for h in answer.history[0].headers.get_list("set-cookie") if "mnv_session" in h)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Secure" not in cookie  # the test app said: plain HTTP on loopback
    web.api.app.state.cookie_secure = True
    again = web.browser()
    first = again.submit("/sign-in", "/sign-in", again.api.credentials("admin", PASSWORD))
    cookies = [h for r in [*first.history, first] for h in r.headers.get_list("set-cookie")]
    assert all("Secure" in c for c in cookies if "mnv_" in c)


def test_a_failed_sign_in_keeps_the_login_but_not_the_password(web: Web):
    browser = web.browser()
    wrong = browser.submit("/sign-in", "/sign-in", browser.api.credentials("admin", "nope-nope"))
    assert wrong.status_code == 401
    assert 'value="admin"' in wrong.text
    assert "nope-nope" not in wrong.text
    assert "サインインできません" in wrong.text
    browser.submit(wrong.url.path, "/language", {"lang": "en", "next": "/sign-in"})
    wrong = browser.submit("/sign-in", "/sign-in", browser.api.credentials("admin", "nope-nope"))
    assert "sign-in failed" in wrong.text and '<html lang="en">' in wrong.text


def test_the_language_switch_is_a_cookie_and_goes_back_to_the_page(web: Web):
    browser = web.browser()
    browser.sign_in("admin")
    switched = browser.submit("/", "/language", {"lang": "en", "next": "/persons"})
    assert switched.url.path == "/persons"
    assert switched.url.query == b""
    assert '<html lang="en">' in switched.text and "Persons" in switched.text
    home = browser.get("/")
    assert "Dashboard" in home.text and "ダッシュボード" not in home.text
    # Only a path on this site: another host, or a scheme, goes home instead.
    away = browser.submit("/", "/language", {"lang": "ja", "next": "//evil.example/x"})
    assert away.url.host == "testserver" and away.url.path == "/"
    assert '<html lang="ja">' in away.text


def test_signed_out_pages_go_to_sign_in_and_unknown_pages_are_bilingual(web: Web):
    browser = web.browser()
    assert browser.get("/").url.path == "/sign-in"
    assert browser.get("/persons").url.path == "/sign-in"
    missing = browser.get("/no-such-page")
    assert missing.status_code == 404
    assert "ページが見つかりません" in missing.text
    # The JSON API keeps its problem documents.
    api = browser.get("/api/v1/no-such")
    assert api.headers["content-type"] == "application/problem+json"


def test_clerk_enrols_totp_sees_recovery_codes_once_and_gets_a_dashboard(web: Web):
    browser = web.browser()
    first = browser.submit("/sign-in", "/sign-in", browser.api.credentials("clerk", PASSWORD))
    assert first.url.path == "/sign-in/enrol"
    # Until enrolled, nothing else opens.
    assert browser.get("/persons").url.path == "/sign-in/enrol"
    shown = browser.submit("/sign-in/enrol", "/sign-in/enrol", {})
    assert "<svg" in shown.text and "mnvault-qr" in shown.text
    wrong = browser.client.post(
        "/sign-in/enrol/confirm", data={"csrf_token": csrf_of(shown.text), "code": "000000"}
    )
    assert wrong.status_code == 401 and "recovery-codes" not in wrong.text
    home = browser.sign_in("clerk")
    assert home.url.path == "/"
    assert "担当事務" in home.text and "withholding_slip" in home.text
    # A second browser: the password, then the code step.
    other = web.browser()
    step = other.submit("/sign-in", "/sign-in", other.api.credentials("clerk", PASSWORD))
    assert step.url.path == "/sign-in/code"
    assert other.sign_in("clerk").url.path == "/"


def test_role_dashboards(web: Web):
    admin = web.browser()
    home = admin.sign_in("admin").text
    assert "ユーザー" in home and "clerk2" in home
    auditor = web.browser()
    assert "監査記録" in auditor.sign_in("auditor").text
    manager = web.browser()
    assert "承認待ち" in manager.sign_in("manager").text


def test_forced_password_change_then_sign_in_again(web: Web):
    from sqlalchemy import select

    from mnvault.access.models import User

    with web.api.vault.transaction() as session:
        user = session.scalars(select(User).where(User.login == "admin")).one()
        user.must_change_password = True
    browser = web.browser()
    step = browser.submit("/sign-in", "/sign-in", browser.api.credentials("admin", PASSWORD))
    assert step.url.path == "/password"
    assert browser.get("/").url.path == "/password"
    new = "a long and private passphrase 2026"
    differ = browser.submit(
        "/password", "/password",
        {"current_password": PASSWORD, "new_password": new, "repeat_password": new + "x"},
    )  # fmt: skip
    assert differ.status_code == 422 and new not in differ.text
    weak = browser.submit(
        "/password", "/password",
        {"current_password": PASSWORD, "new_password": "password", "repeat_password": "password"},
    )  # fmt: skip
    assert weak.status_code == 422 and "パスワードが要件を満たしていません" in weak.text
    done = browser.submit(
        "/password", "/password",
        {"current_password": PASSWORD, "new_password": new, "repeat_password": new},
    )  # fmt: skip
    assert done.url.path == "/sign-in" and "パスワードを変更しました" in done.text
    assert re.search(r"/sign-in", str(done.url))
    again = browser.submit("/sign-in", "/sign-in", browser.api.credentials("admin", new))
    assert again.url.path == "/sign-in/enrol"  # an admin then enrols TOTP (issue #11)


def test_sign_out_ends_the_session(web: Web):
    browser = web.browser()
    browser.sign_in("admin")
    out = browser.submit("/", "/sign-out", {})
    assert out.url.path == "/sign-in"
    assert browser.get("/").url.path == "/sign-in"


def test_screens_stay_out_of_the_api_schema(web: Web):
    paths = web.api.client.get("/openapi.json").json()["paths"]
    assert all(path.startswith("/api/") or path == "/health" for path in paths), list(paths)


def test_uploads_up_to_the_document_limit_stay_in_memory(web: Web):
    from starlette.formparsers import MultiPartParser

    from mnvault.vault.services import DOCUMENT_MAX_BYTES

    assert MultiPartParser.spool_max_size > DOCUMENT_MAX_BYTES

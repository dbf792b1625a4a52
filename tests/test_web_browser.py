"""The screens in a real browser (issue #6 "Quality"): Debian's Chromium, headless, driven
by Playwright against a real server (uvicorn on a free loopback port, temp data dir).

Flows: sign-in with TOTP enrolment; acquire with identity verification; reveal (its
audit entry, hidden again by reveal.js, never printed); a clerk refused a person outside
their assignments; the English switch; no CSP violation on any page. Under CI=true a
missing Chromium fails; elsewhere it skips. Failures leave a screenshot and the page's
HTML in test-artifacts/.
"""

from __future__ import annotations

import base64
import os
import random
import re
import socket
import threading
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import select

from mnvault.audit.models import AuditEntry
from mnvault.crypto.totp import totp_code
from mnvault.numbers import generate_my_number
from tests.api_support import PASSWORD, SLIP, Api, open_api
from tests.conftest import IN_CI, MaskedStr

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

pytestmark = pytest.mark.slow


def _need_chromium() -> None:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("Chromium (/usr/bin/chromium) is required under CI=true")
        pytest.skip("Chromium is not installed (apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Site:
    api: Api
    base: str
    secrets: dict[str, bytes] = field(default_factory=dict)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    _need_chromium()
    with open_api(tmp_path) as api:
        api.app.state.cookie_secure = False  # plain HTTP on loopback, said explicitly
        api.app.state.reveal_seconds = 2  # short, so the test sees reveal.js hide it
        port = _free_port()
        config = uvicorn.Config(
            api.app, host="127.0.0.1", port=port, log_config=None, lifespan="off"
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            if not thread.is_alive():
                pytest.fail("the server did not start")
            time.sleep(0.05)
        try:
            yield Site(api, f"http://127.0.0.1:{port}")
        finally:
            server.should_exit = True
            thread.join(timeout=10)


@pytest.fixture
def chromium() -> Iterator[object]:
    _need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def recorded(page: object, name: str) -> Iterator[None]:
    """On failure, keep a screenshot and the HTML of where the browser was."""
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        stem = ARTIFACTS / re.sub(r"[^A-Za-z0-9_.-]", "_", name)
        try:
            page.screenshot(path=f"{stem}.png", full_page=True)  # type: ignore[attr-defined]
            Path(f"{stem}.html").write_text(page.content(), encoding="utf-8")  # type: ignore[attr-defined]
        except Exception:  # noqa: S110 - the test's own failure is what matters
            pass
        raise


class Person:
    """One person at a browser: their own context (cookies), their own page."""

    def __init__(self, site: Site, chromium: object) -> None:
        self.site = site
        self.context = chromium.new_context(locale="ja-JP")  # type: ignore[attr-defined]
        self.page = self.context.new_page()
        self.csp_violations: list[str] = []
        self.page.on("console", self._console)

    def _console(self, message: object) -> None:
        text = message.text  # type: ignore[attr-defined]
        if "Content Security Policy" in text:
            self.csp_violations.append(text)

    def go(self, path: str) -> object:
        return self.page.goto(self.site.base + path)

    def sign_in(self, login: str) -> None:
        page = self.page
        self.go("/sign-in")
        page.get_by_label("組織コード").fill(self.site.api.organisation_code)
        page.get_by_label("ユーザー名").fill(login)
        page.get_by_label("パスワード", exact=True).fill(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")  # keyboard only
        if page.url.endswith("/sign-in/enrol"):
            page.get_by_role("button", name="QRコードを表示").click()
            assert page.locator("svg.mnvault-qr").is_visible()
            page.get_by_text("読み取れない場合は手入力してください").click()
            uri = page.locator("#otpauth-uri").inner_text()
            secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
            self.site.secrets[login] = base64.b32decode(secret + "=" * (-len(secret) % 8))
            page.get_by_label("コード").fill(totp_code(self.site.secrets[login], time.time()))
            page.get_by_role("button", name="確認").click()
            assert page.locator("#recovery-codes li").count() == 10
            page.get_by_role("link", name="ダッシュボードへ進む").click()
        elif page.url.endswith("/sign-in/code"):
            code = totp_code(self.site.secrets[login], time.time() + 30)
            page.get_by_label("コード").fill(code)
            page.get_by_role("button", name="サインイン").click()
        page.wait_for_url(self.site.base + "/")


def test_clerk_signs_in_acquires_reveals_and_the_number_hides_again(site: Site, chromium):
    number = MaskedStr(generate_my_number(random.Random(61)))
    clerk = Person(site, chromium)
    page = clerk.page
    with recorded(page, "clerk_flow"):
        clerk.sign_in("clerk")
        assert page.locator("html").get_attribute("lang") == "ja"
        assert page.get_by_role("heading", name="担当事務").is_visible()
        # Register a person, then acquire with identity verification.
        page.get_by_role("navigation").get_by_role("link", name="本人一覧").click()
        page.get_by_role("link", name="本人の登録").click()
        page.get_by_label("種別").select_option("employee")
        page.get_by_label("外部参照ID").fill("E900")
        page.get_by_label("氏名").fill("試験 花子")
        page.get_by_role("button", name="登録する").click()
        person_id = page.url.rsplit("/", 1)[1]
        page.get_by_role("link", name="個人番号の取得").click()
        page.locator(f"#affair-{SLIP}").check()
        page.get_by_label("個人番号（12桁）").fill(number)
        page.get_by_label("番号確認の書類").select_option("my_number_card")
        page.get_by_label("身元確認の書類").select_option("drivers_licence")
        page.get_by_label("身元確認書類の画像").set_input_files(
            {"name": "licence.png", "mimeType": "image/png",
             "buffer": b"\x89PNG\r\n\x1a\n" + b"\x00" * 100}
        )  # fmt: skip
        page.get_by_role("button", name="取得する").click()
        page.wait_for_url(f"{site.base}/persons/{person_id}")
        assert "************" in page.content() and number not in page.content()
        assert page.locator("#verification").get_by_text("運転免許証").is_visible()
        assert "image/png" in page.locator("#documents").inner_text()
        # Reveal for the affair: shown, audited, never printed, hidden again by reveal.js.
        page.get_by_label("利用する事務").select_option(SLIP)
        page.get_by_role("button", name="表示").click()
        shown = page.locator("#revealed-number")
        assert shown.inner_text() == number
        assert number not in page.url and number not in page.title()
        page.emulate_media(media="print")
        assert not shown.is_visible()
        page.emulate_media(media="screen")
        page.wait_for_selector("#revealed[data-hidden='true']")
        assert number not in page.content()
        with site.api.vault.transaction() as session:
            reads = session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "number:read",
                    AuditEntry.person_id == uuid.UUID(person_id),
                )
            ).all()
            assert [e.affair_code for e in reads] == [SLIP]
        # Back on the list: masked.
        clerk.go("/persons")
        assert "E900" in page.content() and number not in page.content()
        assert clerk.csp_violations == []

    # Another clerk, assigned to nothing, is refused this person.
    stranger = Person(site, chromium)
    with recorded(stranger.page, "stranger_refused"):
        stranger.sign_in("clerk2")
        answer = stranger.go(f"/persons/{person_id}")
        assert answer.status == 403  # type: ignore[attr-defined]
        assert "処理できませんでした" in stranger.page.content()
        assert "E900" not in stranger.page.content()
    with site.api.vault.transaction() as session:
        denied = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "access:denied",
                AuditEntry.actor_id == site.api.users["clerk2"],
            )
        ).all()
        assert denied


def test_the_english_switch(site: Site, chromium):
    admin = Person(site, chromium)
    page = admin.page
    with recorded(page, "english_switch"):
        admin.sign_in("admin")
        assert page.get_by_role("heading", name="ダッシュボード").is_visible()
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
        assert page.locator("html").get_attribute("lang") == "en"
        assert page.get_by_role("heading", name="Dashboard").is_visible()
        assert "lang" not in page.url
        page.get_by_role("navigation").get_by_role("link", name="Persons").click()
        assert page.get_by_role("heading", name="Persons").is_visible()
        # Tablet width: the list reflows, nothing scrolls sideways.
        page.set_viewport_size({"width": 768, "height": 1024})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        page.set_viewport_size({"width": 1280, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        with page.expect_navigation():
            page.get_by_role("button", name="日本語").click()
        assert page.locator("html").get_attribute("lang") == "ja"
        assert admin.csp_violations == []


def test_a_missing_chromium_fails_under_ci(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("tests.test_web_browser.CHROMIUM", Path("/nonexistent/chromium"))
    monkeypatch.setattr("tests.test_web_browser.IN_CI", True)
    with pytest.raises(pytest.fail.Exception):
        _need_chromium()


def test_artifacts_are_ignored_by_git():
    ignore = (Path(__file__).resolve().parent.parent / ".gitignore").read_text()
    assert "/test-artifacts/" in ignore.splitlines()
    assert os.fspath(ARTIFACTS).endswith("test-artifacts")

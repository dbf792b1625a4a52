"""What the browser tests share: a real server (uvicorn on a loopback socket of its own,
temp data dir), Debian's Chromium driven by Playwright, one person per browser context,
and a screenshot plus the page's HTML in test-artifacts/ when a step fails.

Checks wait for a state, never sample it (issue #12): ``expect(locator)`` assertions and
``wait_for_function`` retry until the page says so, and timers in the page run only
when a test moves the page's clock (``page.clock``).
"""

from __future__ import annotations

import base64
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import uvicorn

from mnvault.crypto.totp import totp_code
from tests.support.api import PASSWORD, Api, open_api
from tests.support.database import IN_CI

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / "test-artifacts"


def need_chromium() -> None:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("Chromium (/usr/bin/chromium) is required under CI=true")
        pytest.skip("Chromium is not installed (apt-get install chromium)")


@dataclass
class Site:
    api: Api
    base: str
    secrets: dict[str, bytes] = field(default_factory=dict)


class _Server(uvicorn.Server):
    """A uvicorn server that says when it has started serving."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.ready = threading.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        self.ready.set()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    need_chromium()
    with open_api(tmp_path) as api:
        api.app.state.cookie_secure = False  # plain HTTP on loopback, said explicitly
        api.app.state.reveal_seconds = 2  # short, so the test sees reveal.js hide it
        # The socket is bound here and handed to the server: no window in which another
        # test (or xdist worker) could take a port found free.
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        port = int(listener.getsockname()[1])
        server = _Server(uvicorn.Config(api.app, log_config=None, lifespan="off"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
        thread.start()
        # Waits for the server to say it serves (or for its thread to end, having failed).
        while not server.ready.wait(timeout=1):
            if not thread.is_alive():
                pytest.fail("the server did not start")
        try:
            yield Site(api, f"http://127.0.0.1:{port}")
        finally:
            server.should_exit = True
            thread.join(timeout=10)
            listener.close()


@pytest.fixture
def chromium() -> Iterator[object]:
    """A Chromium of the test's own: Playwright's sync API keeps an event loop running in
    this thread while it is open, so one kept for the session would break every later
    test in the worker that calls asyncio.run()."""
    need_chromium()
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
        from playwright.sync_api import expect

        page = self.page
        self.go("/sign-in")
        page.get_by_label("組織コード").fill(self.site.api.organisation_code)
        page.get_by_label("ユーザー名").fill(login)
        page.get_by_label("パスワード", exact=True).fill(PASSWORD)
        with page.expect_navigation():
            page.keyboard.press("Enter")  # keyboard only
        if page.url.endswith("/sign-in/enrol"):
            page.get_by_role("button", name="QRコードを表示").click()
            expect(page.locator("svg.mnvault-qr")).to_be_visible()
            page.get_by_text("読み取れない場合は手入力してください").click()
            shown = page.locator("#totp-secret")
            expect(shown).to_be_visible()
            secret = shown.inner_text().replace(" ", "")  # grouped for typing (issue #18)
            self.site.secrets[login] = base64.b32decode(secret + "=" * (-len(secret) % 8))
            page.get_by_label("コード").fill(totp_code(self.site.secrets[login], time.time()))
            page.get_by_role("button", name="確認").click()
            expect(page.locator("#recovery-codes li")).to_have_count(10)
            page.get_by_role("link", name="ダッシュボードへ進む").click()
        elif page.url.endswith("/sign-in/code"):
            code = totp_code(self.site.secrets[login], time.time() + 30)
            page.get_by_label("コード").fill(code)
            page.get_by_role("button", name="サインイン").click()
        page.wait_for_url(self.site.base + "/")

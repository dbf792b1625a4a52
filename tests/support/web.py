"""What the screen tests share: the API test deployment, a browser-like client that
keeps cookies, reads CSRF tokens from forms and signs in through the real screens."""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from mnvault.crypto.totp import totp_code
from tests.support.api import PASSWORD, SLIP, Api, open_api

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@dataclass
class Browser:
    """One person's browser: its own cookie jar on the shared app."""

    api: Api
    client: TestClient
    secrets: dict[str, bytes] = field(default_factory=dict)

    def get(self, path: str) -> httpx.Response:
        return self.client.get(path)

    def submit(self, page: str, action: str, data: dict[str, str]) -> httpx.Response:
        """Load ``page``, take its CSRF token, POST ``data`` to ``action``."""
        token = csrf_of(self.client.get(page).text)
        return self.client.post(action, data={"csrf_token": token, **data})

    def sign_in(self, login: str, password: str = PASSWORD) -> httpx.Response:
        """Password, then enrol (first time) or the code; ends on the dashboard."""
        answer = self.submit("/sign-in", "/sign-in", self.api.credentials(login, password))
        if answer.url.path == "/sign-in/enrol":
            shown = self.submit("/sign-in/enrol", "/sign-in/enrol", {})
            typed = re.search(r'id="totp-secret"[^>]*>([^<]+)<', shown.text)
            assert typed, shown.text
            secret = typed.group(1).replace(" ", "")  # grouped for typing (issue #18)
            self.secrets[login] = base64.b32decode(secret + "=" * (-len(secret) % 8))
            self.api.secrets[login] = self.secrets[login]
            code = totp_code(self.secrets[login], time.time())
            answer = self.client.post(
                "/sign-in/enrol/confirm", data={"csrf_token": csrf_of(shown.text), "code": code}
            )
            assert "recovery-codes" in answer.text, answer.text
            answer = self.client.get("/")
        elif answer.url.path == "/sign-in/code":
            # A later step than the one used at enrolment, so the code is not a replay.
            code = totp_code(self.api.secrets[login], time.time() + 30)
            answer = self.submit("/sign-in/code", "/sign-in/code", {"code": code})
        return answer


@dataclass
class Web:
    api: Api

    def browser(self) -> Browser:
        client = TestClient(self.api.app, base_url="http://testserver")
        return Browser(self.api, client)


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    with open_api(tmp_path) as api:
        # Plain HTTP in tests: said explicitly, or Secure cookies never come back.
        api.app.state.cookie_secure = False
        yield Web(api)


def register_person(
    clerk: Browser, ref: str, name: str = "試験 一郎", kind: str = "employee"
) -> str:
    """Register a person through the form; their id (from the page it leads to)."""
    made = clerk.submit(
        "/persons/new", "/persons/new", {"kind": kind, "external_ref": ref, "name": name}
    )
    assert made.status_code == 200, made.text
    found = re.fullmatch(r"/persons/([0-9a-f-]{36})", made.url.path)
    assert found, made.url
    return found.group(1)


def acquire_on_screen(clerk: Browser, person_id: str, number: str, **extra: str) -> object:
    return clerk.submit(
        f"/persons/{person_id}/acquire", f"/persons/{person_id}/acquire",
        {"my_number": number, "affairs": SLIP, "number_check_document": "my_number_card",
         "identity_check_document": "my_number_card", **extra},
    )  # fmt: skip

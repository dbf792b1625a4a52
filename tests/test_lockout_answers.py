"""Issue #11, "Lockout answers reveal which logins exist": the sixth sign-in of a real
login (now locked, even with its right password) and of an unknown login answer alike,
through the REST API, the screens and the service the command line calls; only the trail
says which was which."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from mnvault.audit.models import AuditEntry
from mnvault.auth import services as auth
from mnvault.auth.errors import SignInFailed
from mnvault.web.calls import Limits
from tests.api_support import PASSWORD, Api, api
from tests.web_support import Web, csrf_of, web

__all__ = ["api", "web"]

WRONG = "wrong password!"


def _sixth_api_answer(api: Api, login: str) -> tuple[int, dict[str, object]]:
    api.app.state.limits = Limits()  # the rate limit is another test's subject
    for _ in range(5):
        bad = api.client.post("/api/v1/auth/sign-in", json=api.credentials(login, WRONG))
        assert bad.status_code == 401
    sixth = api.client.post("/api/v1/auth/sign-in", json=api.credentials(login, PASSWORD))
    return sixth.status_code, sixth.json()


def test_the_api_answers_a_locked_login_as_an_unknown_one(api: Api):
    real = _sixth_api_answer(api, "auditor")
    unknown = _sixth_api_answer(api, "no-such-user")
    assert real == unknown and real[0] == 401
    with api.vault.transaction() as session:
        reasons = [
            (e.details or {}).get("reason")
            for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "auth:lockout"))
        ]
        failed = [
            (e.details or {}).get("reason")
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.action == "auth:login_failed")
            )
        ]
    assert len(reasons) == 1  # the real account was locked, and the trail says so
    assert failed.count("locked") == 1 and failed.count("unknown_login") == 6


def test_the_screens_answer_a_locked_login_as_an_unknown_one(web: Web):
    def sixth(login: str) -> tuple[int, str]:
        web.api.app.state.limits = Limits()
        browser = web.browser()
        for _ in range(5):
            browser.submit("/sign-in", "/sign-in", web.api.credentials(login, WRONG))
        answer = browser.submit("/sign-in", "/sign-in", web.api.credentials(login, PASSWORD))
        page = answer.text.replace(csrf_of(answer.text), "")
        page = page.replace(f'value="{login}"', "")  # the login typed is shown back
        return answer.status_code, re.sub(r"\s+", " ", page)

    assert sixth("auditor") == sixth("no-such-user")


def test_the_command_lines_sign_in_fails_alike(api: Api):
    """The CLI prints the service's error (cli/common.sign_in): the same for both."""

    def sixth(login: str) -> str:
        for password in [WRONG] * 5 + [PASSWORD]:
            with api.vault.transaction() as session, pytest.raises(SignInFailed) as failed:
                auth.sign_in(
                    session, organisation_code=api.organisation_code, login=login,
                    password=password, client_address="127.0.0.1",
                )  # fmt: skip
        return str(failed.value)

    assert sixth("auditor") == sixth("no-such-user")

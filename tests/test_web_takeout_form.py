"""The take-out request form (issue #18, the items a previous round left missing): the
file's header line named alike in the approver's preview (Japanese labels by default,
the codes on request), and a form sent twice (a second click, a reload of the POST) makes
one request, not two: a one-time form token, the POST answered with a 303 (PRG)."""

from __future__ import annotations

import re

import httpx
import pyrage
from sqlalchemy import func, select

from mnvault.vault.models import ExportRequest
from tests.support.web import Browser, Web, csrf_of, web

__all__ = ["web"]

SLIP = "withholding_slip"
FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def _form(browser: Browser) -> dict[str, str]:
    page = browser.get("/exports").text
    token = FORM_TOKEN.search(page)
    assert token, "the request form carries no one-time form token"
    return {"csrf_token": csrf_of(page), "form_token": token.group(1)}


def _post(browser: Browser, data: dict[str, str]) -> httpx.Response:
    return browser.client.post("/exports", data=data, follow_redirects=False)


def _requests(web: Web) -> int:
    with web.api.vault.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(ExportRequest)) or 0)


def test_the_form_sent_twice_makes_one_request(web: Web) -> None:
    """Item 6: the same form POSTed twice makes one request; the second answer is a 303 to
    the first request, which says 「この申請は作成済みです」. A workbook's passphrase is shown
    by the first answer only. A new form makes a new request; a forged token is refused."""
    clerk = web.browser()
    clerk.sign_in("clerk")
    key = str(pyrage.x25519.Identity.generate().to_public())
    form = _form(clerk) | {"affair": SLIP, "purpose": "税理士へ", "recipient": key}
    first = _post(clerk, form)
    assert first.status_code == 303, first.text
    made = first.headers["location"]
    assert re.fullmatch(r"/exports/[0-9a-f-]{36}", made), made
    again = _post(clerk, form)
    assert again.status_code == 303 and again.headers["location"] == f"{made}?notice=made"
    assert "この申請は作成済みです" in clerk.get(again.headers["location"]).text
    assert "この申請は作成済みです" not in clerk.get(made).text
    assert _requests(web) == 1
    # The workbook: the passphrase once (the answer to the first POST), then the request.
    book = _form(clerk) | {"affair": SLIP, "purpose": "税理士へ", "protection": "excel_passphrase"}
    shown = _post(clerk, book)
    assert shown.status_code == 201 and 'id="workbook-passphrase"' in shown.text
    reloaded = _post(clerk, book)
    assert reloaded.status_code == 303 and 'id="workbook-passphrase"' not in reloaded.text
    assert reloaded.headers["location"].endswith("?notice=made")
    assert _requests(web) == 2
    # A new form is a new request; a token this session was not given is refused.
    fresh = _form(clerk) | {"affair": SLIP, "purpose": "別件", "recipient": key}
    assert _post(clerk, fresh).status_code == 303
    assert _requests(web) == 3
    forged = form | {"form_token": "made-up.0123456789abcdef0123456789abcdef"}
    assert _post(clerk, forged).status_code == 403
    other = web.browser()
    other.sign_in("clerk")
    stolen = _form(other) | {"form_token": form["form_token"], "affair": SLIP, "purpose": "p"}
    assert _post(other, stolen | {"recipient": key}).status_code == 403
    assert _requests(web) == 3


def test_the_preview_names_the_columns_as_the_file_will(web: Web) -> None:
    """Item 1: the approver's preview lists the file's header line: Japanese labels by
    default; with the codes option, the codes (as secondary text) with their labels."""
    clerk = web.browser()
    clerk.sign_in("clerk")
    key = str(pyrage.x25519.Identity.generate().to_public())
    ids = {}
    for header in ("ja", "codes"):
        form = _form(clerk) | {"affair": SLIP, "purpose": "委託", "recipient": key}
        answer = _post(clerk, form | {"header": header})
        assert answer.status_code == 303, answer.text
        ids[header] = answer.headers["location"]
    manager = web.browser()
    manager.sign_in("manager")

    def columns(path: str) -> list[str]:
        found = re.search(r'<ol id="preview-columns">(.*?)</ol>', manager.get(path).text, re.S)
        assert found
        return [re.sub(r"<[^>]+>", "", li) for li in re.findall(r"<li>(.*?)</li>", found.group(1))]

    assert columns(ids["ja"]) == ["社員番号等", "区分", "氏名", "個人番号"]
    assert columns(ids["codes"]) == [
        "external_ref（社員番号等）", "kind（区分）", "name（氏名）", "my_number（個人番号）",
    ]  # fmt: skip

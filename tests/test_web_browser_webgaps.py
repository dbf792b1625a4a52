"""The clerk's dashboard and a stored verification document in a real browser (issue #6):
a new person shows up under "persons awaiting verification" and leaves it once the number
is acquired; the document image opens for an affair the clerk holds, no-store, audited.

Uses the server and Chromium fixtures of tests/test_web_browser.py.
"""

from __future__ import annotations

import random
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from mnvault.audit.models import AuditEntry
from mnvault.numbers import generate_my_number
from tests.support.api import SLIP
from tests.support.browser import Person, Site, chromium, recorded, site
from tests.support.numbers import MaskedStr

__all__ = ["chromium", "site"]

pytestmark = pytest.mark.slow

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


def test_awaiting_then_acquired_then_the_document_opens(site: Site, chromium):
    number = MaskedStr(generate_my_number(random.Random(71)))
    clerk = Person(site, chromium)
    page = clerk.page
    with recorded(page, "webgaps_awaiting_document"):
        clerk.sign_in("clerk")
        page.get_by_role("navigation").get_by_role("link", name="対象者一覧").click()
        page.get_by_role("link", name="対象者の登録").click()
        page.get_by_label("種別").select_option("employee")
        page.locator("#external_ref").fill("G100")
        page.get_by_label("氏名").fill("確認 待子")
        page.get_by_role("button", name="登録する").click()
        page.wait_for_url(re.compile(r".*/persons/[0-9a-f-]{36}\?done=created$"))
        person_id = page.url.split("?")[0].rsplit("/", 1)[1]
        # The dashboard lists the new person; the link leads to their page.
        clerk.go("/")
        awaiting = page.locator("#awaiting-persons")
        awaiting.get_by_role("link", name="確認 待子").click()
        page.wait_for_url(f"{site.base}/persons/{person_id}")
        page.get_by_role("link", name="個人番号の取得").click()
        page.locator(f"#affair-{SLIP}").check()
        page.get_by_label("個人番号（12桁）").fill(number)
        # One verification is a list of documents (issue #13): the card proves both.
        page.locator('#verification-documents input[value="my_number_card"]').check()
        page.get_by_label("番号確認書類の画像").set_input_files(
            {"name": "card.png", "mimeType": "image/png", "buffer": PNG}
        )
        page.get_by_role("button", name="取得する").click()
        page.wait_for_url(f"{site.base}/persons/{person_id}?done=acquired")
        # Open the document for the affair: a new tab with the image, never cached.
        page.get_by_label("書類を表示する事務").select_option(SLIP)
        answers: list[object] = []
        clerk.context.on(
            "response", lambda r: answers.append(r) if "/documents/" in r.url else None
        )
        with (
            clerk.context.expect_event("response", lambda r: "/documents/" in r.url) as got,
            page.expect_popup() as opened,
        ):
            page.get_by_role("button", name="書類を開く").click()
        tab = opened.value
        tab.wait_for_load_state()
        assert f"/persons/{person_id}/documents/" in tab.url and number not in tab.url
        assert answers == [got.value]  # the one answer, waited for above
        headers = got.value.headers
        assert headers["content-type"] == "image/png"
        assert headers["cache-control"] == "no-store"
        tab.close()
        clerk.go("/")
        expect(page.locator("main")).not_to_contain_text("確認 待子")
        assert clerk.csp_violations == []
    with site.api.vault.transaction() as session:
        reads = session.scalars(select(AuditEntry).where(AuditEntry.action == "document:read"))
        assert [e.affair_code for e in reads] == [SLIP]

"""A workbook take-out in a real browser (issue #18, "Take-outs an office can send"): the
clerk asks for a password-protected Excel workbook and sees its passphrase once; a
manager opens the request, sees how many persons and which columns it would carry (no
number) and approves; the clerk downloads a file that msoffcrypto-tool and openpyxl open
with that passphrase, its numbers as text.

Uses the server and Chromium fixtures of tests/support/browser.py.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import msoffcrypto
import openpyxl
import pytest
from playwright.sync_api import expect

from mnvault.access.context import Context
from mnvault.numbers import generate_my_numbers
from mnvault.vault import services as vs
from mnvault.vault.models import IdentityCheckDocument, NumberCheckDocument, PersonKind
from tests.support.api import SLIP
from tests.support.browser import Person, Site, chromium, recorded, site
from tests.support.numbers import MaskedList, MaskedStr

__all__ = ["chromium", "site"]

pytestmark = pytest.mark.slow


def _held(site: Site, numbers: list[str]) -> None:
    """The clerk's numbers, acquired through the service (the screens have their tests)."""
    api = site.api
    clerk = Context(actor_id=api.users["clerk"], organisation_id=api.organisation_id)
    checked = vs.IdentityVerification(
        NumberCheckDocument.MY_NUMBER_CARD, IdentityCheckDocument.MY_NUMBER_CARD,
        api.users["clerk"], datetime(2026, 4, 1, 9, 0, tzinfo=UTC),
    )  # fmt: skip
    with api.vault.transaction() as session:
        for i, number in enumerate(numbers):
            made = vs.create_person(
                session, clerk, kind=PersonKind.EMPLOYEE, external_ref=f"W{i}", name=f"試験 {i}"
            )
            vs.acquire(
                session, api.vault.envelope, clerk.for_affair(SLIP), person_id=made.id,
                number=number, verification=checked, affair_codes=[SLIP],
            )  # fmt: skip


def test_a_workbook_take_out_from_request_to_opening_it(
    site: Site, chromium: object, tmp_path: Path
) -> None:
    numbers = MaskedList(MaskedStr(n) for n in generate_my_numbers(2, 1822))
    _held(site, numbers)
    clerk = Person(site, chromium)
    page = clerk.page
    with recorded(page, "takeout_request"):
        clerk.sign_in("clerk")
        clerk.go("/exports")
        page.get_by_label("事務", exact=True).select_option(SLIP)
        page.get_by_label("持出しの目的").fill("税理士へ年末調整資料")
        page.get_by_label("パスワード付き Excel", exact=False).check()
        page.get_by_role("button", name="申請する").click()
        shown = page.locator("#workbook-passphrase")
        expect(shown).to_have_text(re.compile(r"^[a-z2-9]{4}(-[a-z2-9]{4}){4}$"))
        passphrase = shown.inner_text()
        page.locator("#to-request").click()
        page.wait_for_url(re.compile(r".*/exports/[0-9a-f-]{36}$"))
        request_path = page.url.removeprefix(site.base)
        expect(page.locator("#request-state")).to_have_text("承認待ち")
        assert passphrase not in page.content()

    manager = Person(site, chromium)
    with recorded(manager.page, "takeout_approve"):
        manager.sign_in("manager")
        manager.go(request_path)
        expect(manager.page.locator("#preview-count")).to_have_text("2")
        expect(manager.page.locator("#preview-columns li")).to_have_count(4)
        expect(manager.page.locator("#preview-columns")).to_contain_text("個人番号")
        content = manager.page.content()
        assert passphrase not in content and all(n not in content for n in numbers)
        manager.page.get_by_role("button", name="承認する").click()
        expect(manager.page.locator("#request-state")).to_have_text("承認済み")

    with recorded(page, "takeout_download"):
        clerk.go(request_path)
        with page.expect_download() as download:
            page.get_by_role("button", name="暗号化ファイルをダウンロード").click()
        assert download.value.suggested_filename.endswith(".xlsx")
        office = msoffcrypto.OfficeFile(io.BytesIO(Path(download.value.path()).read_bytes()))
        office.load_key(password=passphrase)
        plain = io.BytesIO()
        office.decrypt(plain)
        sheet = openpyxl.load_workbook(plain).active
        assert sheet is not None
        cells = sheet["D"][1:]
        assert sorted(str(c.value) for c in cells) == sorted(numbers)
        assert all(c.data_type == "s" and c.number_format == "@" for c in cells)
        assert clerk.csp_violations == [] and manager.csp_violations == []

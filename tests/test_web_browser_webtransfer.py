"""Transfers in a real browser (issue #6 "Quality"): a CSV import with one bad line whose
line number is shown; a take-out requested by a clerk, approved by a manager (two
people, 事業者編 別添1 物理的安全管理措置 c) and downloaded by the clerk as an age file.

Uses the server and Chromium fixtures of tests/test_web_browser.py.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyrage
import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from mnvault.audit.models import AuditEntry
from mnvault.numbers import generate_my_numbers
from mnvault.vault.csvfile import COLUMNS
from tests.support.api import SLIP
from tests.support.browser import Person, Site, chromium, recorded, site
from tests.support.numbers import MaskedList, MaskedStr

__all__ = ["chromium", "site"]

pytestmark = pytest.mark.slow


def _csv(numbers: list[str], bad_line: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for i, good in enumerate(numbers, start=1):
        number = good[:11] + str((int(good[11]) + 1) % 10) if bad_line == i + 1 else good
        writer.writerow([f"T{i}", "employee", f"取込 {i}", number, "my_number_card",
                         "my_number_card", "", "", "", "", ""])  # fmt: skip
    return buffer.getvalue().encode("utf-8")


def _import(clerk: Person, data: bytes) -> None:
    page = clerk.page
    page.get_by_role("navigation").get_by_role("link", name="取込み").click()
    page.get_by_label("CSVファイル（UTF-8 または Shift_JIS）").set_input_files(
        {"name": "persons.csv", "mimeType": "text/csv", "buffer": data}
    )
    page.get_by_label("取得目的の事務").select_option(SLIP)
    page.get_by_label("不正な行を飛ばして", exact=False).check()
    page.get_by_role("button", name="取込みを開始する").click()
    # The progress page reloads itself (import-progress.js) until the result is there.
    page.wait_for_selector("#import-result", timeout=60_000)


def _actions(site: Site, action: str) -> list[AuditEntry]:
    with site.api.vault.transaction() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def test_import_shows_the_bad_line_then_a_take_out_is_two_peoples_work(
    site: Site, chromium: object, tmp_path: Path
) -> None:
    numbers = MaskedList(MaskedStr(n) for n in generate_my_numbers(3, 401))
    bad = numbers[1][:11] + str((int(numbers[1][11]) + 1) % 10)
    clerk = Person(site, chromium)
    page = clerk.page
    with recorded(page, "webtransfer_import"):
        clerk.sign_in("clerk")
        _import(clerk, _csv(numbers, bad_line=3))
        expect(page.locator("#count-imported")).to_have_text("2")
        expect(page.locator("#count-rejected")).to_have_text("1")
        row = page.locator("#line-errors tbody tr").first
        expect(row.locator("td").first).to_have_text("3")
        expect(row).to_contain_text("個人番号")
        content = page.content()
        assert bad not in content and all(n not in content for n in numbers)
        with page.expect_download() as report:
            page.get_by_role("link", name="エラー一覧をダウンロード（CSV）").click()
        text = Path(report.value.path()).read_bytes().decode("utf-8-sig")
        assert [r[0] for r in csv.reader(io.StringIO(text))][1:] == ["3"]
        assert bad not in text

    identity = pyrage.x25519.Identity.generate()
    with recorded(page, "webtransfer_request"):
        page.get_by_role("navigation").get_by_role("link", name="持出し").click()
        page.get_by_label("事務", exact=True).select_option(SLIP)
        page.get_by_label("持出しの目的").fill("年末調整の委託先へ")
        page.get_by_label("受取人の age 公開鍵").fill(str(identity.to_public()))
        page.get_by_role("button", name="申請する").click()
        page.wait_for_url(re.compile(r".*/exports/[0-9a-f-]{36}$"))
        request_path = page.url.removeprefix(site.base)
        expect(page.locator("#request-state")).to_have_text("承認待ち")
        expect(page.locator("#requested-by")).to_have_text("clerk（clerk）")

    manager = Person(site, chromium)
    with recorded(manager.page, "webtransfer_approve"):
        manager.sign_in("manager")
        manager.page.get_by_role("navigation").get_by_role("link", name="持出し").click()
        waiting = manager.page.locator("#waiting")
        expect(waiting).to_contain_text("年末調整の委託先へ")
        waiting.get_by_role("link", name="開く").click()
        manager.page.get_by_role("button", name="承認する").click()
        manager.page.wait_for_url(site.base + request_path)
        expect(manager.page.locator("#request-state")).to_have_text("承認済み")
        expect(manager.page.locator("#decided-by")).to_have_text("manager（manager）")
        assert manager.csp_violations == []

    with recorded(page, "webtransfer_download"):
        clerk.go(request_path)
        expect(page.locator("#decided-by")).to_have_text("manager（manager）")
        with page.expect_download() as download:
            page.get_by_role("button", name="暗号化ファイルをダウンロード").click()
        encrypted = Path(download.value.path()).read_bytes()
        assert download.value.suggested_filename.endswith(".csv.age")
        plain = pyrage.decrypt(encrypted, [identity]).decode("utf-8")
        assert numbers[0] in plain and numbers[2] in plain and bad not in plain
        assert all(n not in page.url for n in numbers)
        clerk.go(request_path)
        expect(page.locator("#request-state")).to_have_text("ダウンロード済み")
        assert clerk.csp_violations == []
    assert _actions(site, "export:request") and _actions(site, "export:approve")
    assert len(_actions(site, "export:create")) == 2

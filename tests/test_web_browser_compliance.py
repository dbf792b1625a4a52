"""Issue #14, the compliance page in a real browser: the manager opens it from the navigation,
filters to the open measures, records evidence, switches to English and downloads the evidence
pack (made in the background, issue #18); the page obeys the CSP and shows no number.

Uses the server and Chromium fixtures of tests/test_web_browser.py.
"""

from __future__ import annotations

import random
import re
import zipfile

import pytest

from mnvault.numbers import generate_my_number
from tests.api_support import acquire
from tests.conftest import MaskedStr
from tests.test_web_browser import Person, Site, chromium, recorded, site

__all__ = ["chromium", "site"]

pytestmark = pytest.mark.slow


def test_compliance_page_and_pack_download(site: Site, chromium):
    number = MaskedStr(generate_my_number(random.Random(93)))
    acquire(site.api, site.api.full_session("clerk"), "C1", number)
    manager = Person(site, chromium)
    page = manager.page
    with recorded(page, "compliance_page"):
        manager.sign_in("manager")
        page.get_by_role("navigation").get_by_role("link", name="コンプライアンス").click()
        page.wait_for_url(f"{site.base}/compliance")
        assert page.locator("#J-2Fb").get_attribute("data-state") == "met_by_system"
        page.locator("#filter-open").click()
        page.wait_for_url(f"{site.base}/compliance?state=open")
        states = page.locator("tr[data-state]").evaluate_all(
            "rows => rows.map(r => r.dataset.state)"
        )
        assert states and set(states) == {"open"}
        manager.go("/compliance")
        page.get_by_label("措置", exact=True).select_option("J-2G")
        page.get_by_label("題名").fill("外国での取扱いなしを確認")
        page.get_by_role("button", name="記録する").click()
        page.wait_for_url(f"{site.base}/compliance#J-2G")
        assert page.locator("#J-2G").get_attribute("data-state") == "evidenced"
        # Issue #18: made in the background; the status page reloads itself (a script
        # file, within the CSP) until the job is done, then offers the download.
        page.locator("#evidence-pack").click()
        page.wait_for_url(re.compile(r".*/jobs/[A-Za-z0-9_-]+$"))
        page.locator("#job-download").wait_for(timeout=120_000)
        assert page.locator("[data-state='done']").count() == 1
        with page.expect_download() as waiting:
            page.locator("#job-download").click()
        download = waiting.value
        names = zipfile.ZipFile(download.path()).namelist()
        assert "compliance.pdf" in names and "trail-statement.json" in names
        assert number not in page.content()
        assert manager.csp_violations == []

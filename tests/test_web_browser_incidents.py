"""Issue #17 in a real browser: from a spike finding of the trail analysis to a drafted 確報,
with the deadline shown. The manager opens the incident from the navigation naming the finding
(as the analysis report names it), records the facts, and drafts the final report; the page
shows the 確報 deadline and its countdown, obeys the CSP and shows no number.

Uses the server and Chromium fixtures of tests/test_web_browser.py.
"""

from __future__ import annotations

import random
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from mnvault.incidents.opendays import deadline
from mnvault.numbers import generate_my_number
from tests.conftest import MaskedStr
from tests.test_web_browser import Person, Site, chromium, recorded, site

__all__ = ["chromium", "site"]

pytestmark = pytest.mark.slow


def test_from_a_spike_finding_to_a_drafted_final_report(site: Site, chromium):
    number = MaskedStr(generate_my_number(random.Random(171)))
    manager = Person(site, chromium)
    page = manager.page
    aware = date(2026, 12, 1)
    due = deadline(aware, 60)  # 不正の目的のおそれ: 規則第2条第2号 → 60 days
    with recorded(page, "incident_page"):
        manager.sign_in("manager")
        page.get_by_role("navigation").get_by_role("link", name="漏えい等事案").click()
        page.wait_for_url(f"{site.base}/incidents")
        page.get_by_label("件名").fill("深夜の大量参照（急増）")
        page.get_by_label("事象").select_option("leak_suspected")
        page.get_by_label("認知日").fill(aware.isoformat())
        page.get_by_label("認知した部署").fill("監査室")
        page.get_by_label("発端", exact=True).select_option("analysis_finding")
        page.get_by_label("発端の記録（分析報告の所見など）").fill("spike:2026-12-01:#120")
        page.get_by_label("概要").fill(f"番号 {number} を含む画面を参照")
        page.get_by_role("button", name="登録する").click()
        page.wait_for_url(f"{site.base}/incidents/*")
        expect(page.locator("#reportable")).to_have_attribute("data-reportable", "false")

        page.locator("#facts-form").get_by_label("不正の目的のおそれ（第2号）").check()
        page.locator("#facts-form").get_by_role("button").click()
        expect(page.locator("#reportable")).to_have_attribute("data-reportable", "true")
        expect(page.locator("#final-due")).to_contain_text(due.strftime("%Y/%m/%d"))
        expect(page.locator("#final-due")).to_have_attribute("data-days", re.compile(r"^-?\d+$"))

        page.locator("#draft-kind").select_option("final")
        page.locator("#draft-form").get_by_role("button").click()
        draft = page.locator('article.draft[data-kind="final"][data-version="1"]')
        expect(draft).to_be_visible()
        expect(draft).to_contain_text("(1) 概要")
        expect(draft).to_contain_text(f"確報期限: {due.strftime('%Y/%m/%d')}")
        assert number not in page.content()
        assert manager.csp_violations == []

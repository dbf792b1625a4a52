"""Issue #15, one inspection in a real browser, from the checklist to a closed corrective
action: the manager opens 点検・監査 from the navigation, creates the checklist, records a
finding with a note, turns it into a corrective action with an owner and a due day, records
the rest as OK, completes the inspection, closes the action with what was done, and sees
the compliance page show 2C e evidenced. Every step waits for the page's state; the page
obeys the CSP. Uses the server and Chromium fixtures of tests/test_web_browser.py.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.test_web_browser import Person, Site, chromium, recorded, site

__all__ = ["chromium", "site"]

pytestmark = pytest.mark.slow


def test_an_inspection_from_checklist_to_closed_action(site: Site, chromium):
    manager = Person(site, chromium)
    page = manager.page
    with recorded(page, "inspection_flow"):
        manager.sign_in("manager")
        page.get_by_role("navigation").get_by_role("link", name="点検・監査").click()
        page.wait_for_url(f"{site.base}/inspections")
        page.get_by_label("種別", exact=True).select_option("self_inspection")
        page.get_by_label("題名").fill("第1四半期 自己点検")
        page.get_by_role("button", name="チェックリストを作成").click()
        page.wait_for_url(re.compile(rf"{re.escape(site.base)}/inspections/[0-9a-f-]{{36}}$"))
        item = page.locator('tr[data-measure="J-2Ea"]')
        expect(item).to_have_attribute("data-result", "pending")
        page.get_by_label("結果 J-2Ea").select_option("finding")
        page.get_by_label("所見 J-2Ea").fill("取扱区域の掲示がない")
        page.get_by_role("button", name="保存 J-2Ea").click()
        expect(item).to_have_attribute("data-result", "finding")
        item.get_by_label("是正措置").fill("取扱区域の掲示を設ける")
        item.get_by_label("期限").fill("2026-12-31")
        item.get_by_role("button", name="是正措置を追加").click()
        action = item.locator("div[data-status]")
        expect(action).to_have_attribute("data-status", "open")
        page.locator("#rest-ok").click()
        expect(page.locator('tr[data-result="pending"]')).to_have_count(0)
        page.get_by_label("総括").fill("指摘1件")
        page.locator("#complete").click()
        expect(page.locator("#status")).to_have_attribute("data-status", "completed")
        item = page.locator('tr[data-measure="J-2Ea"]')
        item.get_by_label("対応内容").fill("掲示を設置し周知した")
        item.get_by_role("button", name="是正措置を完了").click()
        expect(item.locator("div[data-status]")).to_have_attribute("data-status", "closed")
        expect(item).to_contain_text("掲示を設置し周知した")
        manager.go("/compliance")
        expect(page.locator('[id="J-2Ce"]')).to_have_attribute("data-state", "evidenced")
        assert manager.csp_violations == []

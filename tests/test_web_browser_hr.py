"""The whole HR record in a real browser (issue #18): hire an employee, register a
dependant under them, see the family on both pages, record the retirement.

Uses the server and Chromium fixtures of tests/support/browser.py.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.support.browser import Person, Site, chromium, recorded, site

__all__ = ["chromium", "site"]

pytestmark = pytest.mark.slow


def test_hire_dependant_family_then_retire(site: Site, chromium):
    """Issue #18 HR record: 入社 on registration, a dependant with employee and relation,
    the family on the person page, 退職 recorded on the screen."""
    clerk = Person(site, chromium)
    page = clerk.page
    with recorded(page, "hr_record"):
        clerk.sign_in("clerk")
        clerk.go("/persons/new")
        page.get_by_label("種別").select_option("employee")
        page.locator("#external_ref").fill("H100")
        page.get_by_label("氏名").fill("入社 一郎")
        page.get_by_label("入社日・開始日").fill("2025-04-01")
        page.get_by_role("button", name="登録する").click()
        page.wait_for_url(re.compile(r".*/persons/[0-9a-f-]{36}\?done=created$"))
        employee_url = page.url.split("?")[0]
        expect(page.locator("#done")).to_be_visible()
        expect(page.locator("#hr-start")).to_have_text("2025/04/01")

        clerk.go("/persons/new")
        page.get_by_label("種別").select_option("dependent")
        page.locator("#external_ref").fill("H100-1")
        page.get_by_label("氏名").fill("入社 花子")
        page.get_by_label("扶養する従業員の社員番号等").fill("H100")
        page.get_by_label("続柄").select_option("spouse")
        page.get_by_role("button", name="登録する").click()
        page.wait_for_url(re.compile(r".*/persons/[0-9a-f-]{36}\?done=created$"))
        expect(page.locator("#hr-employee")).to_contain_text("入社 一郎")
        expect(page.locator("#hr-employee")).to_contain_text("配偶者")
        page.locator("#hr-employee").get_by_role("link", name="入社 一郎").click()
        page.wait_for_url(employee_url)
        expect(page.locator("#hr-dependants")).to_contain_text("入社 花子")

        today = date.today()
        page.get_by_label("記録する事由").select_option("retirement")
        page.get_by_label("日付").fill(today.isoformat())
        page.get_by_role("button", name="記録する").click()
        page.wait_for_url(employee_url + "?done=hr")
        expect(page.locator("#hr-end")).to_have_text(today.strftime("%Y/%m/%d"))
        assert clerk.csp_violations == []

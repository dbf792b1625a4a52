"""Oversight flows in a real browser (issue #6 "Quality"): a disposal planned and
confirmed by a small business's only manager with a statement of what they checked, and
run (事業者編 別添1 2E d 中小規模事業者: 責任ある立場の者が確認する; the record says when the
KEK rotation completed; test_web_oversight.py has the two-manager case), and "verify
now" run by an auditor (別添1 2C e; DESIGN.md §6). Debian's Chromium, headless,
keyboard and labels as a person uses them; no CSP violation; no number on any page.
"""

from __future__ import annotations

import random
import re
import uuid
from datetime import date

import pytest
from playwright.sync_api import Page, expect

from mnvault.access.context import Context
from mnvault.numbers import generate_my_number
from mnvault.orgs.models import Organisation
from mnvault.vault import services as vs
from tests.support.api import acquire
from tests.support.browser import Person, Site, chromium, recorded, site
from tests.support.disposal import no_grace
from tests.support.numbers import MaskedStr

__all__ = ["chromium", "no_grace", "site"]

pytestmark = pytest.mark.slow


def _retired(site: Site, count: int) -> list[str]:
    """Employees with numbers who left in 2024: due for disposal now."""
    api = site.api
    clerk = api.full_session("clerk")
    numbers = [MaskedStr(generate_my_number(random.Random(700 + i))) for i in range(count)]
    ids = [acquire(api, clerk, f"Q{i}", n) for i, n in enumerate(numbers)]
    manager = Context(actor_id=api.users["manager"], organisation_id=api.organisation_id)
    with api.vault.transaction() as session:
        for person_id in ids:
            vs.end_relationship(
                session, manager, person_id=uuid.UUID(person_id), ended_on=date(2024, 3, 31),
                cause=vs.RelationshipEnd.RETIREMENT,
            )  # fmt: skip
    return numbers


@pytest.mark.usefixtures("no_grace")
def test_a_manager_plans_confirms_and_runs_a_disposal(site: Site, chromium):
    with site.api.vault.transaction() as session:
        session.get_one(Organisation, site.api.organisation_id).kind = "small_business"
    numbers = _retired(site, 2)
    manager = Person(site, chromium)
    page = manager.page
    with recorded(page, "disposal_flow"):
        manager.sign_in("manager")
        expect(page.get_by_role("heading", name="廃棄対象日を迎える個人番号")).to_be_visible()
        page.get_by_role("navigation", name="メイン").get_by_role("link", name="廃棄").click()
        page.wait_for_url(site.base + "/disposal")
        expect(page.locator("#due-count")).to_have_text(re.compile(r"2$"))
        page.get_by_label("理由", exact=True).fill("退職者の番号の廃棄")
        page.get_by_role("button", name="廃棄を計画する").click()
        page.wait_for_url(f"{site.base}/disposal/batches/*")
        expect(page.locator("[data-state='planned']").first).to_be_visible()
        page.get_by_label("確認した内容").fill("退職者2名の保存期間経過を確認")
        page.get_by_role("button", name="この記述を付けて自ら確認する").click()
        page.wait_for_selector("[data-state='confirmed']")
        expect(page.locator("#confirmed-by")).to_contain_text("manager")
        expect(page.locator("#confirmation-statement")).to_contain_text("退職者2名")
        page.get_by_role("button", name="今すぐ廃棄を実施").click()
        _result_of_the_job(page)
        page.wait_for_selector("[data-state='completed']")
        # Issue #18: the organisation's time in one format, not UTC.
        expect(page.locator("#rotation")).to_have_text(
            re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2} ")
        )
        assert "Q0" in page.content() and "Q1" in page.content()
        for number in numbers:
            assert number not in page.content()
        assert manager.csp_violations == []


def test_an_auditor_runs_verify_and_sees_the_result(site: Site, chromium):
    auditor = Person(site, chromium)
    page = auditor.page
    with recorded(page, "verify_flow"):
        auditor.sign_in("auditor")
        expect(page.locator("#last-verified")).to_have_text("画面からはまだ検証していません")
        page.get_by_role("navigation", name="メイン").get_by_role(
            "link", name="監査", exact=True
        ).click()
        page.get_by_role("link", name="監査記録の検証").click()
        page.get_by_role("button", name="今すぐ検証").click()
        _result_of_the_job(page)
        result = page.locator("#verify-result [data-result]")
        expect(result).to_have_attribute("data-result", "intact")
        expect(result).to_contain_text("監査記録は改ざんされていません")
        page.get_by_role("link", name="ダッシュボード").click()
        expect(page.locator("#last-verified")).to_contain_text("改ざんなし")
        assert auditor.csp_violations == []


def _result_of_the_job(page: Page) -> None:
    """Issue #18: the action runs in the background; its status page reloads itself
    until the job is done (a state waited for), then links to the result."""
    page.wait_for_url(re.compile(r".*/jobs/[A-Za-z0-9_-]+$"))
    link = page.locator("#job-link")
    link.wait_for(timeout=120_000)
    expect(page.locator("#job-state [data-state]")).to_have_attribute("data-state", "done")
    link.click()

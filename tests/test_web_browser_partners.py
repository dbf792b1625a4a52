"""Issue #16, one 委託先 in a real browser from selection to the end of its contract: the
manager registers it from the navigation, ticks the selection check, records the contract with
every required clause and its file (stored sealed), the outsourcer's clerk becomes a member,
a report is recorded, the contract ends (the clerk's role ends with it) and the return of the
SPI is confirmed. Waits for states (URLs, attributes), never for time; obeys the CSP.

Uses the server and Chromium fixtures of tests/support/browser.py.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from mnvault.access import outside
from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Role
from mnvault.orgs import services as orgs
from mnvault.orgs.models import OrganisationKind
from mnvault.partners.services import REQUIRED_CLAUSES, SELECTION
from tests.support.api import PASSWORD
from tests.support.browser import Person, Site, chromium, recorded, site

__all__ = ["chromium", "site"]

pytestmark = pytest.mark.slow

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def _outsourcer(site: Site) -> tuple[Context, object]:
    """kou-corp, a payroll outsourcer with its admin and its clerk tanaka."""
    with site.api.vault.transaction() as session:
        kou = orgs.create_organisation(
            session, name="給与計算受託", kind=OrganisationKind.COMPANY, code="kou-corp"
        )
        admin = access.create_user(
            session, None, home_organisation_id=kou.id, login="admin", display_name="受託管理",
            password=PASSWORD,
        )  # fmt: skip
        access.grant_role(session, None, user=admin, organisation_id=kou.id, role=Role.ADMIN)
        home = Context(actor_id=admin.id, organisation_id=kou.id)
        tanaka, _ = access.add_member(
            session, home, login="tanaka", display_name="田中", roles=[Role.CLERK]
        )
        return home, tanaka.id


def _roles_of_tanaka(site: Site, tanaka_id: object) -> set[Role]:
    with site.api.vault.transaction() as session:
        return access.roles_of(session, tanaka_id, site.api.organisation_id)  # type: ignore[arg-type]


def test_one_outsourcee_from_selection_to_contract_end(site: Site, chromium):
    home, tanaka_id = _outsourcer(site)
    manager = Person(site, chromium)
    page = manager.page
    with recorded(page, "partners_flow"):
        manager.sign_in("manager")
        page.get_by_role("navigation").get_by_role("link", name="委託先").click()
        page.wait_for_url(f"{site.base}/partners")
        page.get_by_label("名称").fill("給与計算受託株式会社")
        page.get_by_label("mnvault の組織コード（外部利用者を受け入れる場合）").fill("kou-corp")
        page.locator("#affair-withholding_slip").check()
        page.locator("#register").click()
        page.wait_for_url(f"{site.base}/partners/*")
        detail_url = page.url
        expect(page.locator("#state")).to_have_attribute("data-state", "selecting")
        for key, _ja, _en in SELECTION:
            page.locator(f"#sel-{key}").check()
        page.locator("#save-selection").click()
        expect(page.locator("#selected")).to_be_visible()
        for key, _ja, _en in REQUIRED_CLAUSES[1:]:
            page.locator(f"#clause-{key}").check()
        page.get_by_label("契約開始日").fill("2026-01-01")
        page.locator("#contract-document").set_input_files(
            {"name": "委託契約書.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        page.locator("#save-contract").click()
        # One required clause (秘密保持義務) missing: refused, saying which.
        expect(page.locator("#form-error")).to_contain_text("秘密保持義務")
        manager.go(detail_url.removeprefix(site.base))
        for key, _ja, _en in REQUIRED_CLAUSES:
            page.locator(f"#clause-{key}").check()
        page.get_by_label("契約開始日").fill("2026-01-01")
        page.locator("#contract-document").set_input_files(
            {"name": "委託契約書.pdf", "mimeType": "application/pdf", "buffer": PDF}
        )
        page.locator("#save-contract").click()
        expect(page.locator("#state")).to_have_attribute("data-state", "contracted")
        expect(page.locator("#current")).to_be_visible()
        expect(page.locator("#contract-file")).to_be_visible()

        # Under the contract the client asks for tanaka and kou-corp consents.
        with site.api.vault.transaction() as session:
            asked = outside.request_outside_member(
                session, site.api.admin_context(), reference="kou-corp:tanaka",
                roles=[Role.CLERK],
            )  # fmt: skip
            outside.decide_request(session, home, request_id=asked.id, approve=True)
        assert _roles_of_tanaka(site, tanaka_id) == {Role.CLERK}

        page.get_by_label("概要").fill("四半期の取扱状況報告を受領")
        page.locator("#save-supervision").click()
        expect(page.locator("#supervisions tr")).to_have_count(1)

        page.get_by_label("終了の理由").fill("契約期間満了")
        page.locator("#end-contract").click()
        expect(page.locator("#state")).to_have_attribute("data-state", "ended")
        assert _roles_of_tanaka(site, tanaka_id) == set()
        manager.go("/partners")
        expect(page.locator("#attention li")).to_have_count(1)
        page.locator("#attention a").click()
        page.wait_for_url(detail_url)
        page.locator("#how-disposed").check()
        page.get_by_label("確認の内容").fill("廃棄証明書を受領")
        page.locator("#confirm-return").click()
        expect(page.locator("#returned")).to_contain_text("disposed")
        manager.go("/partners")
        expect(page.locator("#attention")).to_have_count(0)
        assert manager.csp_violations == []


def test_the_admin_completes_an_spi_file_entry(site: Site, chromium):
    """別添1 2C c on screen: the admin chooses the responsible person; the register lists the
    access holders computed from the assignments and exports to Excel."""
    with site.api.vault.transaction() as session:
        spi_file = orgs.register_spi_file(
            session, site.api.admin_context(), name="源泉徴収票データ", purpose="法定調書の作成",
            affair_codes=["withholding_slip"],
        ).id  # fmt: skip
    admin = Person(site, chromium)
    page = admin.page
    with recorded(page, "partners_spi_files"):
        admin.sign_in("admin")
        admin.go("/partners/spi-files")
        row = page.locator(f'tr[data-file="{spi_file}"]')
        expect(row.locator(".holders")).to_contain_text("給与所得の源泉徴収票")
        page.get_by_text("記載を補う").click()
        page.locator(f"#kind-{spi_file}").select_option("electronic")
        page.locator(f"#items-{spi_file}").fill("氏名、個人番号、住所")
        page.locator(f"#responsible-{spi_file}").select_option(str(site.api.users["manager"]))
        page.locator(f"#describe-{spi_file} button").click()
        page.wait_for_url(f"{site.base}/partners/spi-files")
        expect(row).to_contain_text("氏名、個人番号、住所")
        with page.expect_download() as waiting:
            page.locator("#export-xlsx").click()
        assert waiting.value.suggested_filename == "spi-files.xlsx"
        assert admin.csp_violations == []

"""The person page's form to add an affair to the number held (issue #13, Affairs item 3;
事業者編 第4-1-(1) 1 B a): offered to a manager only, never 利用事務 to a company; the
notice's date and method are required; a refusal comes back as a bilingual error; no
number on any page."""

from __future__ import annotations

import random

from mnvault.numbers import generate_my_number
from tests.api_support import SLIP
from tests.conftest import MaskedStr
from tests.support.web import register_person as _register
from tests.web_support import Web, csrf_of, web

__all__ = ["web"]

HEALTH = "health_pension_insurance"


def test_a_manager_adds_an_affair_on_the_person_page(web: Web):
    number = MaskedStr(generate_my_number(random.Random(1313)))
    clerk = web.browser()
    clerk.sign_in("clerk")
    person_id = _register(clerk, "E1313")
    page = f"/persons/{person_id}"
    token = csrf_of(clerk.get(f"{page}/acquire").text)
    acquired = clerk.client.post(
        f"{page}/acquire",
        data={"csrf_token": token, "my_number": number, "affairs": [SLIP],
              "number_check_document": "my_number_card",
              "identity_check_document": "my_number_card"},
    )  # fmt: skip
    assert acquired.url.path == page, acquired.text
    assert 'id="add-affair-submit"' not in clerk.get(page).text  # a clerk is not offered it

    manager = web.browser()
    manager.sign_in("manager")
    shown = manager.get(page)
    assert 'id="add-affair-submit"' in shown.text
    assert f'value="{HEALTH}"' in shown.text
    assert 'value="resident_tax_assessment"' not in shown.text  # 番号法第9条第1項
    undated = manager.submit(page, f"{page}/add-affair", {"affair": HEALTH, "method": "intranet"})
    assert undated.status_code == 422 and 'id="add-affair-error"' in undated.text
    done = manager.submit(
        page,
        f"{page}/add-affair",
        {"affair": HEALTH, "notified_on": "2026-04-01", "method": "work_rules"},
    )
    assert done.url.path == page
    assert f'data-affairs="{HEALTH},{SLIP}"' in done.text  # issue #18: names shown
    tax = manager.submit(
        page,
        f"{page}/add-affair",
        {"affair": "resident_tax_assessment", "notified_on": "2026-04-01", "method": "intranet"},
    )
    assert tax.status_code == 422 and "利用事務" in tax.text
    for text in (shown.text, undated.text, done.text, tax.text):
        assert number not in text


def test_a_manager_defines_an_affair_on_the_affairs_page(web: Web):
    """Issue #13 Affairs item 2 (screen): the manager is offered the form, a clerk is
    not; a company's own 利用事務 is refused with a bilingual error."""
    clerk = web.browser()
    clerk.sign_in("clerk")
    listed = clerk.get("/affairs")
    assert listed.status_code == 200 and SLIP in listed.text
    assert 'id="define-affair"' not in listed.text
    assert "resident_tax_assessment" not in listed.text

    manager = web.browser()
    manager.sign_in("manager")
    form = {"code": "company_housing", "kind": "related", "name_ja": "社宅管理",
            "name_en": "Company housing", "legal_basis": "番号法第9条第4項; 地方税法",
            "person_kinds": ["employee"]}  # fmt: skip
    assert 'id="define-affair"' in manager.get("/affairs").text
    done = manager.submit("/affairs", "/affairs", form)
    assert done.url.path == "/affairs" and "company_housing" in done.text
    use = manager.submit("/affairs", "/affairs", form | {"code": "city_aid", "kind": "use"})
    assert use.status_code == 422 and "利用事務" in use.text and 'id="form-error"' in use.text

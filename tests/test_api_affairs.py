"""GET/POST /affairs and POST /persons/{id}/number/affairs: thin routes over
affairs/services.py and vault/purpose_change.py (issue #13, Affairs items 2-4).

The rules have their tables in tests/test_affairs_own_and_purpose_change.py and
tests/test_affairs_catalogue_2025.py; here: status codes, problem documents, no number.
"""

from __future__ import annotations

import random

from mnvault.numbers import generate_my_number
from tests.api_support import SLIP, Api, api, bearer
from tests.conftest import MaskedStr

__all__ = ["api"]  # the fixture, imported so that pytest finds it here

PROBLEM = "application/problem+json"
HEALTH = "health_pension_insurance"


def test_affairs_list_and_define(api: Api):
    clerk, manager = api.full_session("clerk"), api.full_session("manager")
    listed = api.client.get("/api/v1/affairs", headers=bearer(clerk))
    assert listed.status_code == 200, listed.text
    codes = {a["code"] for a in listed.json()}
    assert {SLIP, "retirement_income_declaration", "stock_option_record"} <= codes
    assert "resident_tax_assessment" not in codes  # a company: 番号法第9条第1項

    body = {
        "code": "company_housing",
        "kind": "related",
        "name_ja": "社宅管理",
        "name_en": "Company housing",
        "legal_basis": "番号法第9条第4項; 地方税法",
        "person_kinds": ["employee"],
    }
    refused = api.client.post("/api/v1/affairs", headers=bearer(clerk), json=body)
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM
    made = api.client.post("/api/v1/affairs", headers=bearer(manager), json=body)
    assert made.status_code == 201, made.text
    assert made.json()["own"] is True and made.json()["kind"] == "related"
    again = api.client.post("/api/v1/affairs", headers=bearer(manager), json=body)
    assert again.status_code == 409
    use = api.client.post(
        "/api/v1/affairs", headers=bearer(manager), json=body | {"code": "city_aid", "kind": "use"}
    )
    assert use.status_code == 422 and "利用事務" in use.text


def test_a_manager_adds_an_affair_to_a_number_held(api: Api):
    number = MaskedStr(generate_my_number(random.Random(13)))
    clerk = api.full_session("clerk")
    person = api.client.post(
        "/api/v1/persons",
        headers=bearer(clerk),
        json={"kind": "employee", "external_ref": "P1", "name": "試験 一郎"},
    )
    person_id = person.json()["id"]
    acquired = api.client.post(
        f"/api/v1/persons/{person_id}/number",
        headers=bearer(clerk),
        json={
            "my_number": number,
            "affairs": [SLIP],
            "verification": {
                "number_check_document": "my_number_card",
                "identity_check_document": "my_number_card",
            },
        },
    )
    assert acquired.status_code == 201, acquired.text
    url = f"/api/v1/persons/{person_id}/number/affairs"
    body = {"affair": HEALTH, "notified_on": "2026-04-01", "method": "work_rules"}

    refused = api.client.post(url, headers=bearer(clerk), json=body)
    assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM

    manager = api.full_session("manager")
    done = api.client.post(url, headers=bearer(manager), json=body)
    assert done.status_code == 200, done.text
    assert done.json()["acquired_for"] == [HEALTH, SLIP]
    assert number not in done.text

    twice = api.client.post(url, headers=bearer(manager), json=body)
    assert twice.status_code == 409 and twice.headers["content-type"] == PROBLEM
    other = api.client.post(url, headers=bearer(manager), json=body | {"method": "other"})
    assert other.status_code in (409, 422)
    tax = api.client.post(
        url, headers=bearer(manager), json=body | {"affair": "resident_tax_assessment"}
    )
    assert tax.status_code == 422 and "利用事務" in tax.text and number not in tax.text

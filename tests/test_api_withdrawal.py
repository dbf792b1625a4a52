"""POST /persons/{id}/number/withdrawals: a thin route over vault/withdrawal.py (issue #5).

Sources: 事業者編 第4-3-(3)B 保管制限と廃棄; 第4-1-(1) 1 B. The rules have their table in
tests/test_vault_withdrawal.py; here: status codes, problem documents, no number.
"""

from __future__ import annotations

import random

from mnvault.numbers import generate_my_number
from tests.api_support import DEPENDENT_DECLARATION, SLIP, Api, api, bearer
from tests.conftest import MaskedStr

__all__ = ["api"]  # the fixture, imported so that pytest finds it here

PROBLEM = "application/problem+json"


def test_a_manager_withdraws_a_mistaken_affair_then_not_the_last(api: Api):
    number = MaskedStr(generate_my_number(random.Random(5)))
    clerk = api.full_session("clerk")
    person = api.client.post(
        "/api/v1/persons", headers=bearer(clerk),
        json={"kind": "employee", "external_ref": "W1", "name": "試験 一郎"},
    )  # fmt: skip
    person_id = person.json()["id"]
    acquired = api.client.post(
        f"/api/v1/persons/{person_id}/number", headers=bearer(clerk),
        json={"my_number": number, "affairs": [SLIP, DEPENDENT_DECLARATION],
              "verification": {"number_check_document": "my_number_card",
                               "identity_check_document": "my_number_card"}},
    )  # fmt: skip
    assert acquired.status_code == 201, acquired.text
    url = f"/api/v1/persons/{person_id}/number/withdrawals"
    body = {"affair": DEPENDENT_DECLARATION, "reason": "対象外の従業員"}

    refused = api.client.post(url, headers=bearer(clerk), json=body)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == PROBLEM

    manager = api.full_session("manager")
    done = api.client.post(url, headers=bearer(manager), json=body)
    assert done.status_code == 200, done.text
    assert done.json()["acquired_for"] == [SLIP]
    assert number not in done.text

    last = api.client.post(url, headers=bearer(manager), json=body | {"affair": SLIP})
    assert last.status_code == 409
    assert last.headers["content-type"] == PROBLEM
    assert "last affair" in last.text and "最後の事務" in last.text
    assert number not in last.text

    read = api.client.post(
        f"/api/v1/persons/{person_id}/number/read", headers=bearer(clerk),
        json={"affair": DEPENDENT_DECLARATION},
    )  # fmt: skip
    assert read.status_code == 422 and number not in read.text

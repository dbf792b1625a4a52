"""Issue #11, "Correct answers": the persons list says what a person's details say
(`number_held`, `acquired_for`), and the OpenAPI document declares its bearer scheme on
the operations that read the token."""

from __future__ import annotations

import random
import re

from mnvault.numbers import generate_my_number
from tests.api_support import SLIP, Api, acquire, api, bearer
from tests.conftest import MaskedStr

__all__ = ["api"]


def test_the_persons_list_reports_numbers_held_as_the_details_do(api: Api):
    token = api.full_session("clerk")
    held = acquire(api, token, "A1", MaskedStr(generate_my_number(random.Random(5))))
    waiting = api.client.post(
        "/api/v1/persons", headers=bearer(token),
        json={"kind": "employee", "external_ref": "A2", "name": "試験 次郎"},
    ).json()["id"]  # fmt: skip
    listed = api.client.get("/api/v1/persons", headers=bearer(token))
    assert listed.status_code == 200
    items = {item["id"]: item for item in listed.json()["items"]}
    for person_id in (held, waiting):
        details = api.client.get(f"/api/v1/persons/{person_id}", headers=bearer(token)).json()
        assert items[person_id] == details
    assert items[held]["number_held"] is True and items[held]["acquired_for"] == [SLIP]
    assert items[held]["number_masked"] == "************"
    assert items[waiting]["number_held"] is False and items[waiting]["acquired_for"] == []
    # A smaller page still says the same.
    page = api.client.get("/api/v1/persons?limit=1", headers=bearer(token)).json()
    assert page["total"] == 2 and page["items"] == [items[held]]


def test_the_openapi_document_declares_the_bearer_scheme_and_the_routes_use_it(api: Api):
    document = api.client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    declared = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path in ("/api/v1/auth/sign-in", "/api/v1/ping") or not path.startswith("/api/"):
                assert "security" not in operation, (method, path)
                continue
            assert operation.get("security") == [{"bearer": []}], (method, path)
            declared += 1
            url = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)
            answer = api.client.request(method, url)
            # Without a token: 401 (an operation with a body may first say 422).
            assert answer.status_code in (401, 422), (method, path, answer.status_code)
            if method == "get" or answer.status_code != 422:
                assert answer.status_code == 401, (method, path)
    assert declared > 30

"""Defects of the REST API found with Schemathesis (tests/test_api_schemathesis.py): by
the fuzzer itself, or by probing where its per-role answers showed it had not reached.
One test each, so they stay fixed whatever the fuzzer draws next time. Real app, real
database; the tests read no body that could hold a number into a failure message."""

from __future__ import annotations

import random
import uuid
from pathlib import Path

from fastapi.testclient import TestClient

from mnvault.app import create_app
from mnvault.config import load_settings
from mnvault.numbers import generate_my_number
from tests.api_support import PASSWORD, SLIP, Api, acquire, api, bearer
from tests.conftest import MaskedStr

__all__ = ["api"]  # the fixture, imported so that pytest finds it here

PROBLEM = "application/problem+json"
VERIFIED = {"number_check_document": "my_number_card", "identity_check_document": "my_number_card"}


def _problem(response: object, status: int) -> dict[str, object]:
    assert getattr(response, "status_code", None) == status
    assert response.headers["content-type"] == PROBLEM  # type: ignore[attr-defined]
    body = dict(response.json())  # type: ignore[attr-defined]
    assert body["status"] == status and body["title"] and body["title_ja"]
    return body


# -- 500s --------------------------------------------------------------------------------


def test_a_login_taken_is_a_conflict_not_a_server_error(api: Api):
    """POST /users with an existing login answered 500 (a UNIQUE constraint)."""
    admin = api.full_session("admin")
    again = api.client.post(
        "/api/v1/users", headers=bearer(admin),
        json={"login": "clerk", "display_name": "二人目", "roles": ["clerk"]},
    )  # fmt: skip
    body = _problem(again, 409)
    assert body["type"].endswith("/login-taken") and "clerk" in str(body["detail"])
    assert "this organisation" in body["title"]  # logins are per organisation (issue #3)
    created = api.client.post(
        "/api/v1/users", headers=bearer(admin),
        json={"login": "clerk3", "display_name": "三人目", "roles": ["clerk", "clerk"]},
    )  # fmt: skip
    assert created.status_code == 201 and created.json()["roles"] == ["clerk"]


def test_a_person_named_twice_is_provided_once(api: Api):
    """POST /provisions with a person id repeated answered 500 (a duplicate key)."""
    clerk = api.full_session("clerk")
    person = acquire(api, clerk, "R1", MaskedStr(generate_my_number(random.Random(11))))
    provided = api.client.post(
        "/api/v1/provisions", headers=bearer(clerk),
        json={"affair": SLIP, "person_ids": [person, person], "recipient_kind": "tax_office",
              "recipient_name": "麹町税務署", "legal_basis": "番号法第19条第2号",
              "method": "e-Tax"},
    )  # fmt: skip
    assert provided.status_code == 201, provided.text
    assert provided.json()["persons"] == 1


def test_an_affair_named_twice_is_acquired_for_once(api: Api):
    """POST /persons/{id}/number with an affair repeated answered 500 (a duplicate key)."""
    clerk = api.full_session("clerk")
    number = MaskedStr(generate_my_number(random.Random(12)))
    person = api.client.post(
        "/api/v1/persons", headers=bearer(clerk),
        json={"kind": "employee", "external_ref": "R2", "name": "試験 二郎"},
    ).json()["id"]  # fmt: skip
    acquired = api.client.post(
        f"/api/v1/persons/{person}/number", headers=bearer(clerk),
        json={"my_number": number, "affairs": [SLIP, SLIP], "verification": VERIFIED},
    )  # fmt: skip
    assert acquired.status_code == 201, acquired.text
    assert acquired.json()["acquired_for"] == [SLIP]
    if number in acquired.text:  # not an assert: pytest would print the text
        raise AssertionError("the number in the answer")


def test_an_offset_past_any_table_is_an_empty_page(api: Api):
    """GET /persons?offset=10**20 answered 500 (SQLite takes 64-bit offsets only)."""
    admin = api.full_session("admin")
    for offset in (10**20, 2**63, -(10**20)):
        page = api.client.get(f"/api/v1/persons?offset={offset}", headers=bearer(admin))
        assert page.status_code == 200, page.text
        assert page.json()["items"] == [] or offset < 0


# -- wrong statuses ----------------------------------------------------------------------


def test_an_admin_aiming_at_nobody_gets_404_not_401(api: Api):
    """Unknown users and tokens answered 401 (sign-in failed / token invalid), telling
    a signed-in admin's client that its own session was over."""
    admin = api.full_session("admin")
    nobody = uuid.uuid4()
    reset = api.client.post(f"/api/v1/users/{nobody}/password-reset", headers=bearer(admin))
    _problem(reset, 404)
    revoke = api.client.delete(f"/api/v1/tokens/{nobody}", headers=bearer(admin))
    _problem(revoke, 404)
    token = api.client.post(
        "/api/v1/tokens", headers=bearer(admin),
        json={"user_id": str(nobody), "name": "給与システム", "affairs": [SLIP]},
    )  # fmt: skip
    _problem(token, 404)
    # The admin's session is fine throughout.
    assert api.client.get("/api/v1/users", headers=bearer(admin)).status_code == 200


def test_others_learn_nothing_about_which_ids_exist(api: Api):
    """Existence is checked after authorization: a clerk gets 403 either way."""
    clerk = api.full_session("clerk")
    for user_id in (uuid.uuid4(), api.users["clerk2"]):
        reset = api.client.post(f"/api/v1/users/{user_id}/password-reset", headers=bearer(clerk))
        assert _problem(reset, 403)["reason"]
    revoke = api.client.delete(f"/api/v1/tokens/{uuid.uuid4()}", headers=bearer(clerk))
    _problem(revoke, 403)
    # POST /assignments looked the user up first: 404 for a missing one, 403 otherwise.
    for user_id in (uuid.uuid4(), api.users["clerk2"]):
        assigned = api.client.post(
            "/api/v1/assignments", headers=bearer(clerk),
            json={"user_id": str(user_id), "affair": SLIP},
        )  # fmt: skip
        _problem(assigned, 403)


def test_a_token_is_scoped_to_affairs_that_exist(api: Api):
    """POST /tokens accepted affair codes that name no affair (a scope of nothing)."""
    admin = api.full_session("admin")
    made = api.client.post(
        "/api/v1/tokens", headers=bearer(admin),
        json={"user_id": str(api.users["payroll"]), "name": "給与", "affairs": ["no_such"]},
    )  # fmt: skip
    assert _problem(made, 422)["type"].endswith("/unknown-affair")


def test_control_characters_are_refused_at_the_edge(api: Api):
    """A NUL in a name or a login reached the database: stored on SQLite, a server error
    on PostgreSQL (which refuses NUL in text). Now 422, before any query."""
    clerk = api.full_session("clerk")
    for name in ("試験\x00太郎", "試験\n太郎"):
        person = api.client.post(
            "/api/v1/persons", headers=bearer(clerk),
            json={"kind": "employee", "external_ref": "R3", "name": name},
        )  # fmt: skip
        errors = _problem(person, 422)["errors"]
        assert errors == [{"loc": ["body", "name"], "type": "string_pattern_mismatch"}]
    sign_in = api.client.post("/api/v1/auth/sign-in", json=api.credentials("clerk\x00", "x"))
    _problem(sign_in, 422)
    # Line breaks stay allowed in free text.
    number = MaskedStr(generate_my_number(random.Random(13)))
    person_id = acquire(api, clerk, "R4", number)
    other = MaskedStr(generate_my_number(random.Random(14)))
    corrected = api.client.post(
        f"/api/v1/persons/{person_id}/number/corrections", headers=bearer(clerk),
        json={"my_number": other, "affair": SLIP, "reason": "転記誤り\n本人確認済み",
              "verification": VERIFIED},
    )  # fmt: skip
    assert corrected.status_code == 200, corrected.text


def test_an_unparseable_body_is_a_declared_problem(api: Api):
    """A body that is not even text answered 400 with no Japanese title and an
    undeclared status."""
    broken = api.client.post(
        "/api/v1/auth/sign-in",
        content=b"\x00\x00\x00\x00\x00",
        headers={"content-type": "application/json"},
    )
    body = _problem(broken, 400)
    assert body["title_ja"] == "リクエストを解析できません"
    operation = api.client.get("/openapi.json").json()["paths"]["/api/v1/auth/sign-in"]["post"]
    assert "400" in operation["responses"]


def test_method_not_allowed_keeps_its_allow_header(api: Api):
    """The problem handler dropped the headers of HTTP errors (Allow, on a 405)."""
    refused = api.client.patch("/api/v1/persons")
    _problem(refused, 405)
    # Starlette names the methods of the first route on the path only (GET here).
    assert "GET" in refused.headers["allow"]


# -- the schema --------------------------------------------------------------------------


def test_every_problem_answer_is_declared_as_a_problem_document(api: Api):
    """The schema declared FastAPI's JSON HTTPValidationError for 422, which the app never
    sends, and no 401, 403, 404, 409, 423, 429 or 503 at all."""
    document = api.client.get("/openapi.json").json()
    assert "HTTPValidationError" not in document["components"]["schemas"]
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "title_ja", "status"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for status, answer in responses.items():
                if status.startswith(("4", "5")):
                    content = answer["content"]
                    assert set(content) == {PROBLEM}, (method, path, status)
                    assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}
            if path.startswith(("/api/v1/persons", "/api/v1/exports", "/api/v1/users")):
                assert {"401", "403", "422", "503"} <= set(responses), (method, path)
            if path.startswith("/api/v1/auth/"):
                assert {"401", "503"} <= set(responses), (method, path)
    read = document["paths"]["/api/v1/persons/{person_id}/number/read"]["post"]["responses"]
    assert {"400", "404", "409"} <= set(read)
    sign_in = document["paths"]["/api/v1/auth/sign-in"]["post"]["responses"]
    assert {"423", "429"} <= set(sign_in)
    assert sign_in["401"]["headers"]["WWW-Authenticate"]["required"] is True
    assert sign_in["429"]["headers"]["Retry-After"]["required"] is True


def test_a_rate_limited_sign_in_says_when_to_retry(api: Api):
    for _ in range(10):
        api.client.post("/api/v1/auth/sign-in", json=api.credentials("nobody", PASSWORD))
    limited = api.client.post("/api/v1/auth/sign-in", json=api.credentials("nobody", PASSWORD))
    _problem(limited, 429)
    assert int(limited.headers["retry-after"]) >= 1


def test_a_sealed_vault_answers_a_declared_503(tmp_path: Path):
    """Not found by the fuzzer (its vaults are unsealed), but declared for it to check."""
    sealed = create_app(load_settings(tmp_path / "none", env={}))
    with TestClient(sealed) as client:
        answer = client.get("/api/v1/persons", headers=bearer("mnv_s_x"))
        assert _problem(answer, 503)["type"].endswith("/sealed")
        document = client.get("/openapi.json").json()
    assert "503" in document["paths"]["/api/v1/persons"]["get"]["responses"]

"""The REST API end to end (issue #3): sign-in with TOTP, number use, exports by two
people, lockout, sessions, API tokens, problem documents. Real app, real database."""

from __future__ import annotations

import random

import pyrage
import pytest
from sqlalchemy import select

from mnvault.audit.models import AuditEntry
from mnvault.numbers import generate_my_number
from tests.api_support import PASSWORD, SLIP, Api, acquire, api, bearer, system_token
from tests.conftest import MaskedStr

__all__ = ["api"]  # the fixture, imported so that pytest finds it here


def test_clerk_signs_in_with_totp_and_reads_a_number(api: Api):
    number = MaskedStr(generate_my_number(random.Random(1)))
    first = api.sign_in("clerk")
    assert first["stage"] == "enrol"
    refused = api.client.get("/api/v1/persons", headers=bearer(str(first["token"])))
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    token = api.full_session("clerk")
    person_id = acquire(api, token, "E1", number)
    read = api.client.post(
        f"/api/v1/persons/{person_id}/number/read", headers=bearer(token), json={"affair": SLIP}
    )
    assert read.status_code == 200
    assert read.json()["my_number"] == number
    assert read.headers["cache-control"] == "no-store"
    found = api.client.post(
        "/api/v1/numbers/lookup", headers=bearer(token),
        json={"my_number": number, "affair": SLIP},
    )  # fmt: skip
    assert found.json()["found"] is True
    assert number not in found.text
    with api.vault.transaction() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry))]
    assert "number:read" in actions and "auth:totp_enrol" in actions
    # A second sign-in asks for the code, then works.
    again = api.full_session("clerk")
    listed = api.client.get("/api/v1/persons", headers=bearer(again))
    assert listed.json()["total"] == 1
    assert number not in listed.text


@pytest.mark.parametrize("who", ["admin", "auditor"])
def test_admin_and_auditor_never_get_a_number(api: Api, who: str):
    number = MaskedStr(generate_my_number(random.Random(2)))
    person_id = acquire(api, api.full_session("clerk"), "E2", number)
    token = api.full_session(who)
    read = api.client.post(
        f"/api/v1/persons/{person_id}/number/read", headers=bearer(token), json={"affair": SLIP}
    )
    assert read.status_code == 403
    assert read.json()["reason"] == "no role grants number:read"
    assert number not in read.text
    lookup = api.client.post(
        "/api/v1/numbers/lookup", headers=bearer(token),
        json={"my_number": number, "affair": SLIP},
    )  # fmt: skip
    assert lookup.status_code == 403


def test_export_needs_a_second_person(api: Api):
    number = MaskedStr(generate_my_number(random.Random(3)))
    clerk = api.full_session("clerk")
    acquire(api, clerk, "E3", number)
    identity = pyrage.x25519.Identity.generate()
    asked = api.client.post(
        "/api/v1/exports", headers=bearer(clerk),
        json={"affair": SLIP, "purpose": "給与支払報告書の提出",
              "recipient": str(identity.to_public())},
    )  # fmt: skip
    assert asked.status_code == 201, asked.text
    export_id = asked.json()["id"]
    early = api.client.post(f"/api/v1/exports/{export_id}/download", headers=bearer(clerk))
    assert early.status_code == 422
    own = api.client.post(
        f"/api/v1/exports/{export_id}/decision", headers=bearer(clerk), json={"approve": True}
    )
    assert own.status_code == 403
    manager = api.full_session("manager")
    approved = api.client.post(
        f"/api/v1/exports/{export_id}/decision", headers=bearer(manager), json={"approve": True}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "approved"
    not_theirs = api.client.post(f"/api/v1/exports/{export_id}/download", headers=bearer(manager))
    assert not_theirs.status_code == 403
    got = api.client.post(f"/api/v1/exports/{export_id}/download", headers=bearer(clerk))
    assert got.status_code == 200
    assert got.headers["cache-control"] == "no-store"
    assert number in pyrage.decrypt(got.content, [identity]).decode()
    again = api.client.post(f"/api/v1/exports/{export_id}/download", headers=bearer(clerk))
    assert again.status_code == 422  # once


def test_lockout_after_repeated_failures(api: Api):
    for _ in range(5):
        bad = api.client.post(
            "/api/v1/auth/sign-in", json=api.credentials("auditor", "wrong password!")
        )
        assert bad.status_code == 401
        assert bad.json()["title_ja"]
    locked = api.client.post("/api/v1/auth/sign-in", json=api.credentials("auditor", PASSWORD))
    assert locked.status_code == 401  # as for an unknown login (test_lockout_answers.py)
    with api.vault.transaction() as session:
        actions = [e.action for e in session.scalars(select(AuditEntry))]
    assert actions.count("auth:login_failed") == 6 and "auth:lockout" in actions


def test_sign_out_and_sign_out_everywhere(api: Api):
    one, two = api.full_session("admin"), api.full_session("admin")
    assert api.client.get("/api/v1/persons", headers=bearer(one)).status_code == 200
    api.client.post("/api/v1/auth/sign-out", headers=bearer(one))
    assert api.client.get("/api/v1/persons", headers=bearer(one)).status_code == 401
    assert api.client.get("/api/v1/persons", headers=bearer(two)).status_code == 200
    api.client.post("/api/v1/auth/sign-out-everywhere", headers=bearer(two))
    assert api.client.get("/api/v1/persons", headers=bearer(two)).status_code == 401


def test_api_tokens_are_scoped_shown_once_and_revocable(api: Api):
    number = MaskedStr(generate_my_number(random.Random(4)))
    person_id = acquire(api, api.full_session("clerk"), "E4", number)
    admin = api.full_session("admin")
    created = system_token(api, admin, [SLIP])  # a system user's, approved by the manager
    token = created["token"]
    read = api.client.post(
        f"/api/v1/persons/{person_id}/number/read", headers=bearer(token), json={"affair": SLIP}
    )
    assert read.status_code == 200 and read.json()["my_number"] == number
    outside = api.client.post(
        f"/api/v1/persons/{person_id}/number/read", headers=bearer(token),
        json={"affair": "dependent_deduction_declaration"},
    )  # fmt: skip
    assert outside.status_code == 403
    api.client.delete(f"/api/v1/tokens/{created['id']}", headers=bearer(admin))
    revoked = api.client.post(
        f"/api/v1/persons/{person_id}/number/read", headers=bearer(token), json={"affair": SLIP}
    )
    assert revoked.status_code == 401


def test_errors_are_problem_documents_without_numbers(api: Api):
    number = generate_my_number(random.Random(5))
    wrong = MaskedStr(number[:-1] + str((int(number[-1]) + 1) % 10))
    clerk = api.full_session("clerk")
    person = api.client.post(
        "/api/v1/persons", headers=bearer(clerk),
        json={"kind": "employee", "external_ref": "E5", "name": "試験"},
    ).json()  # fmt: skip
    bad = api.client.post(
        f"/api/v1/persons/{person['id']}/number", headers=bearer(clerk),
        json={"my_number": wrong, "affairs": [SLIP],
              "verification": {"number_check_document": "my_number_card",
                               "identity_check_document": "my_number_card"}},
    )  # fmt: skip
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert "チェックデジット" in bad.json()["detail"]
    assert wrong not in bad.text
    missing = api.client.post(
        "/api/v1/numbers/lookup", headers=bearer(clerk), json={"my_number": wrong}
    )
    assert missing.status_code == 422 and wrong not in missing.text
    unauthenticated = api.client.get("/api/v1/persons")
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["www-authenticate"].startswith("Bearer")


def test_password_change_follows_the_rules_and_normalises(api: Api):
    token = api.full_session("auditor")  # no second factor: 15 characters at least
    weak = api.client.post(
        "/api/v1/auth/password", headers=bearer(token),
        json={"current_password": PASSWORD, "new_password": "password123456789"},
    )  # fmt: skip
    assert weak.status_code == 422
    assert "password123456789" not in weak.text
    new = "ｆｕｌｌ-ｗｉｄｔｈ うさぎ 2026 kagoshima"  # typed with a Japanese IME
    ok = api.client.post(
        "/api/v1/auth/password", headers=bearer(token),
        json={"current_password": PASSWORD, "new_password": new},
    )  # fmt: skip
    assert ok.status_code == 200, ok.text
    half_width = "full-width うさぎ 2026 kagoshima"
    again = api.client.post("/api/v1/auth/sign-in", json=api.credentials("auditor", half_width))
    assert again.status_code == 200

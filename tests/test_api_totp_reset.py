"""`POST /users/{id}/totp-reset` and the order of a forced password change, over HTTP
(seed 図表2-2 (6)② 識別と認証; 事業者編 別添1 2C: an admin gets no unnecessary access)."""

from __future__ import annotations

import time

from sqlalchemy import select

from mnvault.audit.models import AuditEntry
from mnvault.crypto.totp import totp_code
from tests.api_support import PASSWORD, Api, api, bearer

__all__ = ["api"]


def _reset(api: Api, admin: str, who: str, reason: str = "機種変更 / new phone") -> object:
    return api.client.post(
        f"/api/v1/users/{api.users[who]}/totp-reset", headers=bearer(admin),
        json={"reason": reason},
    )  # fmt: skip


def test_an_admin_resets_a_lost_authenticator(api: Api):
    clerk = api.full_session("clerk")
    admin = api.full_session("admin")
    reset = _reset(api, admin, "clerk")
    assert reset.status_code == 200, reset.text
    assert reset.json() == {"sessions_ended": 1}
    assert number_free(reset.text)
    # The clerk's session is over; their next sign-in enrols a new authenticator.
    assert api.client.get("/api/v1/persons", headers=bearer(clerk)).status_code == 401
    assert api.sign_in("clerk")["stage"] == "enrol"
    api.full_session("clerk")
    with api.vault.transaction() as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "auth:totp_reset")
        ).one()
    assert entry.details == {
        "user_id": str(api.users["clerk"]),
        "reason": "機種変更 / new phone",
        "sessions_ended": 1,
    }


def test_the_reset_is_refused_for_oneself_other_roles_and_other_tenants(api: Api):
    admin = api.full_session("admin")
    own = api.client.post(
        f"/api/v1/users/{api.users['admin']}/totp-reset", headers=bearer(admin),
        json={"reason": "x"},
    )  # fmt: skip
    assert own.status_code == 403 and own.headers["content-type"] == "application/problem+json"
    manager = api.full_session("manager")
    assert _reset(api, manager, "clerk").status_code == 403
    nobody = api.client.post(
        "/api/v1/users/00000000-0000-4000-8000-000000000000/totp-reset",
        headers=bearer(admin), json={"reason": "x"},
    )  # fmt: skip
    assert nobody.status_code == 404
    assert _reset(api, admin, "clerk", "   ").status_code == 422


def test_a_temporary_password_cannot_be_changed_past_the_users_authenticator(api: Api):
    """An admin who reset a clerk's password holds it; changing it to one of their own
    needs the clerk's second factor first."""
    api.full_session("clerk")
    admin = api.full_session("admin")
    temporary = api.client.post(
        f"/api/v1/users/{api.users['clerk']}/password-reset", headers=bearer(admin)
    ).json()["temporary_password"]
    signed = api.sign_in("clerk", temporary)
    assert signed["stage"] == "password"
    token = str(signed["token"])
    change = {"current_password": temporary, "new_password": "mine now, said the admin"}
    refused = api.client.post("/api/v1/auth/password", headers=bearer(token), json=change)
    assert refused.status_code == 401
    assert _reset(api, admin, "clerk").status_code == 403  # the password change is pending
    code = totp_code(api.secrets["clerk"], time.time() + 30)
    done = api.client.post("/api/v1/auth/second-factor", headers=bearer(token), json={"code": code})
    assert done.status_code == 200
    # Past the second factor, the forced change comes before anything else.
    assert api.client.get("/api/v1/persons", headers=bearer(token)).status_code == 403
    change["new_password"] = PASSWORD + " again"
    assert api.client.post("/api/v1/auth/password", headers=bearer(token), json=change).is_success


def number_free(text: str) -> bool:
    from mnvault.numbers import redact

    return redact(text) == text


def test_a_password_alone_cannot_try_codes_at_the_enrolment_step(api: Api):
    """Once enrolled, /totp/confirm answers 409: it would otherwise be a second-factor
    step without the lockout."""
    api.full_session("clerk")
    token = str(api.sign_in("clerk")["token"])
    tried = api.client.post(
        "/api/v1/auth/totp/confirm", headers=bearer(token), json={"code": "123456"}
    )
    assert tried.status_code == 409
    done = api.client.post("/api/v1/auth/second-factor", headers=bearer(token), json={"code": "1"})
    assert done.status_code == 422  # the real step, with its lockout, is still there


def test_enrolling_does_not_skip_a_password_change(api: Api):
    admin = api.full_session("admin")
    created = api.client.post(
        "/api/v1/users", headers=bearer(admin),
        json={"login": "tanaka", "display_name": "田中", "roles": ["clerk"]},
    )  # fmt: skip
    signed = api.sign_in("tanaka", created.json()["initial_password"])
    assert signed["stage"] == "change"
    token = bearer(str(signed["token"]))
    uri = api.client.post("/api/v1/auth/totp/enrol", headers=token).json()["otpauth_uri"]
    from tests.cli_support import secret_of

    code = totp_code(secret_of(uri), time.time())
    confirmed = api.client.post("/api/v1/auth/totp/confirm", headers=token, json={"code": code})
    assert confirmed.status_code == 200
    still = api.client.get("/api/v1/persons", headers=token)
    assert still.status_code == 403 and still.json()["type"].endswith("password-change-required")

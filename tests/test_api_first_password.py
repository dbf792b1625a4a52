"""A password someone else set (the first admin's, an admin's reset) must be changed
before anything else, and every session ends when it is (NIST SP 800-63B §3.1.1.2 and
the guideline's 識別と認証, seed 図表2-2 (6)②)."""

from __future__ import annotations

from tests.api_support import PASSWORD, Api, api, bearer

__all__ = ["api"]


def test_a_reset_password_must_be_changed_first(api: Api):
    admin = api.full_session("admin")
    reset = api.client.post(
        f"/api/v1/users/{api.users['auditor']}/password-reset", headers=bearer(admin)
    )
    assert reset.status_code == 200, reset.text
    temporary = reset.json()["temporary_password"]
    signed = api.client.post(
        "/api/v1/auth/sign-in", json=api.credentials("auditor", temporary)
    ).json()
    assert signed["stage"] == "change"
    token = signed["token"]
    blocked = api.client.get("/api/v1/persons", headers=bearer(token))
    assert blocked.status_code == 403
    assert blocked.headers["content-type"] == "application/problem+json"
    new = "a quiet harbour at dawn 2026"
    changed = api.client.post(
        "/api/v1/auth/password", headers=bearer(token),
        json={"current_password": temporary, "new_password": new},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    # The session that changed it ends too; the new password signs in for real.
    assert api.client.get("/api/v1/persons", headers=bearer(token)).status_code == 401
    again = api.client.post("/api/v1/auth/sign-in", json=api.credentials("auditor", new))
    assert again.json()["stage"] == "full"
    old = api.client.post("/api/v1/auth/sign-in", json=api.credentials("auditor", PASSWORD))
    assert old.status_code == 401

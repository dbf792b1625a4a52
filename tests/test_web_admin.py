"""The administrator's screens (issue #6 "Admin"): users with their sign-in state, a user
added with an initial password shown once, roles granted and revoked, password and
second-factor resets with their rules (事業者編 別添1 2C 組織的安全管理措置; seed 図表2-2
(6)② 識別と認証: one admin never holds both factors of another user), assignments as
clerk × affair × scope (seed 図表2-1 (3)①), access conditions (図表2-2 (6)①③), API
tokens shown once, keys and the disposal confirmation setting (別添1 2E d).

Every form needs the CSRF token; clerks, managers and auditors are refused the admin's
screens; no number appears on any of them (DESIGN.md §4: the admin is number-blind)."""

from __future__ import annotations

import random
import re

import pytest
from sqlalchemy import select

from mnvault.access.models import Assignment, Membership
from mnvault.audit.models import AuditEntry
from mnvault.auth.models import UserSecurity
from mnvault.db.base import utcnow
from mnvault.numbers import generate_my_number
from tests.api_support import SLIP, acquire, bearer
from tests.conftest import MaskedStr
from tests.web_support import Browser, Web, csrf_of, web

__all__ = ["web"]

ADMIN_PAGES = ["/admin/users", "/admin/assignments", "/admin/tokens", "/admin/keys"]


def _admin(web: Web) -> Browser:
    admin = web.browser()
    signed = admin.sign_in("admin")
    assert signed.status_code == 200, signed.text
    return admin


def _actions(web: Web, action: str) -> list[AuditEntry]:
    with web.api.vault.transaction() as session:
        rows = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        session.expunge_all()
        return list(rows)


def test_users_list_shows_roles_totp_lock_and_last_sign_in(web: Web):
    clerk = web.browser()
    clerk.sign_in("clerk")  # enrols TOTP: the list says so
    with web.api.vault.transaction() as session:
        state = session.get(UserSecurity, web.api.users["manager"]) or UserSecurity(
            user_id=web.api.users["manager"]
        )
        state.locked_until = utcnow().replace(year=utcnow().year + 1)
        session.add(state)
    admin = _admin(web)
    page = admin.get("/admin/users")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    rows = {
        m.group(1): m.group(0)
        for m in re.finditer(
            r'<tr>\s*<td><a href="/admin/users/[^"]+">([^<]+)</a>.*?</tr>', page.text, re.S
        )
    }
    assert {"admin", "clerk", "clerk2", "manager", "auditor", "payroll"} <= set(rows)
    assert "事務取扱担当者" in rows["clerk"] and "登録済み" in rows["clerk"]
    assert "未登録" in rows["clerk2"] and "なし" in rows["clerk2"]  # never signed in
    assert "ロック中" in rows["manager"]
    # The lock is lifted by hand; the user's password and second factor stay.
    unlocked = admin.submit(
        f"/admin/users/{web.api.users['manager']}",
        f"/admin/users/{web.api.users['manager']}/unlock", {},
    )  # fmt: skip
    assert unlocked.status_code == 200 and "ロックを解除しました" in unlocked.text
    assert _actions(web, "auth:unlock")


def test_add_user_shows_the_initial_password_once_and_forces_a_change(web: Web):
    admin = _admin(web)
    made = admin.submit(
        "/admin/users", "/admin/users",
        {"login": "hr.sato", "display_name": "佐藤 花子", "roles": "clerk"},
    )  # fmt: skip
    assert made.status_code == 200
    password = re.search(r'<code class="secret">([^<]+)</code>', made.text)
    assert password, made.text
    assert made.headers["cache-control"] == "no-store"
    listing = admin.get("/admin/users").text
    assert password.group(1) not in listing and "hr.sato" in listing
    assert "パスワード変更が必要" in listing
    # The new user signs in with it and is sent to change it first.
    newcomer = web.browser()
    first = newcomer.submit(
        "/sign-in", "/sign-in", admin.api.credentials("hr.sato", password.group(1))
    )
    assert first.url.path in {"/password", "/sign-in/enrol"}, first.url


@pytest.mark.parametrize(
    ("data", "kept", "status"),
    [
        ({"login": "clerk", "display_name": "二重 登録", "roles": "clerk"}, "二重 登録", 409),
        ({"login": "bad login!", "display_name": "名前", "roles": "clerk"}, "名前", 422),
        ({"login": "norole", "display_name": "役割なし"}, "役割なし", 422),
    ],
)
def test_add_user_refused_keeps_what_was_typed(
    web: Web, data: dict[str, str], kept: str, status: int
):
    admin = _admin(web)
    refused = admin.submit("/admin/users", "/admin/users", data)
    assert refused.status_code == status
    assert 'id="form-error"' in refused.text and kept in refused.text


def test_every_admin_form_needs_the_csrf_token(web: Web):
    admin = _admin(web)
    for action in ["/admin/users", "/admin/tokens", "/admin/assignments", "/admin/keys/rotate",
                   "/admin/conditions", "/admin/settings/disposal"]:  # fmt: skip
        answer = admin.client.post(action, data={"login": "x", "display_name": "x"})
        assert answer.status_code == 403, action
    assert "x" not in [u for u in web.api.users]


@pytest.mark.parametrize("login", ["clerk", "manager", "auditor"])
def test_other_roles_are_refused_the_admin_screens(web: Web, login: str):
    other = web.browser()
    other.sign_in(login)
    for path in ["/admin/users", "/admin/tokens", "/admin/keys"]:
        assert other.get(path).status_code == 403, path
    if login != "manager":  # a manager assigns clerks (policy table: ASSIGNMENT_MANAGE)
        assert other.get("/admin/assignments").status_code == 403
    token = csrf_of(other.get("/").text)
    tried = other.client.post(
        "/admin/users",
        data={"csrf_token": token, "login": "intruder", "display_name": "x", "roles": "admin"},
    )
    assert tried.status_code == 403
    assert "intruder" not in _admin(web).get("/admin/users").text
    assert "管理" not in other.get("/").text.split("<main")[0]  # no admin link for them


# Role changes: (role granted first, role revoked, expected status, legal/design source)
ROLE_CASES = [
    (None, "clerk", 422, "a user keeps at least one role"),
    # A clerk never also audits (issue #11): the second role is another number role.
    ("manager", "manager", 303, "a role granted can be revoked"),
    (None, "admin", 404, "a role not held is not found"),
]


@pytest.mark.parametrize(("grant", "revoke", "status", "why"), ROLE_CASES)
def test_role_grant_and_revoke(web: Web, grant: str | None, revoke: str, status: int, why: str):
    admin = _admin(web)
    user_id = web.api.users["clerk2"]
    page = f"/admin/users/{user_id}"
    if grant:
        granted = admin.submit(page, f"{page}/roles/grant", {"role": grant})
        assert "役割を付与しました" in granted.text, why
    answer = admin.client.post(
        f"{page}/roles/revoke",
        data={"csrf_token": csrf_of(admin.get(page).text), "role": revoke},
        follow_redirects=False,
    )
    assert answer.status_code == status, why
    with web.api.vault.transaction() as session:
        roles = set(session.scalars(select(Membership.role).where(Membership.user_id == user_id)))
    assert roles == {"clerk"}, why


def test_the_last_admin_keeps_the_role(web: Web):
    admin = _admin(web)
    page = f"/admin/users/{web.api.users['admin']}"
    admin.submit(page, f"{page}/roles/grant", {"role": "auditor"})
    refused = admin.submit(page, f"{page}/roles/revoke", {"role": "admin"})
    assert refused.status_code == 422 and "最後のシステム管理者" in refused.text


def test_resets_never_give_one_admin_both_factors(web: Web):
    admin = _admin(web)
    own = f"/admin/users/{web.api.users['admin']}"
    refused = admin.submit(own, f"{own}/totp-reset", {"reason": "紛失"})
    assert refused.status_code == 403
    assert "own second factor" in refused.text and 'id="form-error"' in refused.text
    clerk = f"/admin/users/{web.api.users['clerk']}"
    reset = admin.submit(clerk, f"{clerk}/totp-reset", {"reason": "スマートフォン紛失"})
    assert reset.status_code == 200 and "認証アプリをリセットしました" in reset.text
    # With the second factor reset, the password cannot be reset by an admin too.
    both = admin.submit(clerk, f"{clerk}/password-reset", {})
    assert both.status_code == 403 and "second factor reset pending" in both.text
    assert 'class="secret"' not in both.text
    # Another user's password reset: a temporary password, shown once.
    other = f"/admin/users/{web.api.users['clerk2']}"
    temp = admin.submit(other, f"{other}/password-reset", {})
    assert temp.status_code == 200 and '<code class="secret">' in temp.text
    assert _actions(web, "auth:password_reset") and _actions(web, "auth:totp_reset")


def test_api_token_is_shown_exactly_once_and_can_be_revoked(web: Web):
    admin = _admin(web)
    made = admin.submit(
        "/admin/tokens", "/admin/tokens",
        {"user": str(web.api.users["payroll"]), "name": "給与システム", "affairs": SLIP,
         "valid_days": "30"},
    )  # fmt: skip
    assert made.status_code == 200, made.text
    found = re.search(r'id="token-value" class="secret" value="([^"]+)"', made.text)
    assert found
    token = found.group(1)
    assert made.headers["cache-control"] == "no-store"
    assert made.text.count(token) == 1
    assert token not in str(made.url)
    assert 'id="token-waiting"' in made.text  # the payroll system user sees numbers
    assert web.api.client.get("/api/v1/persons", headers=bearer(token)).status_code == 401
    # A manager, not the admin, approves it on their approvals screen (issue #11).
    manager = web.browser()
    manager.sign_in("manager")
    waiting = manager.get("/approvals").text
    approve = re.search(r'action="(/approvals/tokens/[0-9a-f-]{36})"', waiting)
    assert approve and "給与システム" in waiting
    approved = manager.submit("/approvals", approve.group(1), {})
    assert 'id="approved"' in approved.text
    assert admin.client.get("/approvals").status_code == 403
    listing = admin.get("/admin/tokens").text
    assert token not in listing and "給与システム" in listing and "有効" in listing
    # The token works for its affair; revoked, it stops working.
    assert web.api.client.get("/api/v1/persons", headers=bearer(token)).status_code == 200
    token_id = re.search(r'action="/admin/tokens/([0-9a-f-]{36})/revoke"', listing)
    assert token_id
    revoked = admin.submit("/admin/tokens", f"/admin/tokens/{token_id.group(1)}/revoke", {})
    assert "トークンを失効させました" in revoked.text and "失効" in revoked.text
    assert web.api.client.get("/api/v1/persons", headers=bearer(token)).status_code == 401


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ({"name": "x", "valid_days": "30"}, "no affair"),
        ({"name": "x", "affairs": SLIP, "valid_days": "400"}, "too long"),
        ({"name": "x", "affairs": "no_such_affair", "valid_days": "30"}, "unknown affair"),
    ],
)
def test_api_token_refused_keeps_the_form(web: Web, data: dict[str, str], why: str):
    admin = _admin(web)
    refused = admin.submit(
        "/admin/tokens", "/admin/tokens", {"user": str(web.api.users["payroll"]), **data}
    )
    assert refused.status_code == 422, why
    assert 'id="form-error"' in refused.text and 'id="token-value"' not in refused.text


def test_assignments_table_add_and_end(web: Web):
    admin = _admin(web)
    page = admin.get("/admin/assignments")
    assert page.status_code == 200
    table = page.text.split('id="assignments"')[1].split("</table>")[0]
    assert "clerk" in table and SLIP in table and "すべて" in table
    saved = admin.submit(
        "/admin/assignments", "/admin/assignments",
        {"user": str(web.api.users["clerk2"]), "affair": SLIP, "person_kinds": "employee"},
    )  # fmt: skip
    assert "担当を保存しました" in saved.text
    row = re.search(r"<tr>\s*<td>clerk2.*?</tr>", saved.text, re.S)
    assert row and "従業員" in row.group(0)
    with web.api.vault.transaction() as session:
        assignment = session.scalars(
            select(Assignment).where(Assignment.user_id == web.api.users["clerk2"])
        ).one()
        assignment_id = assignment.id
    ended = admin.submit("/admin/assignments", f"/admin/assignments/{assignment_id}/remove", {})
    assert "担当を終了しました" in ended.text
    assert not re.search(r"<tr>\s*<td>clerk2", ended.text)
    assert _actions(web, "assignment:delete")


def test_conditions_refused_then_saved(web: Web):
    admin = _admin(web)
    bad = admin.submit("/admin/assignments", "/admin/conditions", {"networks": "not-a-network"})
    assert bad.status_code == 422 and "CIDR" in bad.text
    good = admin.submit(
        "/admin/assignments", "/admin/conditions",
        {"office_days": "1", "office_start": "00:00", "office_end": "23:59",
         "networks": "127.0.0.0/8\n10.0.0.0/8"},
    )  # fmt: skip
    assert "条件を保存しました" in good.text and "127.0.0.0/8" in good.text


def test_keys_rotate_and_disposal_setting(web: Web):
    admin = _admin(web)
    page = admin.get("/admin/keys")
    assert page.status_code == 200 and 'id="kek-versions"' in page.text
    rotated = admin.submit("/admin/keys", "/admin/keys/rotate", {})
    assert rotated.status_code == 200 and 'id="rotation-result"' in rotated.text
    assert _actions(web, "key:rotate")
    off = admin.submit("/admin/keys", "/admin/settings/disposal", {})
    assert "設定を保存しました" in off.text
    assert 'name="confirmation_required" checked' not in off.text
    assert _actions(web, "disposal_settings:update")
    board = admin.get("/").text
    assert "鍵と設定" in board and "廃棄の確認" in board


def test_no_number_on_any_admin_screen(web: Web):
    number = MaskedStr(generate_my_number(random.Random(61)))
    acquire(web.api, web.api.full_session("clerk"), "E610", number)
    admin = _admin(web)
    admin.submit("/admin/keys", "/admin/keys/rotate", {})
    pages = [admin.get(p) for p in [*ADMIN_PAGES, "/"]]
    pages.append(admin.get(f"/admin/users/{web.api.users['clerk']}"))
    for answer in pages:
        assert answer.status_code == 200, answer.url
        assert number not in answer.text, answer.url

"""Number-blind administrators, two people, second factor (issue #11, critical item).

The red team's path: an admin who signed in with a password alone minted API tokens for
a human clerk and a manager, then requested, approved and downloaded a take-out with
them. Every test here tries one path by which an administrator could end up holding
something that returns a number (tokens, password and second-factor resets, new
accounts, outside roles, roles and assignments to themselves) and expects refusal,
audited; and checks the legitimate path (a system user's token approved by a manager)
still works. Real app, real database, the real password + TOTP flow.
"""

from __future__ import annotations

import base64
import random
import time
import urllib.parse
import uuid

import pyrage
import pytest
from sqlalchemy import select

from mnvault.access import outside
from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import Assignment, Membership, Role, User
from mnvault.affairs.services import get_affair
from mnvault.audit.models import AuditEntry
from mnvault.auth.models import UserSecurity
from mnvault.crypto.totp import totp_code
from mnvault.db.base import utcnow
from mnvault.numbers import generate_my_number
from mnvault.orgs import services as orgs
from mnvault.orgs.models import OrganisationKind
from tests.api_support import PASSWORD, SLIP, Api, acquire, api, bearer
from tests.conftest import MaskedStr
from tests.support.outsourcing import contract_with
from tests.web_support import Web, web

__all__ = ["api", "web"]  # the fixtures, imported so that pytest finds them here

NEW_PASSWORD = "a passphrase the admin chose for the clerk"


def _denials(api: Api, permission: str | None = None) -> int:
    with api.vault.transaction() as session:
        return sum(
            1
            for e in session.scalars(select(AuditEntry).where(AuditEntry.outcome == "denied"))
            if permission is None or e.permission == permission
        )


def _read(api: Api, token: str, person_id: str) -> int:
    return api.client.post(
        f"/api/v1/persons/{person_id}/number/read", headers=bearer(token), json={"affair": SLIP}
    ).status_code


def _enrol(api: Api, token: str) -> bytes:
    """Enrol an authenticator on the session ``token``; returns its secret."""
    uri = api.client.post("/api/v1/auth/totp/enrol", headers=bearer(token)).json()["otpauth_uri"]
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
    raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
    done = api.client.post(
        "/api/v1/auth/totp/confirm", headers=bearer(token),
        json={"code": totp_code(raw, time.time())},
    )  # fmt: skip
    assert done.status_code == 200, done.text
    return raw


def _take_over(api: Api, login: str, password: str) -> tuple[str, bytes]:
    """What an admin who knows a first (or reset) password does: sign in, make the
    password their own, enrol their own phone. Returns a full session and the secret."""
    first = api.client.post("/api/v1/auth/sign-in", json=api.credentials(login, password))
    assert first.status_code == 200 and first.json()["stage"] == "change", first.text
    changed = api.client.post(
        "/api/v1/auth/password", headers=bearer(first.json()["token"]),
        json={"current_password": password, "new_password": NEW_PASSWORD},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text
    again = api.sign_in(login, NEW_PASSWORD)
    assert again["stage"] == "enrol"
    token = str(again["token"])
    return token, _enrol(api, token)


def test_admin_cannot_mint_tokens_for_people_and_take_numbers_out(api: Api):
    """The red team's path through the API: admin → clerk's and manager's tokens →
    take-out requested, approved and downloaded. Refused at the first step, audited."""
    number = MaskedStr(generate_my_number(random.Random(1101)))
    acquire(api, api.full_session("clerk"), "A1", number)
    admin = api.full_session("admin")
    before = _denials(api)
    minted: dict[str, str] = {}
    for login in ("clerk", "manager"):
        made = api.client.post(
            "/api/v1/tokens", headers=bearer(admin),
            json={"user_id": str(api.users[login]), "name": "抜け道", "affairs": [SLIP]},
        )  # fmt: skip
        if made.status_code == 201:
            minted[login] = made.json()["token"]
        assert made.status_code == 403, made.text
        assert "システム利用者" in made.text and "system users" in made.text
    assert _denials(api) == before + 2
    if minted:  # what today's main allowed: every number leaves
        identity = pyrage.x25519.Identity.generate()
        asked = api.client.post(
            "/api/v1/exports", headers=bearer(minted["clerk"]),
            json={"affair": SLIP, "purpose": "p", "recipient": str(identity.to_public())},
        )  # fmt: skip
        export_id = asked.json()["id"]
        api.client.post(
            f"/api/v1/exports/{export_id}/decision", headers=bearer(minted["manager"]),
            json={"approve": True},
        )  # fmt: skip
        got = api.client.post(
            f"/api/v1/exports/{export_id}/download", headers=bearer(minted["clerk"])
        )
        assert got.status_code != 200, "an administrator took every number out"


def test_system_user_token_needs_a_managers_approval_and_an_assignment(api: Api):
    """A token that can return a number: for a system user only, inside affairs a
    manager assigned it, inert until a manager (never the admin who asked) approves."""
    number = MaskedStr(generate_my_number(random.Random(1102)))
    person_id = acquire(api, api.full_session("clerk"), "A2", number)
    admin, manager = api.full_session("admin"), api.full_session("manager")
    made = api.client.post(
        "/api/v1/system-users", headers=bearer(admin),
        json={"login": "hr-system", "display_name": "人事システム", "roles": ["clerk"]},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    assert made.json()["system"] is True
    system_id = made.json()["id"]
    # The admin cannot set the system user's affairs: a manager does.
    own_assignment = api.client.post(
        "/api/v1/assignments", headers=bearer(admin), json={"user_id": system_id, "affair": SLIP}
    )
    assert own_assignment.status_code == 403
    body = {"user_id": system_id, "name": "人事連携", "affairs": [SLIP]}
    unbounded = api.client.post("/api/v1/tokens", headers=bearer(admin), json=body)
    assert unbounded.status_code == 403  # no assignment bounds it yet
    assigned = api.client.post(
        "/api/v1/assignments", headers=bearer(manager), json={"user_id": system_id, "affair": SLIP}
    )
    assert assigned.status_code == 201, assigned.text
    wider = api.client.post(
        "/api/v1/tokens", headers=bearer(admin),
        json={**body, "affairs": [SLIP, "dependent_deduction_declaration"]},
    )  # fmt: skip
    assert wider.status_code == 403
    created = api.client.post("/api/v1/tokens", headers=bearer(admin), json=body)
    assert created.status_code == 201, created.text
    assert created.json()["state"] == "awaiting_approval"
    token, token_id = created.json()["token"], created.json()["id"]
    assert _read(api, token, person_id) == 401  # inert until approved
    waiting = api.client.get("/api/v1/approvals", headers=bearer(manager)).json()
    assert [w["id"] for w in waiting if w["kind"] == "token"] == [token_id]
    assert api.client.get("/api/v1/approvals", headers=bearer(admin)).status_code == 403
    by_admin = api.client.post(f"/api/v1/tokens/{token_id}/approve", headers=bearer(admin))
    assert by_admin.status_code == 403
    approved = api.client.post(f"/api/v1/tokens/{token_id}/approve", headers=bearer(manager))
    assert approved.status_code == 200, approved.text
    listed = api.client.get("/api/v1/tokens", headers=bearer(admin)).json()
    assert [t["state"] for t in listed if t["id"] == token_id] == ["active"]
    assert "token" not in listed[0]  # shown once, never listed
    read = api.client.post(
        f"/api/v1/persons/{person_id}/number/read", headers=bearer(token), json={"affair": SLIP}
    )
    assert read.status_code == 200 and read.json()["my_number"] == number
    # A system user never signs in, whatever password is tried.
    with api.vault.transaction() as session:
        hr = session.get(User, uuid.UUID(system_id))
        assert hr is not None
        hr.password_hash = access.hash_password(PASSWORD)
    signed = api.client.post("/api/v1/auth/sign-in", json=api.credentials("hr-system"))
    assert signed.status_code == 401
    with api.vault.transaction() as session:
        reasons = [
            e.details.get("reason")
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.action == "auth:login_failed")
            )
        ]
    assert "system_user" in reasons


def test_a_password_reset_never_skips_the_clerks_second_factor(api: Api):
    """Reset a clerk who has TOTP: the admin who knows the new password still meets the
    clerk's authenticator; the reset kept it; the admin cannot then reset TOTP too."""
    api.full_session("clerk")  # the clerk enrolled their own authenticator
    admin = api.full_session("admin")
    clerk_id = api.users["clerk"]
    reset = api.client.post(f"/api/v1/users/{clerk_id}/password-reset", headers=bearer(admin))
    assert reset.status_code == 200
    temporary = reset.json()["temporary_password"]
    with api.vault.transaction() as session:
        state = session.get(UserSecurity, clerk_id)
        assert state is not None and state.totp_confirmed_at is not None  # kept
    first = api.client.post("/api/v1/auth/sign-in", json=api.credentials("clerk", temporary))
    assert first.json()["stage"] == "password"  # the clerk's second factor comes first
    as_clerk = bearer(first.json()["token"])
    assert api.client.get("/api/v1/persons", headers=as_clerk).status_code == 401
    changed = api.client.post(
        "/api/v1/auth/password", headers=as_clerk,
        json={"current_password": temporary, "new_password": NEW_PASSWORD},
    )  # fmt: skip
    assert changed.status_code == 401
    assert api.client.post("/api/v1/auth/totp/enrol", headers=as_clerk).status_code == 409
    totp = api.client.post(
        f"/api/v1/users/{clerk_id}/totp-reset", headers=bearer(admin), json={"reason": "紛失"}
    )
    assert totp.status_code == 403  # one admin never holds both factors


def test_an_account_whose_password_an_admin_knew_reads_no_number_until_confirmed(api: Api):
    """New accounts and resets of accounts without a second factor: the admin knows the
    password and can enrol their own phone, but the account reaches no number until a
    manager confirms it with a code from the owner's authenticator, in person."""
    number = MaskedStr(generate_my_number(random.Random(1103)))
    person_id = acquire(api, api.full_session("clerk"), "A3", number)
    admin, manager = api.full_session("admin"), api.full_session("manager")
    made = api.client.post(
        "/api/v1/users", headers=bearer(admin),
        json={"login": "shinjin", "display_name": "新人", "roles": ["clerk"]},
    )  # fmt: skip
    assert made.status_code == 201 and made.json()["awaiting_confirmation"] is True
    new_id = made.json()["id"]
    assigned = api.client.post(
        "/api/v1/assignments", headers=bearer(admin), json={"user_id": new_id, "affair": SLIP}
    )
    assert assigned.status_code == 201
    session_token, admins_phone = _take_over(api, "shinjin", made.json()["initial_password"])
    assert _read(api, session_token, person_id) == 403  # unconfirmed: no number
    # The real owner at the manager's desk has no authenticator that gives the codes.
    stranger = totp_code(b"not the enrolled secret!", time.time())
    refused = api.client.post(
        f"/api/v1/users/{new_id}/confirm", headers=bearer(manager), json={"code": stranger}
    )
    assert refused.status_code == 403
    by_admin = api.client.post(
        f"/api/v1/users/{new_id}/confirm", headers=bearer(admin),
        json={"code": totp_code(admins_phone, time.time() + 30)},
    )  # fmt: skip
    assert by_admin.status_code == 403  # only a manager confirms
    assert _read(api, session_token, person_id) == 403
    # The same path with the owner's own authenticator: confirmed, then numbers.
    confirmed = api.client.post(
        f"/api/v1/users/{new_id}/confirm", headers=bearer(manager),
        # A later step than the enrolment's, so not a replay.
        json={"code": totp_code(admins_phone, time.time() + 30)},
    )  # fmt: skip
    assert confirmed.status_code == 200, confirmed.text
    assert _read(api, session_token, person_id) == 200
    # A reset of an account that never enrolled puts it back under confirmation.
    reset = api.client.post(f"/api/v1/users/{api.users['clerk2']}/password-reset",
                            headers=bearer(admin))  # fmt: skip
    assert reset.status_code == 200
    with api.vault.transaction() as session:
        clerk2 = session.get(User, api.users["clerk2"])
        assert clerk2 is not None and clerk2.unconfirmed_since is not None


def test_admin_cannot_give_themselves_or_an_auditor_a_number_role(api: Api):
    """Roles to oneself, number roles for number-blind accounts, blind roles for
    number-seeing ones, new accounts that would hold both, assignments to oneself."""
    admin = api.full_session("admin")
    ctx = api.admin_context()
    for login, role in (("admin", Role.CLERK), ("admin", Role.MANAGER),
                        ("auditor", Role.CLERK), ("clerk", Role.ADMIN)):  # fmt: skip
        with api.vault.transaction() as session:
            user = session.get(User, api.users[login])
            assert user is not None
            with pytest.raises(AuthorizationDenied):
                access.grant_member_role(session, ctx, user=user, role=role)
    both = api.client.post(
        "/api/v1/users", headers=bearer(admin),
        json={"login": "both", "display_name": "兼務", "roles": ["admin", "clerk"]},
    )  # fmt: skip
    assert both.status_code == 403
    self_assigned = api.client.post(
        "/api/v1/assignments", headers=bearer(admin),
        json={"user_id": str(api.users["admin"]), "affair": SLIP},
    )  # fmt: skip
    assert self_assigned.status_code == 403
    system_admin = api.client.post(
        "/api/v1/system-users", headers=bearer(admin),
        json={"login": "robot", "display_name": "robot", "roles": ["admin"]},
    )  # fmt: skip
    assert system_admin.status_code == 403


def test_an_admin_is_not_made_a_clerk_elsewhere_through_outside_roles(api: Api):
    """Another organisation asks for this organisation's admin as a clerk; approving it
    (even by that admin) is refused: who administers anywhere sees no number anywhere."""
    with api.vault.transaction() as session:
        other = orgs.create_organisation(
            session, name="乙株式会社", kind=OrganisationKind.COMPANY, code="otsu-corp"
        )
        other_admin = access.create_user(
            session, None, home_organisation_id=other.id, login="admin", display_name="乙",
            password=PASSWORD,
        )  # fmt: skip
        access.grant_role(session, None, user=other_admin, organisation_id=other.id,
                          role=Role.ADMIN)  # fmt: skip
        other_context = Context(actor_id=other_admin.id, organisation_id=other.id)
        contract_with(session, other_context, api.organisation_code)  # issue #16
        asked = outside.request_outside_member(
            session, other_context,
            reference=f"{api.organisation_code}:admin", roles=[Role.CLERK],
        )  # fmt: skip
        request_id = asked.id
    with pytest.raises(AuthorizationDenied), api.vault.transaction() as session:
        outside.decide_request(session, api.admin_context(), request_id=request_id, approve=True)
    with api.vault.transaction() as session:
        assert access.roles_of(session, api.users["admin"], other.id) == set()


def test_admins_give_a_second_factor_before_managing_credentials(api: Api):
    """An admin's first sign-in enrols TOTP; later sign-ins stop at the second factor,
    where nothing that manages credentials answers."""
    first = api.sign_in("admin")
    assert first["stage"] == "enrol"
    pending = bearer(str(first["token"]))
    body = {"user_id": str(api.users["clerk"]), "name": "x", "affairs": [SLIP]}
    assert api.client.post("/api/v1/tokens", headers=pending, json=body).status_code == 403
    api.full_session("admin")
    later = api.sign_in("admin")
    assert later["stage"] == "password"
    half = bearer(str(later["token"]))
    reset = api.client.post(f"/api/v1/users/{api.users['clerk']}/password-reset", headers=half)
    assert reset.status_code == 401
    assert api.client.get("/api/v1/users", headers=half).status_code == 401


def test_an_older_grant_of_a_number_role_to_an_admin_reaches_no_number(api: Api):
    """Data from before these rules: an admin who also holds a clerk role and an
    assignment (written straight to the tables, as no service allows it now) reads no
    number: the policy ignores the assignments of whoever administers anywhere."""
    number = MaskedStr(generate_my_number(random.Random(1104)))
    person_id = acquire(api, api.full_session("clerk"), "A4", number)
    with api.vault.transaction() as session:
        affair = get_affair(session, api.organisation_id, SLIP)
        session.add(Membership(user_id=api.users["admin"], organisation_id=api.organisation_id,
                               role=Role.CLERK.value))  # fmt: skip
        session.add(Assignment(user_id=api.users["admin"], organisation_id=api.organisation_id,
                               affair_id=affair.id))  # fmt: skip
    admin = api.full_session("admin")
    assert _read(api, admin, person_id) == 403


def test_a_second_factor_reset_needs_a_managers_confirmation_again(api: Api):
    """After an admin resets a clerk's second factor, whoever re-enrols may be someone who
    learnt the password: the account reaches no number until a manager confirms it."""
    number = MaskedStr(generate_my_number(random.Random(1105)))
    person_id = acquire(api, api.full_session("clerk"), "A5", number)
    admin, manager = api.full_session("admin"), api.full_session("manager")
    reset = api.client.post(
        f"/api/v1/users/{api.users['clerk']}/totp-reset", headers=bearer(admin),
        json={"reason": "紛失"},
    )  # fmt: skip
    assert reset.status_code == 200
    clerk = api.full_session("clerk")  # re-enrols with their own password
    assert _read(api, clerk, person_id) == 403
    confirmed = api.client.post(
        f"/api/v1/users/{api.users['clerk']}/confirm", headers=bearer(manager),
        json={"code": totp_code(api.secrets["clerk"], time.time() + 30)},
    )  # fmt: skip
    assert confirmed.status_code == 200, confirmed.text
    assert _read(api, clerk, person_id) == 200


def test_a_manager_account_the_admin_made_cannot_approve_or_confirm(api: Api):
    """The admin makes a manager account, takes it over and tries to approve a system
    user's token and confirm another account with it: refused, the approver's own
    account awaits confirmation; the admin cannot confirm it either (a confirmed manager
    exists)."""
    admin = api.full_session("admin")
    made = api.client.post(
        "/api/v1/users", headers=bearer(admin),
        json={"login": "fake-mgr", "display_name": "偽", "roles": ["manager"]},
    )  # fmt: skip
    assert made.status_code == 201
    fake, phone = _take_over(api, "fake-mgr", made.json()["initial_password"])
    body = {"user_id": str(api.users["payroll"]), "name": "抜け道", "affairs": [SLIP]}
    asked = api.client.post("/api/v1/tokens", headers=bearer(admin), json=body)
    assert asked.status_code == 201
    approved = api.client.post(f"/api/v1/tokens/{asked.json()['id']}/approve", headers=bearer(fake))
    assert approved.status_code == 403
    assert "確認待ち" in approved.json()["reason"]
    by_admin = api.client.post(
        f"/api/v1/users/{made.json()['id']}/confirm", headers=bearer(admin),
        json={"code": totp_code(phone, time.time() + 30)},
    )  # fmt: skip
    assert by_admin.status_code == 403


def test_only_a_new_organisations_first_manager_is_confirmed_by_an_admin(api: Api):
    """Someone must be first: while an organisation has no confirmed manager and holds no
    number, its admin confirms the first manager (with the manager's own code, audited as
    such); once a number is held, never."""
    admin = api.full_session("admin")
    api.full_session("manager")
    with api.vault.transaction() as session:
        manager = session.get(User, api.users["manager"])
        assert manager is not None
        manager.unconfirmed_since = utcnow()
    url = f"/api/v1/users/{api.users['manager']}/confirm"
    first = api.client.post(
        url,
        headers=bearer(admin),
        json={"code": totp_code(api.secrets["manager"], time.time() + 30)},
    )
    assert first.status_code == 200, first.text
    with api.vault.transaction() as session:
        manager = session.get(User, api.users["manager"])
        assert manager is not None
        manager.unconfirmed_since = utcnow()
    acquire(
        api, api.full_session("clerk"), "A6", MaskedStr(generate_my_number(random.Random(1106)))
    )
    later = api.client.post(
        url,
        headers=bearer(admin),
        json={"code": totp_code(api.secrets["manager"], time.time() + 60)},
    )
    assert later.status_code == 403


def test_a_system_user_cannot_sign_in_on_the_screens(web: Web):
    """The screens answer a system user's sign-in like a wrong password (the CLI and the
    API share the same auth.sign_in); the trail says why."""
    answer = web.browser().submit("/sign-in", "/sign-in", web.api.credentials("payroll"))
    assert answer.url.path == "/sign-in" and answer.status_code == 401
    with web.api.vault.transaction() as session:
        reasons = [
            e.details.get("reason")
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.action == "auth:login_failed")
            )
        ]
    assert reasons == ["system_user"]

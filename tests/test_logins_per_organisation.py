"""Logins are per organisation (企業コード + ログインID), on SQLite and PostgreSQL.

A user of one organisation never reaches another's data (issue #3): not even the fact
that a login exists there. Sources: seed 図表2-2 (6)② アクセス者の識別と認証 (each user
identified and authenticated) and (6)① アクセス制御; 事業者編 別添1 (6)①②; for the
outsourcer's staff serving clients, 事業者編 第4-2-(1) 委託の取扱い and 番号法第11条
(the client supervises whom it lets handle its SPI: it names them one by one).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access import outside
from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied, LoginTaken
from mnvault.access.models import Role, User
from mnvault.admin import listing
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.auth import services as auth
from mnvault.auth.errors import OrganisationRequired, SignInFailed
from mnvault.orgs import services as orgs
from mnvault.orgs.codes import normalise_code, organisation_by_code, require_code
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.vault.errors import InvalidInput, NotFound
from tests.conftest import World
from tests.support.outsourcing import contract_with

PASSWORD_A = "tanaka of the first company"
PASSWORD_B = "tanaka of the second company"


@dataclass
class Tenants:
    """Two companies with a "tanaka" each, and a payroll outsourcer whose clerk serves
    both (a member of each, home at the outsourcer)."""

    a: Organisation
    b: Organisation
    outsourcer: Organisation
    admin_a: Context
    admin_b: Context
    admin_outsourcer: Context
    tanaka_a: User
    tanaka_b: User
    sato: User  # the outsourcer's clerk


def _admin(session: Session, org: Organisation) -> Context:
    admin = access.create_user(
        session, None, home_organisation_id=org.id, login="admin", display_name="管理者",
        password="an admin password",
    )  # fmt: skip
    access.grant_role(session, None, user=admin, organisation_id=org.id, role=Role.ADMIN)
    return Context(actor_id=admin.id, organisation_id=org.id)


def _member(session: Session, admin: Context, login: str, password: str) -> User:
    user, _initial = access.add_member(
        session, admin, login=login, display_name=login, roles=[Role.AUDITOR]
    )
    user.password_hash = access.hash_password(password)
    user.must_change_password = False
    return user


@pytest.fixture
def tenants(world: World) -> Tenants:
    with world.sessions() as session:
        kind = OrganisationKind.COMPANY
        a = orgs.create_organisation(session, name="甲株式会社", kind=kind, code="kou-corp")
        b = orgs.create_organisation(session, name="乙株式会社", kind=kind, code="otsu-corp")
        out = orgs.create_organisation(session, name="給与計算受託", kind=kind, code="payroll")
        admin_a, admin_b, admin_out = (_admin(session, o) for o in (a, b, out))
        tanaka_a = _member(session, admin_a, "tanaka", PASSWORD_A)
        tanaka_b = _member(session, admin_b, "tanaka", PASSWORD_B)
        sato = _member(session, admin_out, "sato", PASSWORD_A)
        for code in ("kou-corp", "nowhere"):  # issue #16: B outsources to them
            contract_with(session, admin_b, code)
        for client in (admin_a, admin_b):
            contract_with(session, client, "payroll")
            asked = outside.request_outside_member(
                session, client, reference="payroll:sato", roles=[Role.AUDITOR]
            )
            outside.decide_request(session, admin_out, request_id=asked.id, approve=True)
        session.commit()
    return Tenants(a, b, out, admin_a, admin_b, admin_out, tanaka_a, tanaka_b, sato)


def _sign_in(world: World, code: str, login: str, password: str, **kw: object) -> auth.SignIn:
    with world.sessions() as session:
        result = auth.sign_in(
            session,
            organisation_code=code,
            login=login,
            password=password,
            **kw,  # type: ignore[arg-type]
        )
        session.commit()
        return result


def _failures(world: World) -> list[str]:
    with world.sessions() as session:
        return [
            e.details["reason"]
            for e in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action == AuditAction.AUTH_LOGIN_FAILED.value)
                .order_by(AuditEntry.seq)
            )
        ]


# (organisation code, login, password, who signs in, or the audited failure reason, why)
SIGN_IN_CASES = [
    ("kou-corp", "tanaka", PASSWORD_A, "tanaka_a", "each tanaka signs in to their own"),
    ("otsu-corp", "tanaka", PASSWORD_B, "tanaka_b", "the same login, the other company"),
    ("KOU-CORP", "tanaka", PASSWORD_A, "tanaka_a", "a code reads the same in capitals"),
    ("ｋｏｕ－ｃｏｒｐ", "tanaka", PASSWORD_A, "tanaka_a", "…and typed full-width (an IME)"),
    ("otsu-corp", "tanaka", PASSWORD_A, "password", "A's password is not B's tanaka's"),
    ("payroll", "tanaka", PASSWORD_A, "unknown_login", "another organisation's code"),
    ("kou-corp", "sato", PASSWORD_A, "unknown_login", "a client's code: not sato's home"),
    ("nowhere", "tanaka", PASSWORD_A, "unknown_organisation", "an unknown code"),
    ("", "tanaka", PASSWORD_A, "unknown_organisation", "no code at all"),
    ("kou-corp", "nobody", PASSWORD_A, "unknown_login", "an unknown login"),
]


@pytest.mark.parametrize(("code", "login", "password", "outcome", "why"), SIGN_IN_CASES)
def test_sign_in_names_the_home_organisation(
    world: World, tenants: Tenants, *, code: str, login: str, password: str, outcome: str,
    why: str,
):  # fmt: skip
    if outcome.startswith("tanaka"):
        result = _sign_in(world, code, login, password)
        expected: User = getattr(tenants, outcome)
        assert result.organisation_id == expected.home_organisation_id, why
        with world.sessions() as session:
            principal = auth.resolve(session, result.token, client_address=None)
        assert principal.user_id == expected.id, why
        return
    with pytest.raises(SignInFailed) as failed:
        _sign_in(world, code, login, password)
    # One message for every case: nothing tells which part was wrong (no enumeration).
    assert str(failed.value) == str(SignInFailed()), why
    assert _failures(world)[-1] == outcome, why  # only the audit trail says which


def test_an_outsourcers_clerk_names_the_client_to_act_for(world: World, tenants: Tenants):
    with pytest.raises(OrganisationRequired):
        _sign_in(world, "payroll", "sato", PASSWORD_A)
    for client in (tenants.a, tenants.b, tenants.outsourcer):
        acting = _sign_in(world, "payroll", "sato", PASSWORD_A, organisation_id=client.id)
        assert acting.organisation_id == client.id
    stranger = orgs_named(world, "stranger")
    with pytest.raises(SignInFailed):
        _sign_in(world, "payroll", "sato", PASSWORD_A, organisation_id=stranger)
    assert _failures(world)[-1] == "organisation"


def orgs_named(world: World, code: str) -> uuid.UUID:
    with world.sessions() as session:
        org = orgs.create_organisation(session, name=code, kind=OrganisationKind.COMPANY, code=code)
        session.commit()
        return org.id


def test_the_same_login_twice_in_one_organisation_is_a_conflict(world: World, tenants: Tenants):
    with world.sessions() as session, pytest.raises(LoginTaken) as taken:
        access.add_member(
            session, tenants.admin_a, login="tanaka", display_name="二人目", roles=[Role.CLERK]
        )
    assert "この組織で既に使われています" in str(taken.value)
    assert "already used in this organisation" in str(taken.value)


def test_the_admin_of_b_gets_no_hint_of_as_users(world: World, tenants: Tenants):
    """Adding, looking up and listing in B read alike whether or not A has the login."""
    with world.sessions() as session:
        # A has a "suzuki", B has none: B's admin adds one without a conflict.
        _member(session, tenants.admin_a, "suzuki", PASSWORD_A)
        added, _ = access.add_member(
            session, tenants.admin_b, login="suzuki", display_name="鈴木", roles=[Role.CLERK]
        )
        assert added.home_organisation_id == tenants.b.id
        errors = []
        for name in ("kou-corp:tanaka", "kou-corp:nobody", "nowhere:tanaka", "tanaka-x"):
            with pytest.raises(NotFound) as missing:
                access.member_by_login(session, tenants.admin_b, name)
            errors.append(str(missing.value))
        assert len(set(errors)) == 1  # an existing user of A reads like nobody at all
        # B's own tanaka is found by the bare login; A's is not a member of B.
        assert access.member_by_login(session, tenants.admin_b, "tanaka").id == tenants.tanaka_b.id
        shown = {row.login for row in listing.users(session, tenants.admin_b)}
        assert shown == {"admin", "tanaka", "suzuki", "payroll:sato"}
        assert tenants.tanaka_a.id not in {
            row.id for row in listing.users(session, tenants.admin_b)
        }


# (reference, roles, expected error or None, why). The request answers alike whether
# or not the user exists; the cases of consent are in tests/test_outside_consent.py.
OUTSIDE_CASES = [
    ("kou-corp:tanaka", [Role.CLERK], None, "named deliberately, CODE:LOGIN"),
    ("tanaka", [Role.CLERK], InvalidInput, "a bare login is never another organisation's"),
    ("kou-corp:nobody", [Role.CLERK], None, "no such login there: the same answer"),
    ("nowhere:tanaka", [Role.CLERK], None, "no such organisation: the same answer"),
    ("kou-corp:tanaka", [], InvalidInput, "a member holds a role"),
    ("payroll:sato", [Role.CLERK], InvalidInput, "already a member of B"),
    ("otsu-corp:tanaka", [Role.CLERK], InvalidInput, "B's own user is not an outside one"),
]


@pytest.mark.parametrize(("reference", "roles", "error", "why"), OUTSIDE_CASES)
def test_asking_for_an_outside_member(
    world: World, tenants: Tenants, *, reference: str, roles: list[Role], error, why: str
):
    with world.sessions() as session:
        if error is None:
            row = outside.request_outside_member(
                session, tenants.admin_b, reference=reference, roles=roles
            )
            assert row.state == "pending", why
            # Nothing granted until A consents; A's tanaka is still no member of B.
            assert access.roles_of(session, tenants.tanaka_a.id, tenants.b.id) == set()
        else:
            with pytest.raises(error):
                outside.request_outside_member(
                    session, tenants.admin_b, reference=reference, roles=roles
                )


def test_a_client_manages_no_credential_of_the_outsourcers_clerk(world: World, tenants: Tenants):
    """A client's admin who could reset sato's password could sign in as sato and act for
    the outsourcer and its other clients; only the home organisation's admins can."""
    sato = tenants.sato.id
    refusals = [
        lambda s: auth.reset_password(s, tenants.admin_b, user_id=sato),
        lambda s: auth.reset_totp(s, tenants.admin_b, user_id=sato, reason="紛失"),
        lambda s: auth.unlock(s, tenants.admin_b, user_id=sato),
        lambda s: auth.create_api_token(
            s, tenants.admin_b, user_id=sato, name="x", affair_codes=["withholding_slip"],
            valid_for=timedelta(days=1),
        ),
    ]  # fmt: skip
    for refuse in refusals:
        with world.sessions() as session, pytest.raises(AuthorizationDenied) as denied:
            refuse(session)
        assert "home organisation" in denied.value.reason
    with world.sessions() as session:
        assert auth.reset_password(session, tenants.admin_outsourcer, user_id=sato)


# (typed, normalised code or None when refused, why)
CODE_CASES = [
    ("acme-corp", "acme-corp", "letters and a hyphen"),
    (" ACME-Corp ", "acme-corp", "spaces trimmed, capitals folded"),
    ("ａｃｍｅ１", "acme1", "full-width (NFKC) as typed with a Japanese IME"),
    ("a", "a", "one character"),
    ("a" * 32, "a" * 32, "32 characters"),
    ("a" * 33, None, "more than 32"),
    ("-acme", None, "starts with a hyphen"),
    ("acme-", None, "ends with a hyphen"),
    ("acme_corp", None, "an underscore"),
    ("acme:corp", None, "a colon would break CODE:LOGIN"),
    ("株式会社", None, "not ASCII"),
    ("", None, "empty"),
]


@pytest.mark.parametrize(("typed", "expected", "why"), CODE_CASES)
def test_organisation_codes(typed: str, expected: str | None, why: str):
    if expected is None:
        with pytest.raises(InvalidInput):
            require_code(typed)
    else:
        assert require_code(typed) == expected == normalise_code(typed), why


def test_creating_organisations(world: World, tenants: Tenants):
    with world.sessions() as session:
        made = orgs.create_organisation(session, name="丙", kind=OrganisationKind.COMPANY)
        assert made.code.startswith("org-") and require_code(made.code) == made.code
        assert organisation_by_code(session, made.code.upper()) is made
        with pytest.raises(InvalidInput):
            orgs.create_organisation(
                session, name="重複", kind=OrganisationKind.COMPANY, code="KOU-corp"
            )
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == AuditAction.ORGANISATION_CREATE.value,
                AuditEntry.organisation_id == made.id,
            )
        ).one()
        assert entry.details["code"] == made.code

"""Further organisations are made by the deployment's administrators (issue #11,
"Operating it as the README says": a payroll outsourcer's client, by CLI and API,
audited; today only Python code can)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import Membership, User
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.db.engine import unit_of_work
from mnvault.orgs import services as orgs
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.vault.errors import InvalidInput
from tests.api_support import Api, api, bearer
from tests.conftest import World

__all__ = ["api"]


def _make_operator(world: World) -> None:
    with unit_of_work(world.sessions) as session:
        organisation = session.get(Organisation, world.org.id)
        assert organisation is not None
        organisation.operator = True


def test_operator_admin_creates_a_client_with_its_own_first_admin(world: World):
    _make_operator(world)
    with unit_of_work(world.sessions) as session:
        made = orgs.create_client_organisation(
            session, world.ctx("admin"), name="乙株式会社", kind=OrganisationKind.COMPANY,
            code="OTSU-Corp", admin_login="otsu-admin",
        )  # fmt: skip
        new_id = made.organisation.id
        password = made.admin_password
    assert made.organisation.code == "otsu-corp"  # normalised like init's
    assert not made.organisation.operator
    with unit_of_work(world.sessions) as session:
        admin = session.scalar(select(User).where(User.home_organisation_id == new_id))
        assert admin is not None and admin.login == "otsu-admin"
        assert admin.must_change_password
        assert access.verify_password(admin.password_hash, password)
        roles = session.scalars(select(Membership.role).where(Membership.user_id == admin.id))
        assert list(roles) == ["admin"]
        # The creator holds no role in the new organisation.
        creator = session.scalars(
            select(Membership).where(
                Membership.user_id == world.users["admin"].id, Membership.organisation_id == new_id
            )
        )
        assert list(creator) == []
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == AuditAction.ORGANISATION_CREATE)
        ).all()
        created = [e for e in entries if e.organisation_id == new_id]
        assert len(created) == 1 and created[0].actor_id == world.users["admin"].id
        assert password not in str(created[0].details)


@pytest.mark.parametrize("who", ["admin", "manager", "clerk", "auditor"])
def test_a_tenant_never_creates_organisations(world: World, who: str):
    """world.org is not the operator here: its admin administers a tenant only."""
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        orgs.create_client_organisation(
            session, world.ctx(who), name="丙株式会社", kind=OrganisationKind.COMPANY
        )


@pytest.mark.parametrize("who", ["manager", "clerk", "auditor"])
def test_only_administrators_of_the_operator_create_organisations(world: World, who: str):
    _make_operator(world)
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        orgs.create_client_organisation(
            session, world.ctx(who), name="丙株式会社", kind=OrganisationKind.COMPANY
        )


def test_a_taken_or_malformed_code_is_refused_and_nothing_is_made(world: World):
    _make_operator(world)
    with unit_of_work(world.sessions) as session:
        taken = orgs.create_client_organisation(
            session, world.ctx("admin"), name="乙", kind=OrganisationKind.COMPANY
        ).organisation.code
    for code in (taken, "a b"):
        with pytest.raises(InvalidInput), unit_of_work(world.sessions) as session:
            orgs.create_client_organisation(
                session, world.ctx("admin"), name="丙", kind=OrganisationKind.COMPANY, code=code
            )
    with pytest.raises(InvalidInput), unit_of_work(world.sessions) as session:
        orgs.create_client_organisation(
            session, world.ctx("admin"), name="  ", kind=OrganisationKind.COMPANY
        )
    with unit_of_work(world.sessions) as session:
        names = set(session.scalars(select(Organisation.name)))
    assert "丙" not in names


def test_api_creates_a_client_whose_admin_signs_in_with_the_new_code(api: Api):
    admin = api.full_session("admin")
    created = api.client.post(
        "/api/v1/organisations", headers=bearer(admin),
        json={"name": "乙株式会社", "kind": "company", "code": "otsu"},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["code"] == "otsu" and body["admin_login"] == "admin"
    first = api.client.post(
        "/api/v1/auth/sign-in",
        json={"organisation_code": "otsu", "login": "admin",
              "password": body["admin_initial_password"]},
    )  # fmt: skip
    assert first.status_code == 200, first.text
    assert first.json()["stage"] != "done"  # a password someone else set is changed first
    # A taken code is refused; a clerk or the new tenant's admin may not create one.
    again = api.client.post(
        "/api/v1/organisations", headers=bearer(admin),
        json={"name": "乙", "kind": "company", "code": "otsu"},
    )  # fmt: skip
    assert again.status_code == 422, again.text
    clerk = api.full_session("clerk")
    refused = api.client.post(
        "/api/v1/organisations", headers=bearer(clerk), json={"name": "丙", "kind": "company"}
    )
    assert refused.status_code == 403, refused.text
    assert "admin_initial_password" not in refused.text

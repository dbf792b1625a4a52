"""The service tests' world: one organisation with an admin, an auditor, a manager and two
clerks, and a second organisation with a clerk of its own (``outsider``)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Role, User
from mnvault.affairs.services import get_affair, sync_catalogue
from mnvault.crypto import Envelope
from mnvault.orgs.models import Organisation, OrganisationKind

PASSWORD = "correct horse battery staple"


@dataclass
class World:
    """One organisation with an admin, an auditor, a manager and two clerks."""

    sessions: sessionmaker[Session]
    envelope: Envelope
    org: Organisation
    other_org: Organisation
    users: dict[str, User]

    def ctx(self, who: str, affair: str | None = None, org: Organisation | None = None) -> Context:
        return Context(
            actor_id=self.users[who].id,
            organisation_id=(org or self.org).id,
            affair_code=affair,
            request_id=uuid.uuid4().hex,
        )


ROLES = {
    "admin": Role.ADMIN,
    "auditor": Role.AUDITOR,
    "manager": Role.MANAGER,
    "clerk": Role.CLERK,
    "clerk2": Role.CLERK,
    "outsider": Role.CLERK,
}


def build_world(sessions: sessionmaker[Session], envelope: Envelope) -> World:
    with sessions() as session:
        sync_catalogue(session)
        org = Organisation(name="試験株式会社", kind=OrganisationKind.COMPANY.value)
        other = Organisation(name="別会社", kind=OrganisationKind.COMPANY.value)
        session.add_all([org, other])
        session.flush()
        users: dict[str, User] = {}
        for login, role in ROLES.items():
            target = other if login == "outsider" else org
            user = access.create_user(
                session,
                None,
                home_organisation_id=target.id,
                login=f"{login}-{uuid.uuid4().hex[:6]}",
                display_name=login,
                password=PASSWORD,
            )
            access.grant_role(session, None, user=user, organisation_id=target.id, role=role)
            users[login] = user
        admin_ctx = Context(actor_id=users["admin"].id, organisation_id=org.id)
        for code in ("withholding_slip", "dependent_deduction_declaration"):
            access.assign(
                session, admin_ctx, user=users["clerk"], affair=get_affair(session, org.id, code)
            )
        access.assign(
            session,
            admin_ctx,
            user=users["manager"],
            affair=get_affair(session, org.id, "withholding_slip"),
        )
        access.assign(
            session,
            admin_ctx,
            user=users["clerk2"],
            affair=get_affair(session, org.id, "health_pension_insurance"),
        )
        outsider_ctx = Context(actor_id=users["admin"].id, organisation_id=other.id)
        access.grant_role(
            session, None, user=users["admin"], organisation_id=other.id, role=Role.ADMIN
        )
        access.assign(
            session,
            outsider_ctx,
            user=users["outsider"],
            affair=get_affair(session, other.id, "withholding_slip"),
        )
        session.commit()
    return World(sessions, envelope, org, other, users)

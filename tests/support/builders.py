"""Builders for the service tests: a person, an acquired person, a user, an organisation.

Each builder commits through the world's sessions as the named actor and returns the new
row; defaults are the common case (an employee, the withholding slip, the clerk).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Role, User
from mnvault.affairs.services import get_affair
from mnvault.audit.models import AuditEntry
from mnvault.db.engine import unit_of_work
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.vault import services as vs
from mnvault.vault.models import (
    IdentityCheckDocument,
    NumberCheckDocument,
    NumberRecord,
    Person,
    PersonKind,
)
from tests.support.world import PASSWORD, World

SLIP = "withholding_slip"
DEPENDENT_DECLARATION = "dependent_deduction_declaration"


def verification(world: World, by: str = "clerk") -> vs.IdentityVerification:
    """Both checks made with the My Number card, by ``by``, on a fixed day."""
    return vs.IdentityVerification(
        NumberCheckDocument.MY_NUMBER_CARD,
        IdentityCheckDocument.MY_NUMBER_CARD,
        world.users[by].id,
        datetime(2026, 4, 1, 9, 0, tzinfo=UTC),
    )


def person(
    world: World,
    ref: str = "E001",
    kind: PersonKind = PersonKind.EMPLOYEE,
    *,
    by: str = "clerk",
    name: str = "試験 花子",
    org: Organisation | None = None,
) -> Person:
    """A person registered by ``by`` in ``org`` (the world's by default)."""
    with unit_of_work(world.sessions) as session:
        return vs.create_person(
            session, world.ctx(by, org=org), kind=kind, external_ref=ref, name=name
        )


def acquire(
    world: World,
    person_id: uuid.UUID,
    number: str,
    affairs: Sequence[str] = (SLIP,),
    *,
    by: str = "clerk",
    org: Organisation | None = None,
) -> NumberRecord:
    with unit_of_work(world.sessions) as session:
        return vs.acquire(
            session,
            world.envelope,
            world.ctx(by, org=org),
            person_id=person_id,
            number=number,
            verification=verification(world, by),
            affair_codes=list(affairs),
        )


def acquired_person(
    world: World,
    number: str,
    ref: str = "E001",
    affairs: Sequence[str] = (SLIP,),
    *,
    kind: PersonKind = PersonKind.EMPLOYEE,
    by: str = "clerk",
    org: Organisation | None = None,
) -> Person:
    """A person whose number ``by`` has acquired for ``affairs``."""
    made = person(world, ref, kind, by=by, org=org)
    acquire(world, made.id, number, affairs, by=by, org=org)
    return made


def user(
    world: World,
    login: str,
    role: Role = Role.CLERK,
    affairs: Sequence[str] = (),
    *,
    org: Organisation | None = None,
) -> User:
    """A user of ``org`` (the world's by default) with ``role``, assigned to ``affairs``;
    kept in ``world.users`` under ``login`` (the stored login gets a random suffix)."""
    target = org or world.org
    with unit_of_work(world.sessions) as session:
        made = access.create_user(
            session,
            None,
            home_organisation_id=target.id,
            login=f"{login}-{uuid.uuid4().hex[:6]}",
            display_name=login,
            password=PASSWORD,
        )
        access.grant_role(session, None, user=made, organisation_id=target.id, role=role)
        admin = Context(actor_id=world.users["admin"].id, organisation_id=target.id)
        for code in affairs:
            access.assign(session, admin, user=made, affair=get_affair(session, target.id, code))
    world.users[login] = made
    return made


def organisation(
    world: World, name: str = "第三株式会社", kind: OrganisationKind = OrganisationKind.COMPANY
) -> Organisation:
    """Another organisation, the world's admin its admin."""
    with unit_of_work(world.sessions) as session:
        made = Organisation(name=name, kind=kind.value)
        session.add(made)
        session.flush()
        access.grant_role(
            session, None, user=world.users["admin"], organisation_id=made.id, role=Role.ADMIN
        )
    return made


def audit_actions(world: World) -> list[tuple[str, str]]:
    with world.sessions() as session:
        return [
            (e.action, e.outcome)
            for e in session.scalars(select(AuditEntry).order_by(AuditEntry.seq))
        ]

"""logins per organisation: organisation codes and each user's home organisation

A login was unique across the deployment, so an administrator creating "tanaka" learnt
that another organisation had one (issue #3). Now a login is unique within the user's
home organisation, and signing in names the organisation by its public code.

Existing rows: every organisation gets the code ``org-`` + the first hex digits of its
id (public within the deployment, nothing secret). Every user's home is the
organisation they hold a role in; one who holds roles in several gets the oldest of
them (the deployment's first organisation is the one ``mnvault init`` made: the
outsourcer's own, in a payroll outsourcer's deployment); one with no role gets the
oldest organisation. Logins were unique before, so they stay unique per home.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID, UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_organisations = sa.table(
    "organisations",
    sa.column("id", GUID()),
    sa.column("code", sa.String()),
    sa.column("created_at", UTCDateTime()),
)
_users = sa.table("users", sa.column("id", GUID()), sa.column("home_organisation_id", GUID()))
_memberships = sa.table(
    "memberships", sa.column("user_id", GUID()), sa.column("organisation_id", GUID())
)


def _fill(connection: sa.Connection) -> None:
    orgs = (
        connection.execute(
            sa.select(_organisations.c.id).order_by(
                _organisations.c.created_at, _organisations.c.id
            )
        )
        .scalars()
        .all()
    )
    age = {org_id: rank for rank, org_id in enumerate(orgs)}
    taken: set[str] = set()
    for org_id in orgs:
        width = 8
        while (code := f"org-{org_id.hex[:width]}") in taken:
            width += 1
        taken.add(code)
        connection.execute(
            _organisations.update().where(_organisations.c.id == org_id).values(code=code)
        )
    held: dict[object, list[object]] = {}
    for user_id, org_id in connection.execute(
        sa.select(_memberships.c.user_id, _memberships.c.organisation_id)
    ):
        held.setdefault(user_id, []).append(org_id)
    for user_id in connection.execute(sa.select(_users.c.id)).scalars().all():
        mine = sorted(held.get(user_id, []), key=lambda o: age[o])
        home = mine[0] if mine else (orgs[0] if orgs else None)
        if home is None:
            raise RuntimeError("users exist but no organisation: cannot give them a home")
        connection.execute(
            _users.update().where(_users.c.id == user_id).values(home_organisation_id=home)
        )


def upgrade() -> None:
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=32), nullable=True))
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("home_organisation_id", GUID(), nullable=True))
    _fill(op.get_bind())
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.alter_column("code", existing_type=sa.String(length=32), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_organisations_code"), ["code"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("home_organisation_id", existing_type=GUID(), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_users_login"), type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_users_home_organisation_id_login"), ["home_organisation_id", "login"]
        )
        batch_op.create_index(
            batch_op.f("ix_users_home_organisation_id"), ["home_organisation_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_users_home_organisation_id_organisations"),
            "organisations",
            ["home_organisation_id"],
            ["id"],
        )


def downgrade() -> None:
    # Fails if two organisations now share a login: that is the point of the upgrade.
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_users_home_organisation_id_organisations"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_users_home_organisation_id"))
        batch_op.drop_constraint(batch_op.f("uq_users_home_organisation_id_login"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_users_login"), ["login"])
        batch_op.drop_column("home_organisation_id")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_organisations_code"), type_="unique")
        batch_op.drop_column("code")

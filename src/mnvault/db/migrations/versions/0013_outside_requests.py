"""outside requests: the home organisation consents before its user serves another

A client's administrator naming another organisation's user (CODE:LOGIN) now makes a
request; the membership exists only when the user's home organisation approves it
(issue #3). Requests naming no one are stored too, so the answer tells nothing.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-27 04:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_outside_requests_{column}_{table}")
    )


def upgrade() -> None:
    op.create_table(
        "outside_requests",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("user_id", GUID(), nullable=True),
        sa.Column("home_organisation_id", GUID(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("requested_by", GUID(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", GUID(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        _fk("organisation_id", "organisations"),
        _fk("user_id", "users"),
        _fk("home_organisation_id", "organisations"),
        _fk("requested_by", "users"),
        _fk("decided_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outside_requests")),
    )
    with op.batch_alter_table("outside_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_outside_requests_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_outside_requests_home_organisation_id"),
            ["home_organisation_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("outside_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outside_requests_home_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_outside_requests_organisation_id"))
    op.drop_table("outside_requests")

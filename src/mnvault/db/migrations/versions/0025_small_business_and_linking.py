"""the organisation's answers about itself, and the second check of a linked number (issue #13)

``organisation_settings`` keeps the headcount and the four exclusions of 事業者編 別添1 2 (注)
(中小規模事業者), answered at init, ``org create`` or on the settings screen — NULL on an
organisation made before, which the screens ask to answer — and whether a second person
confirms each number linked to a person (NULL: the default of its kind).
``number_records.link_pending`` marks a number awaiting that check; existing numbers are
not pending.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 05:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "organisation_settings",
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("use_affairs", sa.Boolean(), nullable=True),
        sa.Column("contractor", sa.Boolean(), nullable=True),
        sa.Column("financial", sa.Boolean(), nullable=True),
        sa.Column("over_5000_persons", sa.Boolean(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answered_by", GUID(), nullable=True),
        sa.Column("linking_check", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["organisations.id"],
            name=op.f("fk_organisation_settings_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["answered_by"], ["users.id"],
            name=op.f("fk_organisation_settings_answered_by_users"),
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_organisation_settings")),
    )  # fmt: skip
    with op.batch_alter_table("number_records") as batch:
        batch.add_column(
            sa.Column("link_pending", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("link_checked_by", GUID(), nullable=True))
        batch.add_column(sa.Column("link_checked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("number_records") as batch:
        batch.drop_column("link_checked_at")
        batch.drop_column("link_checked_by")
        batch.drop_column("link_pending")
    op.drop_table("organisation_settings")

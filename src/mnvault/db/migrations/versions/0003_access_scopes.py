"""access scopes: assignment scopes and the organisation's access conditions

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 21:50:00.000000

Assignments get three scope dimensions (departments, SPI files, person kinds), each a
JSON list where NULL means "all", so every existing assignment keeps covering what it
covered before. ``access_conditions`` holds an organisation's office hours and the
client networks of its handling area (取扱区域); no row means no condition.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("department_ids", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("spi_file_ids", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("person_kinds", sa.JSON(), nullable=True))

    op.create_table(
        "access_conditions",
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("office_days", sa.JSON(), nullable=True),
        sa.Column("office_start", sa.Time(), nullable=True),
        sa.Column("office_end", sa.Time(), nullable=True),
        sa.Column("networks", sa.JSON(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", GUID(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_access_conditions_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_access_conditions_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_access_conditions")),
    )


def downgrade() -> None:
    op.drop_table("access_conditions")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_column("person_kinds")
        batch_op.drop_column("spi_file_ids")
        batch_op.drop_column("department_ids")

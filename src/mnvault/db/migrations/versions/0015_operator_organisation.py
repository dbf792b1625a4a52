"""operator organisation: the one whose administrators administer the deployment

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 03:00:00.000000

A deployment can hold several organisations (a payroll outsourcer and its clients,
issue #11). Creating a further one is the deployment's administration, not any
tenant's: only administrators of the organisation ``init`` made (the operator) may do
it. The first organisation created is marked as the operator.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.add_column(
            sa.Column("operator", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE organisations SET operator = TRUE WHERE id = ("
        "SELECT id FROM organisations ORDER BY created_at, id LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("organisations") as batch:
        batch.drop_column("operator")

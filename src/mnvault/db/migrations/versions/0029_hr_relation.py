"""a dependant's relation to the employee (配偶者, 子 …) (issue #18, the whole HR record)

Revision ID: 0029_hr
Revises: 0028
Create Date: 2026-12-07 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, no constraint: SQLite adds the column in place.
    op.add_column("persons", sa.Column("relation", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("persons") as batch:
        batch.drop_column("relation")

"""本人確認 as a list of documents, an agent or an exemption (issue #13): one JSON text
column on number records and corrections. Older rows keep NULL and are read from their two
document columns, which stay filled on new rows too.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("number_records", "number_corrections"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("verification", sa.Text(), nullable=True))


def downgrade() -> None:
    for table in ("number_records", "number_corrections"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("verification")

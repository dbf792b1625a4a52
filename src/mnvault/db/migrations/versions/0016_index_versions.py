"""keys: versioned blind-index keys and the keyring's check value

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 02:40:00.000000

A disposal rotates the blind-index key with the KEK (issue #11): each number record now
says which index key version its blind index was made under, so lookups look under every
held version while a re-index runs, and the re-index resumes where it stopped. Every
existing row was indexed under the keyring's one index key, version 1.

``keyring_checks`` holds one row: a key check value of the keyring this database belongs
to, so a server never reports healthy, and ``init``/``serve`` never start afresh, with a
keyring that is not this database's.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A constant default: both SQLite and PostgreSQL add the column without copying the table.
    op.add_column(
        "number_records",
        sa.Column("index_version", sa.Integer(), nullable=False, server_default="1"),
    )
    op.create_table(
        "keyring_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("check_value", sa.LargeBinary(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keyring_checks")),
    )


def downgrade() -> None:
    op.drop_table("keyring_checks")
    with op.batch_alter_table("number_records") as batch:
        batch.drop_column("index_version")

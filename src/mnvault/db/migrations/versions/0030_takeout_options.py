"""take-outs an office can send: a register of recipients' age keys, and each request's
protection (age key or passphrase-protected Excel workbook) and file format (issue #18)

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "takeout_recipients",
        sa.Column("id", GUID(), primary_key=True),
        sa.Column("organisation_id", GUID(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("public_key", sa.String(100), nullable=False),
        sa.Column("created_by", GUID(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_by", GUID(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index(
        "ix_takeout_recipients_organisation_id", "takeout_recipients", ["organisation_id"]
    )
    with op.batch_alter_table("export_requests") as batch:
        batch.alter_column("recipient", existing_type=sa.String(100), nullable=True)
        batch.add_column(
            sa.Column("protection", sa.String(20), nullable=False, server_default="age")
        )
        batch.add_column(
            sa.Column("file_format", sa.String(20), nullable=False, server_default="csv")
        )
        batch.add_column(
            sa.Column(
                "registered_recipient_id",
                GUID(),
                sa.ForeignKey("takeout_recipients.id"),
                nullable=True,
            )
        )
        batch.add_column(sa.Column("passphrase_kek_version", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("passphrase_wrapped_key", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("passphrase_ciphertext", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("export_requests") as batch:
        batch.drop_column("passphrase_ciphertext")
        batch.drop_column("passphrase_wrapped_key")
        batch.drop_column("passphrase_kek_version")
        batch.drop_column("registered_recipient_id")
        batch.drop_column("file_format")
        batch.drop_column("protection")
        batch.alter_column("recipient", existing_type=sa.String(100), nullable=False)
    op.drop_index("ix_takeout_recipients_organisation_id", table_name="takeout_recipients")
    op.drop_table("takeout_recipients")

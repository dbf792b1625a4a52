"""Sealed attachments (issues #15–#17): one table for the files every record package keeps.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", GUID(), primary_key=True),
        sa.Column("organisation_id", GUID(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("owner", sa.String(40), nullable=False),
        sa.Column("owner_id", GUID(), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("kek_version", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", GUID(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_attachments_owner", "attachments", ["organisation_id", "owner", "owner_id"])


def downgrade() -> None:
    op.drop_index("ix_attachments_owner", "attachments")
    op.drop_table("attachments")

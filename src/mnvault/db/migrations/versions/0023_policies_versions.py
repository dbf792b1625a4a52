"""The 基本方針 and 取扱規程 as versioned records (issue #15).

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "policy_versions",
        sa.Column("id", GUID(), primary_key=True),
        sa.Column("organisation_id", GUID(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("document", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("based_on_id", GUID(), sa.ForeignKey("policy_versions.id"), nullable=True),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("docx_attachment_id", GUID(), nullable=True),
        sa.Column("pdf_attachment_id", GUID(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", GUID(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_by", GUID(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_by", GUID(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.UniqueConstraint("organisation_id", "document", "number"),
    )
    op.create_index(
        "ix_policy_versions_org_document",
        "policy_versions",
        ["organisation_id", "document", "state"],
    )


def downgrade() -> None:
    op.drop_index("ix_policy_versions_org_document", "policy_versions")
    op.drop_table("policy_versions")

"""verification documents: images of identity-verification documents, sealed

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 00:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "verification_documents",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("person_id", GUID(), nullable=False),
        sa.Column("check", sa.String(length=16), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", GUID(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_verification_documents_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_verification_documents_person_id_persons"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["users.id"],
            name=op.f("fk_verification_documents_uploaded_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_verification_documents")),
    )
    with op.batch_alter_table("verification_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_verification_documents_person_id"), ["person_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("verification_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verification_documents_person_id"))
    op.drop_table("verification_documents")

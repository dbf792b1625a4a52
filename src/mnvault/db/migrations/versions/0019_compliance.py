"""compliance spine: evidence recorded by hand and per-measure settings (issue #14)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    op.create_table(
        "compliance_evidence",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("measure_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("performed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("recorded_by", GUID(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _fk("compliance_evidence", "organisation_id", "organisations"),
        _fk("compliance_evidence", "recorded_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compliance_evidence")),
    )
    with op.batch_alter_table("compliance_evidence", schema=None) as batch_op:
        batch_op.create_index(
            "ix_compliance_evidence_org_measure",
            ["organisation_id", "measure_id", "recorded_at"],
            unique=False,
        )
    op.create_table(
        "compliance_settings",
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("measure_id", sa.String(length=32), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=True),
        sa.Column("owner_role", sa.String(length=32), nullable=True),
        sa.Column("updated_by", GUID(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _fk("compliance_settings", "organisation_id", "organisations"),
        _fk("compliance_settings", "updated_by", "users"),
        sa.PrimaryKeyConstraint(
            "organisation_id", "measure_id", name=op.f("pk_compliance_settings")
        ),
    )


def downgrade() -> None:
    op.drop_table("compliance_settings")
    with op.batch_alter_table("compliance_evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_evidence_org_measure")
    op.drop_table("compliance_evidence")

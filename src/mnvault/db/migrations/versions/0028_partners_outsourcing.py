"""outsourcees (委託先・再委託先) and their supervision, places abroad (外的環境), the storage
location, and the SPI file register's remaining items (issue #16)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _users(name: str, *, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, GUID(), sa.ForeignKey("users.id"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "outsourcees",
        sa.Column("id", GUID(), primary_key=True),
        sa.Column("organisation_id", GUID(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("parent_id", GUID(), sa.ForeignKey("outsourcees.id"), nullable=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("organisation_code", sa.String(64), nullable=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("affair_codes", sa.JSON(), nullable=False),
        sa.Column("spi_file_ids", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("selection", sa.JSON(), nullable=False),
        sa.Column("selection_note", sa.Text(), nullable=True),
        _users("selected_by"),
        sa.Column("selected_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clauses", sa.JSON(), nullable=False),
        sa.Column("contract_start", sa.Date(), nullable=True),
        sa.Column("contract_end", sa.Date(), nullable=True),
        sa.Column("contract_sha256", sa.String(64), nullable=True),
        sa.Column("contract_attachment_id", GUID(), nullable=True),
        _users("contracted_by"),
        sa.Column("contracted_at", sa.DateTime(timezone=True), nullable=True),
        _users("requested_by"),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True),
        _users("decided_by"),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        _users("ended_by"),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=True),
        sa.Column("returned_how", sa.String(16), nullable=True),
        sa.Column("returned_note", sa.Text(), nullable=True),
        sa.Column("returned_sha256", sa.String(64), nullable=True),
        sa.Column("returned_attachment_id", GUID(), nullable=True),
        _users("returned_by"),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        _users("created_by", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_outsourcees_org_code", "outsourcees", ["organisation_id", "organisation_code"]
    )
    op.create_table(
        "outsourcee_supervisions",
        sa.Column("id", GUID(), primary_key=True),
        sa.Column("organisation_id", GUID(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("outsourcee_id", GUID(), sa.ForeignKey("outsourcees.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("next_due", sa.Date(), nullable=True),
        sa.Column("file_sha256", sa.String(64), nullable=True),
        sa.Column("attachment_id", GUID(), nullable=True),
        _users("recorded_by", nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_outsourcee_supervisions_org",
        "outsourcee_supervisions",
        ["organisation_id", "performed_on"],
    )
    op.create_table(
        "foreign_places",
        sa.Column("id", GUID(), primary_key=True),
        sa.Column("organisation_id", GUID(), sa.ForeignKey("organisations.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("what", sa.Text(), nullable=False),
        sa.Column("safeguards", sa.Text(), nullable=False),
        sa.Column("regime_note", sa.Text(), nullable=False),
        sa.Column("outsourcee_id", GUID(), sa.ForeignKey("outsourcees.id"), nullable=True),
        sa.Column("reviewed_on", sa.Date(), nullable=False),
        _users("recorded_by", nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_foreign_places_organisation_id", "foreign_places", ["organisation_id"])
    op.create_table(
        "storage_locations",
        sa.Column("organisation_id", GUID(), sa.ForeignKey("organisations.id"), primary_key=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        _users("set_by"),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("spi_files") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(16), nullable=False, server_default="electronic")
        )
        batch.add_column(sa.Column("form", sa.String(200), nullable=True))
        batch.add_column(sa.Column("items", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("person_range", sa.Text(), nullable=True))
        batch.add_column(sa.Column("collection_method", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("spi_files") as batch:
        for column in ("collection_method", "person_range", "items", "form", "kind"):
            batch.drop_column(column)
    op.drop_table("storage_locations")
    op.drop_index("ix_foreign_places_organisation_id", "foreign_places")
    op.drop_table("foreign_places")
    op.drop_index("ix_outsourcee_supervisions_org", "outsourcee_supervisions")
    op.drop_table("outsourcee_supervisions")
    op.drop_index("ix_outsourcees_org_code", "outsourcees")
    op.drop_table("outsourcees")

"""places: 管理区域・取扱区域 and their entry logs, devices/media/paper, their take-outs and
disposals (事業者編 別添1 2E a–d, issue #16)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 05:31:48.079838
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "place_areas",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=False),
        sa.Column("measures", sa.JSON(), nullable=False),
        sa.Column("networks", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_by", GUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_place_areas_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_place_areas_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_areas")),
        sa.UniqueConstraint(
            "organisation_id", "name", name=op.f("uq_place_areas_organisation_id_name")
        ),
    )
    op.create_table(
        "place_entry_mappings",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("saved_by", GUID(), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_place_entry_mappings_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["saved_by"], ["users.id"], name=op.f("fk_place_entry_mappings_saved_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_entry_mappings")),
        sa.UniqueConstraint(
            "organisation_id", "name", name=op.f("uq_place_entry_mappings_organisation_id_name")
        ),
    )
    op.create_table(
        "place_devices",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("owner_id", GUID(), nullable=False),
        sa.Column("area_id", GUID(), nullable=True),
        sa.Column("encryption", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", GUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["place_areas.id"], name=op.f("fk_place_devices_area_id_place_areas")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_place_devices_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_place_devices_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_place_devices_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_devices")),
        sa.UniqueConstraint(
            "organisation_id", "label", name=op.f("uq_place_devices_organisation_id_label")
        ),
    )
    op.create_table(
        "place_entry_imports",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("area_id", GUID(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("mapping", sa.String(length=50), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("imported_by", GUID(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["place_areas.id"], name=op.f("fk_place_entry_imports_area_id_place_areas")
        ),
        sa.ForeignKeyConstraint(
            ["imported_by"], ["users.id"], name=op.f("fk_place_entry_imports_imported_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_place_entry_imports_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_entry_imports")),
    )
    with op.batch_alter_table("place_entry_imports", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_place_entry_imports_area_id"), ["area_id"], unique=False
        )

    op.create_table(
        "place_disposals",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("device_id", GUID(), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("performed_by", GUID(), nullable=False),
        sa.Column("contractor_name", sa.String(length=200), nullable=True),
        sa.Column("certificate_id", GUID(), nullable=True),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", GUID(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["certificate_id"],
            ["attachments.id"],
            name=op.f("fk_place_disposals_certificate_id_attachments"),
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["place_devices.id"],
            name=op.f("fk_place_disposals_device_id_place_devices"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_place_disposals_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["performed_by"], ["users.id"], name=op.f("fk_place_disposals_performed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_place_disposals_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_disposals")),
        sa.UniqueConstraint("device_id", name=op.f("uq_place_disposals_device_id")),
    )
    op.create_table(
        "place_entries",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("area_id", GUID(), nullable=False),
        sa.Column("import_id", GUID(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("badge", sa.String(length=100), nullable=False),
        sa.Column("user_id", GUID(), nullable=True),
        sa.Column("door", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["area_id"], ["place_areas.id"], name=op.f("fk_place_entries_area_id_place_areas")
        ),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["place_entry_imports.id"],
            name=op.f("fk_place_entries_import_id_place_entry_imports"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_place_entries_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_place_entries_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_entries")),
    )
    with op.batch_alter_table("place_entries", schema=None) as batch_op:
        batch_op.create_index("ix_place_entries_area_at", ["area_id", "occurred_at"], unique=False)
        batch_op.create_index(
            "ix_place_entries_user_at", ["organisation_id", "user_id", "occurred_at"], unique=False
        )

    op.create_table(
        "place_takeouts",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("device_id", GUID(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("destination", sa.String(length=200), nullable=False),
        sa.Column("safeguards", sa.JSON(), nullable=False),
        sa.Column("due_back", sa.Date(), nullable=True),
        sa.Column("requested_by", GUID(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", GUID(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("returned_to", GUID(), nullable=True),
        sa.Column("status_before", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_place_takeouts_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["device_id"],
            ["place_devices.id"],
            name=op.f("fk_place_takeouts_device_id_place_devices"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_place_takeouts_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_place_takeouts_requested_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["returned_to"], ["users.id"], name=op.f("fk_place_takeouts_returned_to_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_takeouts")),
    )
    with op.batch_alter_table("place_takeouts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_place_takeouts_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(
            "ix_place_takeouts_org_state", ["organisation_id", "state"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("place_takeouts", schema=None) as batch_op:
        batch_op.drop_index("ix_place_takeouts_org_state")
        batch_op.drop_index(batch_op.f("ix_place_takeouts_device_id"))

    op.drop_table("place_takeouts")
    with op.batch_alter_table("place_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_place_entries_user_at")
        batch_op.drop_index("ix_place_entries_area_at")

    op.drop_table("place_entries")
    op.drop_table("place_disposals")
    with op.batch_alter_table("place_entry_imports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_entry_imports_area_id"))

    op.drop_table("place_entry_imports")
    op.drop_table("place_devices")
    op.drop_table("place_entry_mappings")
    op.drop_table("place_areas")

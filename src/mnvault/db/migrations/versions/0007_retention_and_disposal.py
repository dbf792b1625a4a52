"""retention rules, disposal batches, contractor certificates, KEK rotations

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26 23:38:26.517883
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "contractor_disposals",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("contractor_name", sa.String(length=200), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=200), nullable=False),
        sa.Column("certificate_media_type", sa.String(length=50), nullable=False),
        sa.Column("certificate_sha256", sa.String(length=64), nullable=False),
        sa.Column("certificate_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("kek_version", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("recorded_by", GUID(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_contractor_disposals_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_contractor_disposals_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contractor_disposals")),
    )
    with op.batch_alter_table("contractor_disposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_contractor_disposals_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "disposal_batches",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("early_reason", sa.Text(), nullable=True),
        sa.Column("method", sa.String(length=200), nullable=False),
        sa.Column("person_count", sa.Integer(), nullable=False),
        sa.Column("disposed_count", sa.Integer(), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=True),
        sa.Column("planned_by", GUID(), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmation_required", sa.Boolean(), nullable=False),
        sa.Column("confirmed_by", GUID(), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("executed_by", GUID(), nullable=True),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("kek_version_at_disposal", sa.Integer(), nullable=True),
        sa.Column("kek_versions_destroyed", sa.JSON(), nullable=True),
        sa.Column("rotation_completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["confirmed_by"], ["users.id"], name=op.f("fk_disposal_batches_confirmed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["executed_by"], ["users.id"], name=op.f("fk_disposal_batches_executed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_disposal_batches_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["planned_by"], ["users.id"], name=op.f("fk_disposal_batches_planned_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposal_batches")),
    )
    with op.batch_alter_table("disposal_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disposal_batches_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "disposal_settings",
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("confirmation_required", sa.Boolean(), nullable=False),
        sa.Column("updated_by", GUID(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_disposal_settings_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_disposal_settings_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_disposal_settings")),
    )
    op.create_table(
        "kek_rotations",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("to_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("cursor", GUID(), nullable=True),
        sa.Column("rewrapped", sa.Integer(), nullable=False),
        sa.Column("destroyed_versions", sa.JSON(), nullable=False),
        sa.Column("started_by", GUID(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["started_by"], ["users.id"], name=op.f("fk_kek_rotations_started_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_kek_rotations")),
    )
    with op.batch_alter_table("kek_rotations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_kek_rotations_state"), ["state"], unique=False)

    op.create_table(
        "retention_rules",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("affair_code", sa.String(length=64), nullable=False),
        sa.Column("document_kind", sa.String(length=100), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("start", sa.String(length=32), nullable=False),
        sa.Column("years", sa.Integer(), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("looser_reason", sa.Text(), nullable=True),
        sa.Column("created_by", GUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_retention_rules_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_retention_rules_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_rules")),
        sa.UniqueConstraint(
            "organisation_id",
            "affair_code",
            "document_kind",
            name=op.f("uq_retention_rules_organisation_id_affair_code_document_kind"),
        ),
    )
    op.create_table(
        "contractor_disposal_persons",
        sa.Column("contractor_disposal_id", GUID(), nullable=False),
        sa.Column("person_id", GUID(), nullable=False),
        sa.Column("affair_codes", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contractor_disposal_id"],
            ["contractor_disposals.id"],
            name=op.f("fk_contractor_disposal_persons_contractor_disposal_id_contractor_disposals"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_contractor_disposal_persons_person_id_persons"),
        ),
        sa.PrimaryKeyConstraint(
            "contractor_disposal_id", "person_id", name=op.f("pk_contractor_disposal_persons")
        ),
    )
    op.create_table(
        "disposal_batch_persons",
        sa.Column("batch_id", GUID(), nullable=False),
        sa.Column("person_id", GUID(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("affair_codes", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["disposal_batches.id"],
            name=op.f("fk_disposal_batch_persons_batch_id_disposal_batches"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_disposal_batch_persons_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("batch_id", "person_id", name=op.f("pk_disposal_batch_persons")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "retention_events",
        sa.Column("person_id", GUID(), nullable=False),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", GUID(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_retention_events_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_retention_events_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("person_id", "event", name=op.f("pk_retention_events")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("retention_events")
    op.drop_table("disposal_batch_persons")
    op.drop_table("contractor_disposal_persons")
    op.drop_table("retention_rules")
    with op.batch_alter_table("kek_rotations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_kek_rotations_state"))

    op.drop_table("kek_rotations")
    op.drop_table("disposal_settings")
    with op.batch_alter_table("disposal_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disposal_batches_organisation_id"))

    op.drop_table("disposal_batches")
    with op.batch_alter_table("contractor_disposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contractor_disposals_organisation_id"))

    op.drop_table("contractor_disposals")

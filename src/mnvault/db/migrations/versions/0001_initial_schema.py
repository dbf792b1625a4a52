"""initial schema

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-26 21:39:41.638233
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# The one application type a migration uses: UUIDs as 16 bytes on SQLite, native on
# PostgreSQL. It must never change meaning; a new storage form needs a new type.
from mnvault.db.base import GUID

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", GUID(), nullable=True),
        sa.Column("organisation_id", GUID(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("affair_code", sa.String(length=64), nullable=True),
        sa.Column("person_id", GUID(), nullable=True),
        sa.Column("spi_file_id", GUID(), nullable=True),
        sa.Column("request_id", sa.String(length=64), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_audit_entries_actor_time", ["actor_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_entries_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index("ix_audit_entries_person", ["person_id"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("corporate_number", sa.String(length=13), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("corporate_number", name=op.f("uq_organisations_corporate_number")),
    )
    op.create_table(
        "users",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("login", sa.String(length=100), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("login", name=op.f("uq_users_login")),
    )
    op.create_table(
        "affairs",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_ja", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("person_kinds", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_affairs_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affairs")),
        sa.UniqueConstraint(
            "organisation_id", "code", name=op.f("uq_affairs_organisation_id_code")
        ),
    )
    with op.batch_alter_table("affairs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_affairs_code"), ["code"], unique=False)

    op.create_table(
        "departments",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_departments_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_departments")),
        sa.UniqueConstraint(
            "organisation_id", "code", name=op.f("uq_departments_organisation_id_code")
        ),
    )
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_departments_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "import_jobs",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("affair_codes", sa.JSON(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("committed_line", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("started_by", GUID(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_import_jobs_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["started_by"], ["users.id"], name=op.f("fk_import_jobs_started_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
    )
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_import_jobs_lookup", ["organisation_id", "file_sha256"], unique=False
        )

    op.create_table(
        "memberships",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("user_id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_memberships_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint(
            "user_id",
            "organisation_id",
            "role",
            name=op.f("uq_memberships_user_id_organisation_id_role"),
        ),
    )
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_memberships_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_memberships_user_id"), ["user_id"], unique=False)

    op.create_table(
        "assignments",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("user_id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("affair_id", GUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["affair_id"], ["affairs.id"], name=op.f("fk_assignments_affair_id_affairs")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_assignments_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_assignments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint(
            "user_id",
            "organisation_id",
            "affair_id",
            name=op.f("uq_assignments_user_id_organisation_id_affair_id"),
        ),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assignments_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assignments_user_id"), ["user_id"], unique=False)

    op.create_table(
        "persons",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("external_ref", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("department_id", GUID(), nullable=True),
        sa.Column("related_person_id", GUID(), nullable=True),
        sa.Column("life_status", sa.String(length=16), nullable=False),
        sa.Column("relationship_start", sa.Date(), nullable=True),
        sa.Column("relationship_end", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"], ["departments.id"], name=op.f("fk_persons_department_id_departments")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_persons_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["related_person_id"], ["persons.id"], name=op.f("fk_persons_related_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint(
            "organisation_id", "external_ref", name=op.f("uq_persons_organisation_id_external_ref")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "provisions",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("recipient_kind", sa.String(length=40), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("legal_basis", sa.String(length=100), nullable=False),
        sa.Column("affair_id", GUID(), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("provided_by", GUID(), nullable=False),
        sa.Column("provided_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["affair_id"], ["affairs.id"], name=op.f("fk_provisions_affair_id_affairs")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_provisions_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["provided_by"], ["users.id"], name=op.f("fk_provisions_provided_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provisions")),
    )
    with op.batch_alter_table("provisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_provisions_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "spi_files",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("responsible_user_id", GUID(), nullable=True),
        sa.Column("department_id", GUID(), nullable=True),
        sa.Column("affair_codes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["department_id"],
            ["departments.id"],
            name=op.f("fk_spi_files_department_id_departments"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_spi_files_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["responsible_user_id"],
            ["users.id"],
            name=op.f("fk_spi_files_responsible_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spi_files")),
        sa.UniqueConstraint(
            "organisation_id", "name", name=op.f("uq_spi_files_organisation_id_name")
        ),
    )
    op.create_table(
        "take_outs",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("affair_id", GUID(), nullable=False),
        sa.Column("person_count", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("encryption", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("created_by", GUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["affair_id"], ["affairs.id"], name=op.f("fk_take_outs_affair_id_affairs")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_take_outs_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_take_outs_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_take_outs")),
    )
    with op.batch_alter_table("take_outs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_take_outs_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "data_keys",
        sa.Column("person_id", GUID(), nullable=False),
        sa.Column("kek_version", sa.Integer(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_data_keys_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_data_keys")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "disposals",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("person_id", GUID(), nullable=False),
        sa.Column("affair_codes", sa.JSON(), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("kek_version_at_disposal", sa.Integer(), nullable=True),
        sa.Column("disposed_by", GUID(), nullable=False),
        sa.Column("disposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["disposed_by"], ["users.id"], name=op.f("fk_disposals_disposed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_disposals_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_disposals_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposals")),
    )
    with op.batch_alter_table("disposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disposals_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_disposals_person_id"), ["person_id"], unique=False)

    op.create_table(
        "number_corrections",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("person_id", GUID(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("number_check_document", sa.String(length=32), nullable=False),
        sa.Column("identity_check_document", sa.String(length=32), nullable=False),
        sa.Column("corrected_by", GUID(), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["corrected_by"], ["users.id"], name=op.f("fk_number_corrections_corrected_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_number_corrections_person_id_persons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_number_corrections")),
    )
    with op.batch_alter_table("number_corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_number_corrections_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "number_records",
        sa.Column("person_id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("blind_index", sa.LargeBinary(length=32), nullable=False),
        sa.Column("number_check_document", sa.String(length=32), nullable=False),
        sa.Column("identity_check_document", sa.String(length=32), nullable=False),
        sa.Column("verified_by", GUID(), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acquired_by", GUID(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["acquired_by"], ["users.id"], name=op.f("fk_number_records_acquired_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_number_records_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_number_records_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["verified_by"], ["users.id"], name=op.f("fk_number_records_verified_by_users")
        ),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_number_records")),
        sa.UniqueConstraint("blind_index", name=op.f("uq_number_records_blind_index")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "provision_persons",
        sa.Column("provision_id", GUID(), nullable=False),
        sa.Column("person_id", GUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["persons.id"], name=op.f("fk_provision_persons_person_id_persons")
        ),
        sa.ForeignKeyConstraint(
            ["provision_id"],
            ["provisions.id"],
            name=op.f("fk_provision_persons_provision_id_provisions"),
        ),
        sa.PrimaryKeyConstraint("provision_id", "person_id", name=op.f("pk_provision_persons")),
    )
    op.create_table(
        "number_record_affairs",
        sa.Column("person_id", GUID(), nullable=False),
        sa.Column("affair_id", GUID(), nullable=False),
        sa.ForeignKeyConstraint(
            ["affair_id"], ["affairs.id"], name=op.f("fk_number_record_affairs_affair_id_affairs")
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["number_records.person_id"],
            name=op.f("fk_number_record_affairs_person_id_number_records"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_id", "affair_id", name=op.f("pk_number_record_affairs")),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("number_record_affairs")
    op.drop_table("provision_persons")
    op.drop_table("number_records")
    with op.batch_alter_table("number_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_number_corrections_person_id"))

    op.drop_table("number_corrections")
    with op.batch_alter_table("disposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disposals_person_id"))
        batch_op.drop_index(batch_op.f("ix_disposals_organisation_id"))

    op.drop_table("disposals")
    op.drop_table("data_keys")
    with op.batch_alter_table("take_outs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_take_outs_organisation_id"))

    op.drop_table("take_outs")
    op.drop_table("spi_files")
    with op.batch_alter_table("provisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_provisions_organisation_id"))

    op.drop_table("provisions")
    op.drop_table("persons")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assignments_user_id"))
        batch_op.drop_index(batch_op.f("ix_assignments_organisation_id"))

    op.drop_table("assignments")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_memberships_user_id"))
        batch_op.drop_index(batch_op.f("ix_memberships_organisation_id"))

    op.drop_table("memberships")
    with op.batch_alter_table("import_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_import_jobs_lookup")

    op.drop_table("import_jobs")
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_departments_organisation_id"))

    op.drop_table("departments")
    with op.batch_alter_table("affairs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_affairs_code"))

    op.drop_table("affairs")
    op.drop_table("users")
    op.drop_table("organisations")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_person")
        batch_op.drop_index(batch_op.f("ix_audit_entries_organisation_id"))
        batch_op.drop_index("ix_audit_entries_actor_time")

    op.drop_table("audit_entries")

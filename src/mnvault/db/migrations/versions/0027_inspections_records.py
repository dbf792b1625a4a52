"""inspections and training: schedules, inspections, items, corrective actions; training
plans, sessions, attendance, pledges, supervision reviews, settings (issue #15)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 05:32:12.833105
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "inspection_schedules",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("interval_days", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("updated_by", GUID(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_inspection_schedules_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_inspection_schedules_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_schedules")),
    )
    with op.batch_alter_table("inspection_schedules", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inspection_schedules_org", ["organisation_id", "kind"], unique=True
        )

    op.create_table(
        "inspections",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("performed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("inspector_id", GUID(), nullable=False),
        sa.Column("report_seq", sa.Integer(), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_by", GUID(), nullable=True),
        sa.Column("reported_to", GUID(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspector_id"], ["users.id"], name=op.f("fk_inspections_inspector_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_inspections_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["users.id"], name=op.f("fk_inspections_reported_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["reported_to"], ["users.id"], name=op.f("fk_inspections_reported_to_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspections")),
    )
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inspections_org_performed", ["organisation_id", "performed_at"], unique=False
        )

    op.create_table(
        "people_settings",
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("require_pledge", sa.Boolean(), nullable=False),
        sa.Column("training_interval_days", sa.Integer(), nullable=False),
        sa.Column("updated_by", GUID(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_people_settings_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["users.id"], name=op.f("fk_people_settings_updated_by_users")
        ),
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_people_settings")),
    )
    op.create_table(
        "pledges",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("user_id", GUID(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attachment_id", GUID(), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("recorded_by", GUID(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_pledges_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_pledges_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_pledges_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pledges")),
    )
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.create_index("ix_pledges_org_user", ["organisation_id", "user_id"], unique=False)

    op.create_table(
        "supervision_reviews",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("user_id", GUID(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewed_by", GUID(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_supervision_reviews_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["reviewed_by"], ["users.id"], name=op.f("fk_supervision_reviews_reviewed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_supervision_reviews_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_reviews")),
    )
    with op.batch_alter_table("supervision_reviews", schema=None) as batch_op:
        batch_op.create_index(
            "ix_supervision_reviews_org_user", ["organisation_id", "user_id"], unique=False
        )

    op.create_table(
        "training_plans",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("article29_2", sa.Boolean(), nullable=False),
        sa.Column("created_by", GUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_training_plans_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_training_plans_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_plans")),
    )
    with op.batch_alter_table("training_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_training_plans_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "inspection_items",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("inspection_id", GUID(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("measure_id", sa.String(length=32), nullable=False),
        sa.Column("result", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_by", GUID(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_inspection_items_inspection_id_inspections"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_inspection_items_recorded_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_items")),
    )
    with op.batch_alter_table("inspection_items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inspection_items_inspection", ["inspection_id", "position"], unique=False
        )

    op.create_table(
        "training_sessions",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("plan_id", GUID(), nullable=False),
        sa.Column("held_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("material", sa.Text(), nullable=True),
        sa.Column("created_by", GUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_training_sessions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_training_sessions_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["training_plans.id"],
            name=op.f("fk_training_sessions_plan_id_training_plans"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training_sessions")),
    )
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_sessions_org_held", ["organisation_id", "held_at"], unique=False
        )

    op.create_table(
        "corrective_actions",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("inspection_id", GUID(), nullable=False),
        sa.Column("item_id", GUID(), nullable=False),
        sa.Column("measure_id", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("owner_id", GUID(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by", GUID(), nullable=True),
        sa.Column("closing_note", sa.Text(), nullable=True),
        sa.Column("created_by", GUID(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by"], ["users.id"], name=op.f("fk_corrective_actions_closed_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_corrective_actions_created_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspections.id"],
            name=op.f("fk_corrective_actions_inspection_id_inspections"),
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["inspection_items.id"],
            name=op.f("fk_corrective_actions_item_id_inspection_items"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_corrective_actions_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_corrective_actions_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrective_actions")),
    )
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_corrective_actions_org_status", ["organisation_id", "status"], unique=False
        )

    op.create_table(
        "training_attendance",
        sa.Column("session_id", GUID(), nullable=False),
        sa.Column("user_id", GUID(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("recorded_by", GUID(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["recorded_by"], ["users.id"], name=op.f("fk_training_attendance_recorded_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["training_sessions.id"],
            name=op.f("fk_training_attendance_session_id_training_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_training_attendance_user_id_users")
        ),
        sa.PrimaryKeyConstraint("session_id", "user_id", name=op.f("pk_training_attendance")),
    )


def downgrade() -> None:

    op.drop_table("training_attendance")
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.drop_index("ix_corrective_actions_org_status")

    op.drop_table("corrective_actions")
    with op.batch_alter_table("training_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_training_sessions_org_held")

    op.drop_table("training_sessions")
    with op.batch_alter_table("inspection_items", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_items_inspection")

    op.drop_table("inspection_items")
    with op.batch_alter_table("training_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_training_plans_organisation_id"))

    op.drop_table("training_plans")
    with op.batch_alter_table("supervision_reviews", schema=None) as batch_op:
        batch_op.drop_index("ix_supervision_reviews_org_user")

    op.drop_table("supervision_reviews")
    with op.batch_alter_table("pledges", schema=None) as batch_op:
        batch_op.drop_index("ix_pledges_org_user")

    op.drop_table("pledges")
    op.drop_table("people_settings")
    with op.batch_alter_table("inspections", schema=None) as batch_op:
        batch_op.drop_index("ix_inspections_org_performed")

    op.drop_table("inspections")
    with op.batch_alter_table("inspection_schedules", schema=None) as batch_op:
        batch_op.drop_index("ix_inspection_schedules_org")

    op.drop_table("inspection_schedules")

"""incidents (issue #17): the incident, when each part became aware, its six response steps,
containment acts and versioned report drafts

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 05:45:00
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def _at(name: str, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "incidents",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("organisation_id", GUID(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("system", sa.String(length=48), nullable=False),
        sa.Column("systems_note", sa.Text(), nullable=True),
        sa.Column("spi_file_ids", sa.JSON(), nullable=True),
        sa.Column("reporter", sa.String(length=200), nullable=True),
        sa.Column("source_kind", sa.String(length=32), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=True),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("persons_max", sa.Integer(), nullable=False),
        sa.Column("scope_actor_id", GUID(), nullable=True),
        sa.Column("scope_token_id", GUID(), nullable=True),
        sa.Column("scope_address", sa.String(length=64), nullable=True),
        _at("scope_since", True),
        _at("scope_until", True),
        sa.Column("scope_persons", sa.Integer(), nullable=True),
        sa.Column("scope_affairs", sa.JSON(), nullable=True),
        sa.Column("scope_entries", sa.Integer(), nullable=True),
        _at("scope_refreshed_at", True),
        sa.Column("closed", sa.Boolean(), nullable=False),
        sa.Column("opened_by", GUID(), nullable=False),
        _at("opened_at"),
        _at("updated_at"),
        _fk("incidents", "organisation_id", "organisations"),
        _fk("incidents", "opened_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
    )
    op.create_index("ix_incidents_org_opened", "incidents", ["organisation_id", "opened_at"])
    op.create_table(
        "incident_awareness",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("incident_id", GUID(), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("aware_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", GUID(), nullable=False),
        _at("recorded_at"),
        _fk("incident_awareness", "incident_id", "incidents"),
        _fk("incident_awareness", "recorded_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_awareness")),
    )
    op.create_index(
        op.f("ix_incident_awareness_incident_id"), "incident_awareness", ["incident_id"]
    )
    op.create_table(
        "incident_steps",
        sa.Column("incident_id", GUID(), nullable=False),
        sa.Column("step", sa.String(length=8), nullable=False),
        sa.Column("owner_id", GUID(), nullable=True),
        _at("started_at", True),
        _at("done_at", True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("updated_by", GUID(), nullable=True),
        _at("updated_at", True),
        _fk("incident_steps", "incident_id", "incidents"),
        _fk("incident_steps", "owner_id", "users"),
        _fk("incident_steps", "updated_by", "users"),
        sa.PrimaryKeyConstraint("incident_id", "step", name=op.f("pk_incident_steps")),
    )
    op.create_table(
        "incident_acts",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("incident_id", GUID(), nullable=False),
        sa.Column("act", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=64), nullable=True),
        sa.Column("result", sa.String(length=200), nullable=True),
        sa.Column("acted_by", GUID(), nullable=False),
        _at("acted_at"),
        _fk("incident_acts", "incident_id", "incidents"),
        _fk("incident_acts", "acted_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_acts")),
    )
    op.create_index(op.f("ix_incident_acts_incident_id"), "incident_acts", ["incident_id"])
    op.create_table(
        "incident_drafts",
        sa.Column("id", GUID(), nullable=False),
        sa.Column("incident_id", GUID(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("created_by", GUID(), nullable=False),
        _at("created_at"),
        _fk("incident_drafts", "incident_id", "incidents"),
        _fk("incident_drafts", "created_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incident_drafts")),
    )
    op.create_index(
        "ix_incident_drafts_kind", "incident_drafts", ["incident_id", "kind", "version"]
    )


def downgrade() -> None:
    op.drop_index("ix_incident_drafts_kind", table_name="incident_drafts")
    op.drop_table("incident_drafts")
    op.drop_index(op.f("ix_incident_acts_incident_id"), table_name="incident_acts")
    op.drop_table("incident_acts")
    op.drop_table("incident_steps")
    op.drop_index(op.f("ix_incident_awareness_incident_id"), table_name="incident_awareness")
    op.drop_table("incident_awareness")
    op.drop_index("ix_incidents_org_opened", table_name="incidents")
    op.drop_table("incidents")

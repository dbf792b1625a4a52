"""one disposal path: the old per-person `disposals` records become disposal batches

Also adds to `disposal_batches` what a plan's due test stood on (`due_by`,
`rules_digest`, `planned_seq`), so that a run re-checks only the persons whose facts
changed since the plan.

The minimal `vault.services.dispose` (no KEK rotation) is gone; disposal goes through
batches only. Its records (削除・廃棄の記録, 事業者編 別添1 2E d: they must be kept) move
into `disposal_batches` / `disposal_batch_persons`, one batch per old record, in the state
`executed`: no rotation followed them, so backups may still hold those numbers; the
reminders say so, and `mnvault dispose run BATCH` rotates the KEK and completes them.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 01:00:00
"""

import json
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID, UTCDateTime

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_old = sa.table(
    "disposals",
    sa.column("id", GUID()),
    sa.column("organisation_id", GUID()),
    sa.column("person_id", GUID()),
    sa.column("affair_codes", sa.JSON()),
    sa.column("method", sa.String()),
    sa.column("reason", sa.Text()),
    sa.column("kek_version_at_disposal", sa.Integer()),
    sa.column("disposed_by", GUID()),
    sa.column("disposed_at", UTCDateTime()),
)
_batches = sa.table(
    "disposal_batches",
    sa.column("id", GUID()),
    sa.column("organisation_id", GUID()),
    sa.column("state", sa.String()),
    sa.column("reason", sa.Text()),
    sa.column("early_reason", sa.Text()),
    sa.column("method", sa.String()),
    sa.column("person_count", sa.Integer()),
    sa.column("disposed_count", sa.Integer()),
    sa.column("planned_by", GUID()),
    sa.column("planned_at", UTCDateTime()),
    sa.column("confirmation_required", sa.Boolean()),
    sa.column("executed_by", GUID()),
    sa.column("executed_at", UTCDateTime()),
    sa.column("kek_version_at_disposal", sa.Integer()),
)
_members = sa.table(
    "disposal_batch_persons",
    sa.column("batch_id", GUID()),
    sa.column("person_id", GUID()),
    sa.column("state", sa.String()),
    sa.column("affair_codes", sa.String()),
)


def _codes(value: object) -> str:
    codes: list[object] = json.loads(value) if isinstance(value, str) else list(value or [])  # type: ignore[call-overload]
    return ",".join(sorted(str(code) for code in codes))


def upgrade() -> None:
    with op.batch_alter_table("disposal_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_by", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("rules_digest", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("planned_seq", sa.Integer(), nullable=True))
    connection = op.get_bind()
    for row in connection.execute(sa.select(_old)).mappings().all():
        batch_id = uuid.uuid4()
        connection.execute(
            _batches.insert().values(
                id=batch_id,
                organisation_id=row["organisation_id"],
                state="executed",
                reason=row["reason"],
                early_reason=None,
                method=row["method"],
                person_count=1,
                disposed_count=1,
                planned_by=row["disposed_by"],
                planned_at=row["disposed_at"],
                confirmation_required=False,
                executed_by=row["disposed_by"],
                executed_at=row["disposed_at"],
                kek_version_at_disposal=row["kek_version_at_disposal"],
            )
        )
        connection.execute(
            _members.insert().values(
                batch_id=batch_id,
                person_id=row["person_id"],
                state="disposed",
                affair_codes=_codes(row["affair_codes"]),
            )
        )
    with op.batch_alter_table("disposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disposals_person_id"))
        batch_op.drop_index(batch_op.f("ix_disposals_organisation_id"))
    op.drop_table("disposals")


def downgrade() -> None:
    # The table comes back empty: the records stay in disposal_batches, where they are.
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
    with op.batch_alter_table("disposal_batches", schema=None) as batch_op:
        batch_op.drop_column("planned_seq")
        batch_op.drop_column("rules_digest")
        batch_op.drop_column("due_by")

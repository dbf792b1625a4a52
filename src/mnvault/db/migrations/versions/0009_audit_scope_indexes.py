"""audit scope indexes: the impact-scope questions answered from indexes alone

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 00:00:00.000000

Impact scope (issue 4; DESIGN.md §11: under 1 s over 10,000,000 entries) asks which
persons and affairs an account, a client address or an API token touched in a window.
The account index grows to cover the answer (organisation, person, affair after actor
and time), so the questions never visit the table; the address gets the same index;
the organisation index grows by action and time, for ``token:use`` entries and the
transfers question. Each index costs every append: one more index and wider ones cost
about 0.3 s of CPU per 100,000 appended entries (README, benchmarks).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SCOPE = ["occurred_at", "organisation_id", "person_id", "affair_code"]


# Plain index statements, not a batch: SQLite must not copy a trail of millions to add one.
def upgrade() -> None:
    op.drop_index("ix_audit_entries_actor_time", table_name="audit_entries")
    op.create_index("ix_audit_entries_actor_scope", "audit_entries", ["actor_id", *_SCOPE])
    op.create_index("ix_audit_entries_address_scope", "audit_entries", ["client_address", *_SCOPE])
    op.drop_index("ix_audit_entries_organisation_id", table_name="audit_entries")
    op.create_index(
        "ix_audit_entries_org_action_time",
        "audit_entries",
        ["organisation_id", "action", "occurred_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_audit_entries_org_action_time", table_name="audit_entries")
    op.create_index("ix_audit_entries_organisation_id", "audit_entries", ["organisation_id"])
    op.drop_index("ix_audit_entries_address_scope", table_name="audit_entries")
    op.drop_index("ix_audit_entries_actor_scope", table_name="audit_entries")
    op.create_index("ix_audit_entries_actor_time", "audit_entries", ["actor_id", "occurred_at"])

"""persons due index: a disposal plan reads the due test's facts from one index

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 04:00:00.000000

Planning a disposal batch (issue #5; DESIGN.md §11: 1,000,000 due persons in under
30 s) tests every person of an organisation. From the (organisation, external_ref)
index each person cost a look-up into the table for its relationship end and life
status, in no useful order, and a sort to group the person's affairs. This index holds
those facts in person order, so the plan never visits the table and groups without a
sort (about 0.7 s of CPU less per 1,000,000 persons on SQLite). It costs one more
index entry per person written.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# A plain index statement, not a batch: SQLite must not copy the persons table to add one.
def upgrade() -> None:
    op.create_index(
        "ix_persons_org_due",
        "persons",
        ["organisation_id", "id", "relationship_end", "life_status"],
    )


def downgrade() -> None:
    op.drop_index("ix_persons_org_due", table_name="persons")

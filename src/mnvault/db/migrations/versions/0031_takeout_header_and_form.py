"""take-outs: the file's header (Japanese labels by default, or the codes a system reads)
and the one-time form token that makes a resubmitted request form answer with the
request it already made (issue #18)

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("export_requests") as batch:
        batch.add_column(sa.Column("header", sa.String(10), nullable=False, server_default="ja"))
        batch.add_column(sa.Column("form_nonce", sa.String(64), nullable=True))
        batch.create_index(
            "ux_export_requests_form_nonce", ["requested_by", "form_nonce"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("export_requests") as batch:
        batch.drop_index("ux_export_requests_form_nonce")
        batch.drop_column("form_nonce")
        batch.drop_column("header")

"""system users, token approval, confirmation of accounts an admin set a password for

API tokens now belong only to system users (a kind of user that cannot sign in); a
token that can return a number is inert until a manager other than its requester
approves it; an account whose password an administrator set before its second factor
was enrolled reaches no number until a manager confirms it (issue #11). Tokens that
belonged to people are revoked here: an administrator could mint them for a clerk.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.db.base import GUID

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(
            sa.Column("is_system", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.add_column(sa.Column("unconfirmed_since", sa.DateTime(timezone=True)))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("approved_by", GUID(), nullable=True))
        batch.add_column(sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_foreign_key(
            op.f("fk_api_tokens_approved_by_users"), "users", ["approved_by"], ["id"]
        )
    # Every existing token was made for a person (there were no system users): revoked.
    op.execute(
        sa.text("UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP WHERE revoked_at IS NULL")
    )


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_constraint(op.f("fk_api_tokens_approved_by_users"), type_="foreignkey")
        batch.drop_column("approved_at")
        batch.drop_column("approved_by")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("unconfirmed_since")
        batch.drop_column("is_system")

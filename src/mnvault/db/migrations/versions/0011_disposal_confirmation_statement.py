"""disposal confirmation by a second person; numbers never needed; a maintenance role prunes

`disposal_batches.confirmation_statement` holds what a small business's only responsible
person wrote when confirming a batch they planned themselves (事業者編 別添1 2E d
中小規模事業者); every other batch is confirmed by someone other than its planner.
`disposal_batches.never_needed` marks a batch of numbers the planner stated were never
needed (acquired by mistake): no statutory period held them (事業者編 第4-3-(3)B).

On PostgreSQL, `mnvault_audit_prune()` is taken away from the application's role
(MNVAULT_DATABASE_APP_ROLE; 0005 granted it) and from PUBLIC, and granted only to a
separate maintenance role (MNVAULT_DATABASE_MAINTENANCE_ROLE), which `mnvault audit
prune` uses through MNVAULT_MAINTENANCE_DATABASE_URL. The application role could
otherwise append a forged `audit:prune` entry and call the function: verify would report
the forgery, but the entries would be gone. The maintenance role gets the audit grants
the application role has (append entries and checkpoints, move the head), so that it
can record and sign the prune it makes, and nothing else.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.config import read_environment

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PRUNE = "mnvault_audit_prune(bigint, bigint, bytea, bytea, varchar)"


def upgrade() -> None:
    with op.batch_alter_table("disposal_batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmation_statement", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("never_needed", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    if op.get_bind().dialect.name == "postgresql":
        _prune_by_maintenance_role_only()


def _quoted(role: str | None) -> str | None:
    return op.get_bind().dialect.identifier_preparer.quote(role) if role else None


def _prune_by_maintenance_role_only() -> None:
    op.execute(f"REVOKE ALL ON FUNCTION {_PRUNE} FROM PUBLIC")
    app = _quoted(read_environment().database_app_role)
    if app:
        op.execute(f"REVOKE EXECUTE ON FUNCTION {_PRUNE} FROM {app}")
    maintenance = _quoted(read_environment().database_maintenance_role)
    if maintenance:
        for table in ("audit_entries", "audit_checkpoints"):
            op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {maintenance}")
            op.execute(f"GRANT SELECT, INSERT ON {table} TO {maintenance}")
        op.execute(f"REVOKE DELETE, TRUNCATE ON audit_head FROM {maintenance}")
        op.execute(f"GRANT SELECT, UPDATE ON audit_head TO {maintenance}")
        op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_prunes FROM {maintenance}")
        op.execute(f"GRANT SELECT ON audit_prunes TO {maintenance}")
        op.execute(f"GRANT EXECUTE ON FUNCTION {_PRUNE} TO {maintenance}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        maintenance = _quoted(read_environment().database_maintenance_role)
        if maintenance:
            op.execute(f"REVOKE EXECUTE ON FUNCTION {_PRUNE} FROM {maintenance}")
        app = _quoted(read_environment().database_app_role)
        if app:
            op.execute(f"GRANT EXECUTE ON FUNCTION {_PRUNE} TO {app}")
    with op.batch_alter_table("disposal_batches", schema=None) as batch_op:
        batch_op.drop_column("never_needed")
        batch_op.drop_column("confirmation_statement")

"""the application's role owns nothing: it works every table but cannot rewrite the trail

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 02:40:00.000000

On PostgreSQL the owner of a table may ``ALTER TABLE … DISABLE TRIGGER`` or drop the
append-only triggers (0002, 0005), so the role the application connects as must not be
the owner (issue 11). Migrations run as the owner with MNVAULT_DATABASE_APP_ROLE naming
the application's role; this revision refuses when that is the migrating role itself,
and grants the application's role what it needs on every table (and the owner's future
ones): read and write, except on the trail, where 0002/0005/0011 grants stay (entries
and checkpoints: read and insert; the head: read and move; prunes: read; the schema
version: read).
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

from mnvault.config import read_environment

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The trail's tables and what the application may do there: never UPDATE or DELETE an
# entry or a checkpoint, never DELETE the head, never write a prune (the maintenance
# role's SECURITY DEFINER function does), never touch the schema version.
_TRAIL = {
    "audit_entries": "SELECT, INSERT",
    "audit_checkpoints": "SELECT, INSERT",
    "audit_head": "SELECT, UPDATE",
    "audit_prunes": "SELECT",
    "alembic_version": "SELECT",
}


def _app_role() -> str | None:
    role = read_environment().database_app_role
    return op.get_bind().dialect.identifier_preparer.quote(role) if role else None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    app = _app_role()
    if app is None:
        return
    role = read_environment().database_app_role
    owner = bind.execute(text("SELECT current_user")).scalar_one()
    if owner == role:
        raise RuntimeError(
            "MNVAULT_DATABASE_APP_ROLE はマイグレーションを実行するロール（所有者）と別のロールに"
            "してください / MNVAULT_DATABASE_APP_ROLE must be a role other than the one "
            "running the migrations (the owner could disable the audit triggers)"
        )
    schema = bind.dialect.identifier_preparer.quote(
        bind.execute(text("SELECT current_schema()")).scalar_one()
    )
    op.execute(f"GRANT USAGE ON SCHEMA {schema} TO {app}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {app}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {app}")
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {app}"
    )
    for table, allowed in _TRAIL.items():
        op.execute(f"REVOKE ALL ON {table} FROM {app}")
        op.execute(f"GRANT {allowed} ON {table} TO {app}")


def downgrade() -> None:
    bind = op.get_bind()
    app = _app_role()
    if bind.dialect.name != "postgresql" or app is None:
        return
    schema = bind.dialect.identifier_preparer.quote(
        bind.execute(text("SELECT current_schema()")).scalar_one()
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} "
        f"REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {app}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE USAGE, SELECT ON SEQUENCES FROM {app}"  # noqa: S608 - our names
    )
    trail = ", ".join(_TRAIL)
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {app}")
    op.execute(f"GRANT SELECT ON {trail} TO {app}")
    op.execute(f"GRANT INSERT ON audit_entries, audit_checkpoints TO {app}")
    op.execute(f"GRANT UPDATE ON audit_head TO {app}")

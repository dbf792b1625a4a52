"""audit chain: entry hashes, the chain head, signed checkpoints, append-only trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:00:00.000000

Adds ``prev_hash``/``entry_hash`` to every audit entry (existing entries are chained
here, in seq order, with encoding v1 of mnvault.audit.chain, which never changes
meaning), the one-row ``audit_head`` that appends lock and advance, and
``audit_checkpoints``. On PostgreSQL, triggers refuse UPDATE, DELETE and TRUNCATE on
the trail and its checkpoints (and DELETE/TRUNCATE on the head), and when
MNVAULT_DATABASE_APP_ROLE names the application's (non-owner) role, that role may only
read and insert the trail: the owner could drop a trigger, the application role cannot.
"""

from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
from alembic import op

from mnvault.audit import chain, merkle
from mnvault.config import read_environment
from mnvault.db.base import GUID

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HASH = sa.LargeBinary(length=32)
_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", _HASH, nullable=True))
        batch_op.add_column(sa.Column("entry_hash", _HASH, nullable=True))

    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("entry_hash", _HASH, nullable=False),
        sa.Column("frontier", sa.LargeBinary(), nullable=False),
        sa.Column("checkpoint_id", sa.BigInteger(), nullable=False),
        sa.Column("checkpoint_seq", sa.BigInteger(), nullable=False),
        sa.Column("checkpoint_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", _BIG, autoincrement=False, nullable=False),
        sa.Column("tree_size", sa.BigInteger(), nullable=False),
        sa.Column("root", _HASH, nullable=False),
        sa.Column("head_hash", _HASH, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.LargeBinary(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )

    head, frontier = _chain_existing_entries()
    op.get_bind().execute(
        sa.table(
            "audit_head",
            sa.column("id"),
            sa.column("seq"),
            sa.column("entry_hash"),
            sa.column("frontier"),
            sa.column("checkpoint_id"),
            sa.column("checkpoint_seq"),
        )
        .insert()
        .values(
            id=1,
            seq=frontier.size,
            entry_hash=head,
            frontier=frontier.to_bytes(),
            checkpoint_id=0,
            checkpoint_seq=0,
        )
    )

    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=_HASH, nullable=False)
        batch_op.alter_column("entry_hash", existing_type=_HASH, nullable=False)

    if op.get_bind().dialect.name == "postgresql":
        _append_only_postgresql()


def _chain_existing_entries() -> tuple[bytes, merkle.Frontier]:
    """Chain the entries written before this revision; returns the head hash and tree."""
    bind = op.get_bind()
    entries = sa.table(
        "audit_entries",
        sa.column("seq", sa.BigInteger()),
        sa.column("occurred_at", sa.DateTime(timezone=True)),
        sa.column("actor_id", GUID()),
        sa.column("organisation_id", GUID()),
        sa.column("action", sa.String()),
        sa.column("outcome", sa.String()),
        sa.column("affair_code", sa.String()),
        sa.column("person_id", GUID()),
        sa.column("spi_file_id", GUID()),
        sa.column("request_id", sa.String()),
        sa.column("client_address", sa.String()),
        sa.column("details", sa.JSON()),
        sa.column("prev_hash", _HASH),
        sa.column("entry_hash", _HASH),
    )
    rows = bind.execute(sa.select(entries).order_by(entries.c.seq)).mappings().all()
    frontier = merkle.Frontier()
    prev = chain.GENESIS
    expected = 1
    for row in rows:
        if row["seq"] != expected:
            # The chain numbers entries 1, 2, 3 ...; a gap before this revision means
            # entries were already removed, which no migration may paper over.
            raise RuntimeError("audit entries are not numbered without gaps; refusing to chain")
        occurred_at = row["occurred_at"]
        if occurred_at.tzinfo is None:
            occurred_at = occurred_at.replace(tzinfo=UTC)
        fields = {name: row[name] for name in chain.FIELDS if name != "prev_hash"}
        fields["occurred_at"] = occurred_at
        digest = chain.entry_hash(**fields, prev_hash=prev)
        bind.execute(
            entries.update()
            .where(entries.c.seq == row["seq"])
            .values(prev_hash=prev, entry_hash=digest)
        )
        frontier.append(digest)
        prev = digest
        expected += 1
    return prev, frontier


_APPEND_ONLY_FUNCTION = """
CREATE FUNCTION mnvault_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

# (table, operations refused row by row); TRUNCATE is refused per statement on all three.
_GUARDED = (
    ("audit_entries", "UPDATE OR DELETE"),
    ("audit_checkpoints", "UPDATE OR DELETE"),
    ("audit_head", "DELETE"),
)


def _append_only_postgresql() -> None:
    op.execute(_APPEND_ONLY_FUNCTION)
    for table, operations in _GUARDED:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE {operations} ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION mnvault_audit_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION mnvault_audit_append_only()"
        )
    role = read_environment().database_app_role
    if role:
        quoted = op.get_bind().dialect.identifier_preparer.quote(role)
        for table in ("audit_entries", "audit_checkpoints"):
            op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {quoted}")
            op.execute(f"GRANT SELECT, INSERT ON {table} TO {quoted}")
        op.execute(f"REVOKE DELETE, TRUNCATE ON audit_head FROM {quoted}")
        op.execute(f"GRANT SELECT, UPDATE ON audit_head TO {quoted}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, _ in _GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS mnvault_audit_append_only()")
    op.drop_table("audit_checkpoints")
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("entry_hash")
        batch_op.drop_column("prev_hash")

"""audit pruning: the pruned base of the trail, and the one controlled way to prune

Revision ID: 0005
Revises: 0004

Adds ``audit_prunes`` (append-only, like the rest of the trail). On PostgreSQL entries
stay impossible to delete, for the application role and (by trigger) for the owner,
except through ``mnvault_audit_prune()``: a SECURITY DEFINER function that checks the
prune is anchored (a checkpoint signs the last pruned entry, an ``audit:prune`` entry
records it), writes the ``audit_prunes`` row and only then deletes; the delete trigger
lets a row go only while that function runs and only when a prune row covers it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from mnvault.config import read_environment

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PRUNE_SIGNATURE = "bigint, bigint, bytea, bytea, varchar"

_DELETE_GUARD = """
CREATE FUNCTION mnvault_audit_delete_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('mnvault.audit_pruning', true) = 'on'
        AND EXISTS (SELECT 1 FROM audit_prunes WHERE pruned_through >= OLD.seq) THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""

_PRUNE = """
CREATE FUNCTION mnvault_audit_prune(
    p_through bigint, p_record_seq bigint, p_base_hash bytea, p_frontier bytea,
    p_archive_sha256 varchar
) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    v_base bigint;
    v_deleted bigint;
BEGIN
    SELECT coalesce(max(pruned_through), 0) INTO v_base FROM audit_prunes;
    IF p_through <= v_base THEN
        RAISE EXCEPTION 'audit prune refused: entries up to % are already pruned', v_base;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit_checkpoints
                   WHERE tree_size = p_through AND head_hash = p_base_hash)
        OR NOT EXISTS (SELECT 1 FROM audit_entries
                       WHERE seq = p_through AND entry_hash = p_base_hash) THEN
        RAISE EXCEPTION 'audit prune refused: no checkpoint signs entry %', p_through;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM audit_entries
                   WHERE seq = p_record_seq AND seq > p_through
                     AND action = 'audit:prune' AND outcome = 'ok') THEN
        RAISE EXCEPTION 'audit prune refused: entry % does not record a prune', p_record_seq;
    END IF;
    INSERT INTO audit_prunes (pruned_through, base_hash, base_frontier, record_seq,
                              archive_sha256, pruned_at)
        VALUES (p_through, p_base_hash, p_frontier, p_record_seq, p_archive_sha256, now());
    PERFORM set_config('mnvault.audit_pruning', 'on', true);
    DELETE FROM audit_entries WHERE seq <= p_through AND seq > v_base;
    GET DIAGNOSTICS v_deleted = ROW_COUNT;
    PERFORM set_config('mnvault.audit_pruning', 'off', true);
    RETURN v_deleted;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "audit_prunes",
        sa.Column("pruned_through", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("base_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("base_frontier", sa.LargeBinary(), nullable=False),
        sa.Column("record_seq", sa.BigInteger(), nullable=False),
        sa.Column("archive_sha256", sa.String(length=64), nullable=False),
        sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pruned_through", name=op.f("pk_audit_prunes")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _guard_postgresql()


def _guard_postgresql() -> None:
    op.execute(
        "CREATE TRIGGER audit_prunes_append_only BEFORE UPDATE OR DELETE ON audit_prunes "
        "FOR EACH ROW EXECUTE FUNCTION mnvault_audit_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_prunes_no_truncate BEFORE TRUNCATE ON audit_prunes "
        "FOR EACH STATEMENT EXECUTE FUNCTION mnvault_audit_append_only()"
    )
    # Entries: UPDATE stays refused outright; DELETE only through mnvault_audit_prune().
    op.execute("DROP TRIGGER audit_entries_append_only ON audit_entries")
    op.execute(
        "CREATE TRIGGER audit_entries_append_only BEFORE UPDATE ON audit_entries "
        "FOR EACH ROW EXECUTE FUNCTION mnvault_audit_append_only()"
    )
    op.execute(_DELETE_GUARD)
    op.execute(
        "CREATE TRIGGER audit_entries_prune_only BEFORE DELETE ON audit_entries "
        "FOR EACH ROW EXECUTE FUNCTION mnvault_audit_delete_guard()"
    )
    op.execute(_PRUNE)
    # Functions are executable by PUBLIC unless revoked.
    op.execute(f"REVOKE ALL ON FUNCTION mnvault_audit_prune({_PRUNE_SIGNATURE}) FROM PUBLIC")
    role = read_environment().database_app_role
    if role:
        quoted = op.get_bind().dialect.identifier_preparer.quote(role)
        op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON audit_prunes FROM {quoted}")
        op.execute(f"GRANT SELECT ON audit_prunes TO {quoted}")
        op.execute(f"GRANT EXECUTE ON FUNCTION mnvault_audit_prune({_PRUNE_SIGNATURE}) TO {quoted}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS mnvault_audit_prune({_PRUNE_SIGNATURE})")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_prune_only ON audit_entries")
        op.execute("DROP FUNCTION IF EXISTS mnvault_audit_delete_guard()")
        op.execute("DROP TRIGGER IF EXISTS audit_entries_append_only ON audit_entries")
        op.execute(
            "CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries "
            "FOR EACH ROW EXECUTE FUNCTION mnvault_audit_append_only()"
        )
        op.execute("DROP TRIGGER IF EXISTS audit_prunes_append_only ON audit_prunes")
        op.execute("DROP TRIGGER IF EXISTS audit_prunes_no_truncate ON audit_prunes")
    op.drop_table("audit_prunes")

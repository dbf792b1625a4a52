"""On PostgreSQL the trail is append-only: a trigger refuses every rewrite, and the
application's role may insert entries but never update or delete them (issue 4)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.db.engine import make_engine
from mnvault.db.migrate import upgrade
from tests.conftest import pg_url

pytestmark = pytest.mark.postgres

REWRITES = [
    "UPDATE audit_entries SET action = 'person:create'",
    "DELETE FROM audit_entries",
    "TRUNCATE audit_entries",
    "UPDATE audit_checkpoints SET tree_size = 0",
    "DELETE FROM audit_checkpoints",
    "TRUNCATE audit_checkpoints",
    "DELETE FROM audit_head",
    "TRUNCATE audit_head",
]


def _one_entry_and_checkpoint(connection: Connection) -> None:
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    audit.record(session, None, AuditAction.PERSON_READ)
    session.flush()
    connection.execute(
        text(
            "INSERT INTO audit_checkpoints (id, tree_size, root, head_hash, created_at, key_id,"
            " signature) VALUES (1000000, 1, :h, :h, now(), 'k', :s)"
        ),
        {"h": bytes(32), "s": bytes(64)},
    )


def _refused(connection: Connection, statement: str) -> str:
    savepoint = connection.begin_nested()
    try:
        with pytest.raises(DBAPIError) as refused:
            connection.execute(text(statement))
    finally:
        savepoint.rollback()
    return str(refused.value.orig)


@pytest.mark.parametrize("statement", REWRITES)
def test_the_trigger_refuses_rewrites_even_by_the_owner(pg_engine: Engine, statement: str) -> None:
    with pg_engine.connect() as connection:
        outer = connection.begin()
        _one_entry_and_checkpoint(connection)
        assert "append-only" in _refused(connection, statement)
        outer.rollback()


@pytest.fixture
def app_role_schema(pg_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    """A schema migrated with MNVAULT_DATABASE_APP_ROLE naming a non-owner role, and
    MNVAULT_DATABASE_MAINTENANCE_ROLE another (the only one that may prune: 0011)."""
    suffix = uuid.uuid4().hex[:8]
    schema, role = f"audit_role_{suffix}", f"mnvault_app_{suffix}"
    maintenance = f"mnvault_maint_{suffix}"
    with pg_engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
        for name in (role, maintenance):
            connection.execute(text(f"CREATE ROLE {name} NOLOGIN"))
            connection.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {name}"))
    engine = make_engine(pg_url(), connect_args={"options": f"-csearch_path={schema}"})
    monkeypatch.setenv("MNVAULT_DATABASE_APP_ROLE", role)
    monkeypatch.setenv("MNVAULT_DATABASE_MAINTENANCE_ROLE", maintenance)
    try:
        upgrade(engine)
        engine.info_role = role  # type: ignore[attr-defined]
        engine.info_maintenance_role = maintenance  # type: ignore[attr-defined]
        engine.info_schema = schema  # type: ignore[attr-defined]
        yield engine
    finally:
        engine.dispose()
        with pg_engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            connection.execute(text(f"DROP ROLE {role}"))
            connection.execute(text(f"DROP ROLE {maintenance}"))


def test_the_application_role_appends_but_cannot_rewrite(app_role_schema: Engine) -> None:
    role = app_role_schema.info_role  # type: ignore[attr-defined]
    with app_role_schema.connect() as connection:
        outer = connection.begin()
        connection.execute(text(f"SET LOCAL ROLE {role}"))
        # Appending (entry, head) is what the application does: allowed.
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        audit.record(session, None, AuditAction.PERSON_READ)
        session.flush()
        for statement in REWRITES:
            assert "permission denied" in _refused(connection, statement), statement
        # Nor can it take the trigger away: only the owner may alter the table.
        assert "must be owner" in _refused(
            connection, "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"
        )
        outer.rollback()

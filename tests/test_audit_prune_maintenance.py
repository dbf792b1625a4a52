"""On PostgreSQL only a maintenance role may run the prune function (issue 4, migration 0011).

The application's role could otherwise append a forged ``audit:prune`` entry and call
``mnvault_audit_prune()``: verify would then report the prune as unsigned, but the
entries would be gone. The guidelines ask that the records of use be protected against
deletion (事業者編 別添1 2C b/c; seed 図表2-2 (6)③), so the application role, which
answers every request, holds no way to delete them; `mnvault audit prune` connects as
the maintenance role (MNVAULT_MAINTENANCE_DATABASE_URL).
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from mnvault.audit import checkpoints
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.checkpoints import Checkpointer
from mnvault.audit.models import AuditEntry
from mnvault.crypto import LocalKeyring
from mnvault.db.engine import unit_of_work
from mnvault.deployment.maintenance import maintenance_transaction
from mnvault.deployment.services import Vault
from tests.conftest import pg_url
from tests.test_audit_postgresql import _refused, app_role_schema

__all__ = ["app_role_schema"]

pytestmark = pytest.mark.postgres

PRUNE = "mnvault_audit_prune(bigint, bigint, bytea, bytea, varchar)"


def test_only_the_maintenance_role_may_execute_the_prune_function(
    app_role_schema: Engine,
) -> None:
    app = app_role_schema.info_role  # type: ignore[attr-defined]
    maintenance = app_role_schema.info_maintenance_role  # type: ignore[attr-defined]
    with app_role_schema.connect() as connection:
        oid = connection.execute(text(f"SELECT '{PRUNE}'::regprocedure::oid")).scalar_one()

        def may(role: str) -> bool:
            return bool(
                connection.execute(
                    text("SELECT has_function_privilege(:role, :oid, 'EXECUTE')"),
                    {"role": role, "oid": oid},
                ).scalar_one()
            )

        assert may(maintenance)
        assert not may(app)
        # Nor PUBLIC: no grant to it remains in the function's ACL.
        acl = connection.execute(
            text("SELECT coalesce(proacl::text, '') FROM pg_proc WHERE oid = :oid"), {"oid": oid}
        ).scalar_one()
        grantees = {item.split("=")[0] for item in acl.strip("{}").split(",")}
        assert "" not in grantees  # PUBLIC's entry is written "=X/owner"
        assert app not in grantees and maintenance in grantees


def test_the_application_role_cannot_prune_behind_a_forged_entry(
    app_role_schema: Engine, keyring_path: Path
) -> None:
    role = app_role_schema.info_role  # type: ignore[attr-defined]
    checkpointer = Checkpointer(
        LocalKeyring.open(keyring_path, "test passphrase"), None, every_entries=3
    )
    with app_role_schema.connect() as connection:
        outer = connection.begin()
        connection.execute(text(f"SET LOCAL ROLE {role}"))
        factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        checkpoints.attach(factory, checkpointer)
        for _ in range(6):
            with unit_of_work(factory) as session:
                audit.record(session, None, AuditAction.PERSON_READ)
        with factory() as session:
            signed = session.execute(
                text("SELECT tree_size, head_hash FROM audit_checkpoints ORDER BY id DESC")
            ).first()
        assert signed is not None
        # The forgery: a prune entry the application may append like any other.
        with unit_of_work(factory) as session:
            forged = audit.record(session, None, AuditAction.AUDIT_PRUNE, details={})
        before = connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
        refusal = _refused(
            connection,
            f"SELECT mnvault_audit_prune({signed.tree_size}, {forged.seq}, "
            f"'\\x{bytes(signed.head_hash).hex()}'::bytea, '\\x'::bytea, 'forged')",
        )
        assert "permission denied" in refusal
        after = connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one()
        assert after == before
        outer.rollback()


def _url_as(role: str, schema: str) -> str:
    options = urllib.parse.quote(f"-csearch_path={schema} -crole={role}")
    separator = "&" if "?" in pg_url() else "?"
    return f"{pg_url()}{separator}options={options}"


def _vault_with(app_role_schema: Engine, url: str | None) -> Vault:
    """What maintenance_transaction reads of a vault: its settings and its sessions."""
    sessions = sessionmaker(bind=app_role_schema, expire_on_commit=False)
    fake = SimpleNamespace(
        settings=SimpleNamespace(maintenance_database_url=url),
        sessions=sessions,
        transaction=lambda: unit_of_work(sessions),
    )
    return cast(Vault, fake)


def test_audit_prune_connects_as_the_maintenance_role(app_role_schema: Engine) -> None:
    """`mnvault audit prune` runs in maintenance_transaction: as the role the URL names,
    which may execute the function (it refuses a bad prune, rather than the caller)."""
    schema = app_role_schema.info_schema  # type: ignore[attr-defined]
    maintenance = app_role_schema.info_maintenance_role  # type: ignore[attr-defined]
    app = app_role_schema.info_role  # type: ignore[attr-defined]
    bad_call = "SELECT mnvault_audit_prune(1, 2, '\\x00'::bytea, '\\x'::bytea, 'x')"
    vault = _vault_with(app_role_schema, _url_as(maintenance, schema))
    with maintenance_transaction(vault) as session:
        assert session.execute(text("SELECT current_user")).scalar_one() == maintenance
    with (
        pytest.raises(DBAPIError, match="audit prune refused"),
        maintenance_transaction(vault) as session,
    ):
        session.execute(text(bad_call))
    vault = _vault_with(app_role_schema, _url_as(app, schema))
    with (
        pytest.raises(DBAPIError, match="permission denied"),
        maintenance_transaction(vault) as session,
    ):
        session.execute(text(bad_call))

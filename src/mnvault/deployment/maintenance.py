"""The maintenance role's connection, for the one operation the application may not do.

On PostgreSQL only a maintenance role may execute ``mnvault_audit_prune()`` (migration
0011): the application's role could otherwise delete entries behind a forged prune
entry. ``mnvault audit prune`` opens this connection (MNVAULT_MAINTENANCE_DATABASE_URL)
for its one transaction; everything else keeps the application's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from mnvault.audit import checkpoints
from mnvault.context import unit_of_work
from mnvault.db.engine import make_engine, make_session_factory
from mnvault.deployment.services import Vault


@contextmanager
def maintenance_transaction(vault: Vault) -> Iterator[Session]:
    """A unit of work as the maintenance role, signing checkpoints with the vault's
    checkpointer; without a maintenance URL (SQLite, or one role for everything), the
    vault's own transaction."""
    url = vault.settings.maintenance_database_url
    if url is None:
        with vault.transaction() as session:
            yield session
        return
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        checkpointer = (vault.sessions.kw.get("info") or {}).get(checkpoints.INFO_KEY)
        if checkpointer is not None:
            checkpoints.attach(sessions, checkpointer)
        with unit_of_work(sessions) as session:
            yield session
    finally:
        engine.dispose()

"""Which keyring a database belongs to, and whether a database is already in use.

A keyring created afresh for a database that already holds organisations (the keyring
file lost or mislaid, a wrong MNVAULT_KEYRING_PATH) would make every number in it
unreadable and start a second audit chain: `init` and `serve` refuse instead (issue #11).
A keyring that is not the database's is never reported healthy.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from mnvault.audit.models import AuditHead
from mnvault.crypto import KeyProvider, key_check_value
from mnvault.db.base import utcnow
from mnvault.db.engine import make_engine
from mnvault.keys.models import KeyringCheck
from mnvault.orgs.models import Organisation

_ROW = 1


def database_in_use(database_url: str) -> bool:
    """Whether the database holds an organisation or an audit chain head. Looks without
    creating anything: a SQLite file that does not exist is not opened."""
    url = make_url(database_url)
    database = url.database
    if url.get_backend_name() == "sqlite" and (
        not database or database == ":memory:" or not Path(database).exists()
    ):
        return False
    engine = make_engine(database_url)
    try:
        tables = set(inspect(engine).get_table_names())
        with Session(engine) as session:
            if Organisation.__tablename__ in tables and session.scalar(
                select(func.count()).select_from(Organisation)
            ):
                return True
            return AuditHead.__tablename__ in tables and bool(
                session.scalar(select(func.count()).select_from(AuditHead))
            )
    finally:
        engine.dispose()


def stored_check(session: Session) -> bytes | None:
    row = session.get(KeyringCheck, _ROW)
    return row.check_value if row else None


def record_check(session: Session, provider: KeyProvider) -> None:
    """Remember the keyring of this database (once: at init, or at the first start of a
    deployment made before the check existed)."""
    if session.get(KeyringCheck, _ROW) is None:
        session.add(
            KeyringCheck(id=_ROW, check_value=key_check_value(provider), recorded_at=utcnow())
        )
        session.flush()


def belongs(engine: Engine, check_value: bytes) -> bool:
    """Whether the database names the keyring with this check value as its own."""
    with Session(engine) as session:
        return stored_check(session) == check_value

"""Engines and sessions for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

# The audited transaction lives in the kernel's mnvault.context (it records refusals with
# the audit ledger's recorder); imported here as well, where callers have found it.
from mnvault.context import SessionFactory as SessionFactory  # noqa: PLC0414 - re-exported
from mnvault.context import unit_of_work as unit_of_work  # noqa: PLC0414 - re-exported

# Key in a SQLite connection's info: the PRAGMA synchronous its next transactions use.
SYNCHRONOUS = "mnvault_synchronous"
_SYNCHRONOUS_NOW = "mnvault_synchronous_now"
# Execution option of a connection that only reads: its transactions do not take the
# SQLite write lock (see _on_begin).
READ_ONLY = "mnvault_read_only"
# Execution option of a connection whose transactions delete in bulk (a disposal run):
# see bulk_sessions.
BULK = "mnvault_bulk"
_BULK_NOW = "mnvault_bulk_now"
# SQLite page cache, in KiB (negative PRAGMA values): 64 MiB keeps B-tree inserts at
# random keys (blind indexes) of a million-person table in memory; a bulk deletion
# removes a million such keys at once, and more cache keeps them from being read and
# spilled again and again.
CACHE_KIB = 65_536
BULK_CACHE_KIB = 262_144


def make_engine(url: str, **kwargs: Any) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A pool as large as the server's thread pool (AnyIO: 40): read transactions no
        # longer queue for the write lock, so up to that many are open at once, and
        # connections opened beyond the pool would each be closed again (and their
        # PRAGMAs rerun) when handed back.
        options: dict[str, Any] = {"pool_size": 40, "max_overflow": 20}
        if parsed.database in (None, "", ":memory:"):
            options = {}  # a memory database lives in one connection (SingletonThreadPool)
        engine = create_engine(
            url, connect_args={"timeout": 30}, hide_parameters=True, **{**options, **kwargs}
        )
        _configure_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        # psycopg 3 is the only PostgreSQL driver we depend on.
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    # hide_parameters: error messages must not carry row values (DESIGN.md invariant 3).
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin (the pysqlite
        # recipe), so that writes can take the lock up front with BEGIN IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: a committed audit entry survives power loss, not only a crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA busy_timeout=30000")
        # 64 MiB of page cache: B-tree inserts at random keys (blind indexes) stay in
        # memory for a million-person table instead of re-reading pages.
        cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # The durability level can only change between transactions; a bulk import asks
        # for NORMAL through connection.info (see SYNCHRONOUS) and gets it from here.
        wanted = connection.info.get(SYNCHRONOUS, "FULL")
        if connection.info.get(_SYNCHRONOUS_NOW, "FULL") != wanted:
            connection.exec_driver_sql(f"PRAGMA synchronous={wanted}")
            # Bulk work writes megabytes per commit: checkpoint the WAL less often.
            pages = 100_000 if wanted == "NORMAL" else 1000
            connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={pages}")
            connection.info[_SYNCHRONOUS_NOW] = wanted
        bulk = bool(connection.get_execution_options().get(BULK))
        if connection.info.get(_BULK_NOW, False) != bulk:
            # Only between transactions: SQLite ignores foreign_keys inside one. Every
            # begin sets it back, so a pooled connection never keeps the bulk settings.
            connection.exec_driver_sql(f"PRAGMA foreign_keys={'OFF' if bulk else 'ON'}")
            cache = BULK_CACHE_KIB if bulk else CACHE_KIB
            connection.exec_driver_sql(f"PRAGMA cache_size=-{cache}")
            connection.info[_BULK_NOW] = bulk
        if connection.get_execution_options().get(READ_ONLY):
            # A reader (audit verification, a number read): a snapshot, without the write
            # lock. On the DBAPI connection: a deferred BEGIN touches no file and cannot
            # fail on a healthy connection, and through Connection.exec_driver_sql it cost
            # as much as one of a number read's selects (benchmarks/http_read.py).
            connection.connection.driver_connection.execute("BEGIN").close()
            return
        # IMMEDIATE: every transaction may write (an audit entry at least), and taking
        # the write lock late is what makes concurrent SQLite writers fail with BUSY.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def make_reader_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose transactions only read: on SQLite a snapshot without the write lock,
    so readers run beside the one writer instead of queueing for it."""
    return sessionmaker(bind=engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)


def bulk_sessions(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions for one bulk deletion (a disposal run), on SQLite without foreign-key
    enforcement and with a larger page cache.

    Why: SQLite runs the ON DELETE CASCADE of number_record_affairs as a trigger program
    for each deleted number record, even when the caller deleted the children first, and
    reads every deleted key again to check it; that was about a third of the CPU of
    deleting a million numbers. A transaction of these sessions must delete children
    before their parents and end with :func:`check_references` over the tables it
    deleted from, so that a reference left dangling fails it (fail closed) instead of
    being enforced row by row. Elsewhere (PostgreSQL) the factory is returned as is, and
    so are factories bound to a connection rather than an engine.
    """
    bind = factory.kw["bind"]
    # A factory bound to one connection (the tests' rolled-back one) is left alone: the
    # option would stick to that connection, and its transaction has begun already.
    if not isinstance(bind, Engine) or bind.dialect.name != "sqlite":
        return factory
    return sessionmaker(
        class_=factory.class_, **{**factory.kw, "bind": bind.execution_options(**{BULK: True})}
    )


def check_references(session: Session, deleted_from: list[str], written: list[str]) -> None:
    """Raise if a row refers to a missing parent: in any table referring to
    ``deleted_from``, or in the tables ``written``. For the transactions of
    :func:`bulk_sessions`: it checks whenever SQLite's enforcement is off, and does
    nothing where the database enforced each reference already."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    if connection.exec_driver_sql("PRAGMA foreign_keys").scalar():
        return
    tables = [row[0] for row in connection.exec_driver_sql(_TABLES)]
    children = set(written)
    for table in tables:
        for reference in connection.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")'):
            if reference[2] in deleted_from:
                children.add(table)
    for child in sorted(children):
        if connection.exec_driver_sql(f'PRAGMA foreign_key_check("{child}")').first():
            raise DanglingReference(child)


_TABLES = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"


class DanglingReference(RuntimeError):
    """A bulk transaction would leave a row pointing at a deleted one; it rolls back."""

    def __init__(self, table: str) -> None:
        self.table = table
        super().__init__(
            f"{table} の行が削除された行を参照しています（何も削除されません） / "
            f"a row of {table} refers to a deleted row (nothing is deleted)"
        )


@contextmanager
def read_only(factory: SessionFactory) -> Iterator[Session]:
    """A transaction that writes nothing: it always ends in a rollback, so a change made
    by mistake is dropped rather than written without its audit entry."""
    session = factory()
    try:
        yield session
    finally:
        session.close()  # ends the transaction with a rollback


class ThreadReaders:
    """Read-only sessions on a connection each calling thread keeps for itself.

    For reads made on an event loop (mnvault.web.calls.read_call_async): one thread,
    one read at a time, so one connection serves them all, and a read skips the pool's
    checkout and return, which cost as much as one of its selects. A session asked for
    while the thread's connection is busy gets a pooled one, as :func:`read_only` does.
    """

    def __init__(self, engine: Engine, pooled: SessionFactory) -> None:
        self._engine = engine.execution_options(**{READ_ONLY: True})
        self._pooled = pooled
        self._local = threading.local()
        self._opened: list[Connection] = []
        self._lock = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[Session]:
        connection: Connection | None = getattr(self._local, "connection", None)
        if connection is None or connection.closed or connection.invalidated:
            connection = self._engine.connect()
            self._local.connection = connection
            with self._lock:
                self._opened.append(connection)
        elif connection.in_transaction():
            with read_only(self._pooled) as pooled:
                yield pooled
            return
        session = Session(bind=connection, expire_on_commit=False)
        try:
            yield session
        finally:
            session.close()  # ends the transaction with a rollback; the connection stays

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()

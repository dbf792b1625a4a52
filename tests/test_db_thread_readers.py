"""mnvault.db.engine.ThreadReaders: the event loop's reads on a connection of its own —
read-only (a change made by mistake is rolled back), one connection per thread, a
pooled one while the thread's is busy, all closed with the vault (DESIGN.md §3
invariant 1: a read transaction writes nothing; its audit entries go to the group
commit)."""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy import Connection, text

from mnvault.db.engine import ThreadReaders, make_engine, make_reader_factory


def _readers(tmp_path: Path) -> ThreadReaders:
    engine = make_engine(f"sqlite:///{tmp_path / 'readers.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.execute(text("INSERT INTO t VALUES (1)"))
    return ThreadReaders(engine, make_reader_factory(engine))


def _connection_of(session: object) -> Connection:
    return session.connection()  # type: ignore[attr-defined,no-any-return]


def test_one_connection_per_thread_and_nothing_written(tmp_path: Path) -> None:
    readers = _readers(tmp_path)
    with readers.session() as session:
        first = _connection_of(session)
        session.execute(text("UPDATE t SET x = 2"))  # a mistake: never committed
    with readers.session() as session:
        assert _connection_of(session) is first  # the thread's own, kept
        assert session.execute(text("SELECT x FROM t")).scalar_one() == 1
    other: list[Connection] = []

    def elsewhere() -> None:
        with readers.session() as session:
            other.append(_connection_of(session))

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert other[0] is not first
    readers.close()
    assert first.closed and other[0].closed


def test_a_read_inside_a_read_gets_a_pooled_connection(tmp_path: Path) -> None:
    readers = _readers(tmp_path)
    with readers.session() as outer:
        own = _connection_of(outer)
        with readers.session() as inner:
            assert _connection_of(inner) is not own
            assert inner.execute(text("SELECT x FROM t")).scalar_one() == 1
        assert outer.execute(text("SELECT x FROM t")).scalar_one() == 1
    readers.close()


def test_a_closed_connection_is_replaced(tmp_path: Path) -> None:
    readers = _readers(tmp_path)
    with readers.session() as session:
        first = _connection_of(session)
    first.close()
    with readers.session() as session:
        assert _connection_of(session) is not first
        assert session.execute(text("SELECT x FROM t")).scalar_one() == 1
    readers.close()

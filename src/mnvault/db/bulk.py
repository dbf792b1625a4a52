"""Bulk inserts for imports: the driver's executemany, without per-value ORM work.

SQLAlchemy's executemany converts every value through its type's bind processor,
which is most of the time of a million-row import. Here the caller hands over rows
already in the driver's format, built with :class:`Adapt`, so the per-value work is
an attribute lookup at most. On PostgreSQL the same rows go through SQLAlchemy Core.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session


class Adapt:
    """Convert values to what the column types of this dialect store."""

    def __init__(self, session: Session, table: Table) -> None:
        bind = session.get_bind()
        self.dialect = bind.dialect
        self.is_sqlite = self.dialect.name == "sqlite"
        self._table = table

    def processor(self, column: str) -> Callable[[Any], Any]:
        # Elsewhere SQLAlchemy Core converts the values itself (insert_rows below).
        type_ = self._table.c[column].type.dialect_impl(self.dialect)
        proc = type_.bind_processor(self.dialect) if self.is_sqlite else None
        return proc if proc is not None else (lambda value: value)

    def uuid(self) -> Callable[[uuid.UUID | bytes | None], Any]:
        """Accepts UUIDs or their 16 bytes (what bulk producers pass around)."""
        if self.is_sqlite:  # stored as 16 bytes (mnvault.db.base.GUID)
            return lambda value: value.bytes if isinstance(value, uuid.UUID) else value
        return lambda value: uuid.UUID(bytes=value) if isinstance(value, bytes) else value

    def constant(self, column: str, value: Any) -> Any:
        """A value the same for every row (the import time, the details): convert once."""
        return self.processor(column)(value)

    def date(self) -> Callable[[date | None], Any]:
        if self.is_sqlite:
            return lambda value: value.isoformat() if value is not None else None
        return lambda value: value

    def time(self, column: str) -> Callable[[datetime], Any]:
        return self.processor(column)


def insert_rows(
    target: Session | Connection,
    table: Table,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> None:
    """Insert rows (tuples in ``columns`` order, values already adapted)."""
    if not rows:
        return
    connection = target.connection() if isinstance(target, Session) else target
    if connection.dialect.name == "sqlite":
        names = ", ".join(columns)
        marks = ", ".join("?" * len(columns))
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(f"INSERT INTO {table.name} ({names}) VALUES ({marks})", rows)  # noqa: S608 - table and column names are ours, values are bound
        finally:
            cursor.close()
        return
    connection.execute(insert(table), [dict(zip(columns, row, strict=True)) for row in rows])


def update_rows(
    target: Session,
    table: Table,
    key: str,
    columns: Sequence[str],
    rows: list[tuple[Any, ...]],
) -> None:
    """Update rows by ``key``: each row is (the new ``columns`` values..., the key), values
    already adapted (:class:`Adapt`). A key rotation rewrites every wrapped data key; the
    ORM's bulk update by primary key cost more than the cryptography."""
    if not rows:
        return
    connection = target.connection()
    if connection.dialect.name == "sqlite":
        assignments = ", ".join(f"{name} = ?" for name in columns)
        sql = f"UPDATE {table.name} SET {assignments} WHERE {key} = ?"  # noqa: S608 - our names, bound values
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, rows)
        finally:
            cursor.close()
        return
    statement = (
        update(table)
        .where(table.c[key] == bindparam("_key"))
        .values({name: bindparam(f"_{name}") for name in columns})
    )
    names = [f"_{name}" for name in columns] + ["_key"]
    connection.execute(statement, [dict(zip(names, row, strict=True)) for row in rows])


def lookup(
    target: Session,
    table: Table,
    *,
    key: str,
    value: str,
    where: tuple[str, Any],
    keys: Sequence[Any],
) -> dict[Any, Any]:
    """``{key: value}`` for the rows whose ``key`` is among ``keys`` (and ``where`` holds).

    The import asks this twice per batch with thousands of keys; rendering that IN list
    through SQLAlchemy each time costs more than the query. Values come back in the
    driver's format (16 bytes for UUIDs on SQLite), as :class:`Adapt` writes them.
    """
    if not keys:
        return {}
    connection = target.connection()
    column, expected = where
    if connection.dialect.name == "sqlite":
        marks = ", ".join("?" * len(keys))
        sql = (
            f"SELECT {key}, {value} FROM {table.name} "  # noqa: S608 - our names, bound values
            f"WHERE {column} = ? AND {key} IN ({marks})"
        )
        adapt = Adapt(target, table)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            return dict(cursor.execute(sql, (adapt.uuid()(expected), *keys)).fetchall())
        finally:
            cursor.close()
    c = table.c
    query = select(c[key], c[value]).where(c[column] == expected, c[key].in_(list(keys)))
    return dict(connection.execute(query).all())


def column_values(target: Session, table: Table, column: str, where: dict[str, Any]) -> list[Any]:
    """One column of the rows where every ``where`` column equals its value, in the
    driver's format (16 bytes for UUIDs on SQLite): a million ids without a million
    result rows and UUID objects."""
    connection = target.connection()
    if connection.dialect.name == "sqlite":
        adapt = Adapt(target, table)
        names = list(where)
        values = [adapt.processor(name)(where[name]) for name in names]
        condition = " AND ".join(f"{name} = ?" for name in names)
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            sql = f"SELECT {column} FROM {table.name} WHERE {condition}"  # noqa: S608 - our names, bound values
            return [row[0] for row in cursor.execute(sql, values).fetchall()]
        finally:
            cursor.close()
    c = table.c
    query = select(c[column]).where(*(c[name] == value for name, value in where.items()))
    return list(connection.execute(query).scalars())

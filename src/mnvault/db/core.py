"""The few statements on a hot path, run without SQLAlchemy's per-statement machinery.

``Session.execute`` puts every statement through the ORM's execution layer and
``Connection.execute`` through the Core's (cache key, execution context, result
metadata); on SQLite each costs several times what the statement itself does, and a
number read runs seven (benchmarks/http_read.py). A :class:`Prepared` select is
compiled once per dialect and run on the DBAPI cursor of the session's connection
(so inside the session's transaction), with the same bind and result conversions the
columns' types make in SQLAlchemy. The session's pending changes are flushed first,
as ``Session.execute`` would, so a caller never reads around its own writes.

Only for selects of plain columns with named bind parameters; everything else goes
through the session.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Dialect, Select
from sqlalchemy.orm import Session

Convert = Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    positional: bool
    binds: tuple[tuple[str, Convert | None], ...]
    results: tuple[Convert | None, ...]
    row: Callable[..., Any]


# Key in Session.info: (transaction, dialect, DBAPI connection) of the session's current
# transaction, so that its statements after the first skip Session.connection().
_DRIVER = "mnvault_core_driver"


def _connection(session: Session) -> tuple[Dialect, Any]:
    """The dialect and DBAPI connection of the session's transaction (begun if need be).

    Why cached: ``Session.connection()`` walks the session's transaction state machine
    each time, which cost more than the indexed select it served (benchmarks/
    http_read.py). The entry names the transaction it belongs to, so a later
    transaction, which may hold another pooled connection, looks its own up again.
    """
    transaction = session.get_transaction()
    cached = session.info.get(_DRIVER)
    if cached is not None and transaction is not None and cached[0] is transaction:
        return cached[1], cached[2]
    connection = session.connection()
    driver = connection.connection.driver_connection
    session.info[_DRIVER] = (session.get_transaction(), connection.dialect, driver)
    return connection.dialect, driver


class Prepared:
    """A select of columns, compiled once per dialect; :meth:`rows` runs it."""

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement
        self._plans: dict[str, _Plan] = {}

    def _plan(self, dialect: Dialect) -> _Plan:
        plan = self._plans.get(dialect.name)
        if plan is None:
            compiled = self.statement.compile(dialect=dialect)
            order = compiled.positiontup if compiled.positional else list(compiled.binds)
            binds = tuple(
                (name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect))
                for name in order or ()
            )
            columns = list(self.statement.selected_columns)
            results = tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in columns
            )
            row = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
            plan = _Plan(compiled.string, compiled.positional, binds, results, row)
            self._plans[dialect.name] = plan
        return plan

    def rows(self, session: Session, params: Mapping[str, Any]) -> list[Any]:
        if session.autoflush:
            session.flush()  # a no-op when nothing is pending
        dialect, driver = _connection(session)
        plan = self._plan(dialect)
        values = [
            convert(params[name]) if convert else params[name] for name, convert in plan.binds
        ]
        args: Any = values
        if not plan.positional:
            args = {name: value for (name, _), value in zip(plan.binds, values, strict=True)}
        cursor = driver.cursor()
        try:
            cursor.execute(plan.sql, args)
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        results, make = plan.results, plan.row
        return [
            make(*(c(v) if c else v for c, v in zip(results, raw, strict=True))) for raw in fetched
        ]

    def first(self, session: Session, params: Mapping[str, Any]) -> Any | None:
        """The first row, or None."""
        found = self.rows(session, params)
        return found[0] if found else None

    def scalars(self, session: Session, params: Mapping[str, Any]) -> list[Any]:
        """The first column of every row."""
        return [row[0] for row in self.rows(session, params)]

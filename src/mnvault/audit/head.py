"""The chain head: the one row that serialises every append to the trail.

An append reads the head with ``SELECT ... FOR UPDATE`` (PostgreSQL: the row lock is
held until the appending transaction ends, so app servers on several hosts take turns;
SQLite: the engine begins every transaction with BEGIN IMMEDIATE, which already holds
the database's single write lock), numbers its entries after the head's seq, chains
them to the head's hash and writes the head back in the same transaction. Nothing is
cached between transactions: another process may have moved the head.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from mnvault.audit.errors import ChainHeadMissing
from mnvault.audit.merkle import Frontier
from mnvault.audit.models import AuditHead

HEAD_ID = 1


@dataclass(slots=True)
class Head:
    seq: int
    entry_hash: bytes
    frontier: Frontier
    checkpoint_id: int
    checkpoint_seq: int
    checkpoint_at: datetime | None


# Built once, on the table rather than the mapped class: every append runs both, and
# building an ORM statement (and an ORM update's session synchronisation) cost more
# than running it. Nothing maps the head as an object in an appending session.
_TABLE = cast(Table, AuditHead.__table__)
_LOCK = (
    select(
        _TABLE.c.seq,
        _TABLE.c.entry_hash,
        _TABLE.c.frontier,
        _TABLE.c.checkpoint_id,
        _TABLE.c.checkpoint_seq,
        _TABLE.c.checkpoint_at,
    )
    .where(_TABLE.c.id == HEAD_ID)
    .with_for_update()
)
_STORE = (
    update(_TABLE)
    .where(_TABLE.c.id == HEAD_ID)
    .values(
        seq=bindparam("new_seq", type_=_TABLE.c.seq.type),
        entry_hash=bindparam("new_entry_hash", type_=_TABLE.c.entry_hash.type),
        frontier=bindparam("new_frontier", type_=_TABLE.c.frontier.type),
        checkpoint_id=bindparam("new_checkpoint_id", type_=_TABLE.c.checkpoint_id.type),
        checkpoint_seq=bindparam("new_checkpoint_seq", type_=_TABLE.c.checkpoint_seq.type),
        checkpoint_at=bindparam("new_checkpoint_at", type_=_TABLE.c.checkpoint_at.type),
    )
)


def lock(session: Session) -> Head:
    """Read the head and hold it until this transaction ends."""
    row = session.execute(_LOCK).one_or_none()
    if row is None:  # only a damaged database has no head; appending would fork the chain
        raise ChainHeadMissing()
    return Head(
        seq=row.seq,
        entry_hash=bytes(row.entry_hash),
        frontier=Frontier.from_bytes(row.seq, bytes(row.frontier)),
        checkpoint_id=row.checkpoint_id,
        checkpoint_seq=row.checkpoint_seq,
        checkpoint_at=row.checkpoint_at,
    )


def store(session: Session, head: Head) -> None:
    result = session.execute(
        _STORE,
        {
            "new_seq": head.seq,
            "new_entry_hash": head.entry_hash,
            "new_frontier": head.frontier.to_bytes(),
            "new_checkpoint_id": head.checkpoint_id,
            "new_checkpoint_seq": head.checkpoint_seq,
            "new_checkpoint_at": head.checkpoint_at,
        },
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ChainHeadMissing()

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

from sqlalchemy import select, update
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


def lock(session: Session) -> Head:
    """Read the head and hold it until this transaction ends."""
    row = session.execute(
        select(
            AuditHead.seq,
            AuditHead.entry_hash,
            AuditHead.frontier,
            AuditHead.checkpoint_id,
            AuditHead.checkpoint_seq,
            AuditHead.checkpoint_at,
        )
        .where(AuditHead.id == HEAD_ID)
        .with_for_update()
    ).one_or_none()
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
        update(AuditHead)
        .where(AuditHead.id == HEAD_ID)
        .values(
            seq=head.seq,
            entry_hash=head.entry_hash,
            frontier=head.frontier.to_bytes(),
            checkpoint_id=head.checkpoint_id,
            checkpoint_seq=head.checkpoint_seq,
            checkpoint_at=head.checkpoint_at,
        )
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ChainHeadMissing()

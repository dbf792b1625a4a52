"""The bulk append (record_many) against the single append (record), entry for entry.

The bulk path exists for speed only (imports and disposals of a million persons,
DESIGN.md §11): it must store the very rows, chain and Merkle frontier that appending the
same entries one by one would store, on SQLite (one packed statement per chunk,
mnvault.audit.packed) and on PostgreSQL (executemany), and move the head only with the
rows, in the caller's transaction (DESIGN.md §3 invariant 1, fail closed; §6).
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from mnvault.audit import head, packed
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry, AuditHead
from mnvault.db.engine import unit_of_work
from tests.conftest import World

_COLUMNS = ", ".join(column.name for column in AuditEntry.__table__.columns)


def _stored(session: Session, after: int) -> tuple[list[Any], list[Any], tuple[Any, ...]]:
    """The entries after ``after`` as the mapped values and as the driver hands back
    the stored ones, and the head (seq, hash, Merkle frontier)."""
    mapped = [
        tuple(row)
        for row in session.execute(
            select(*AuditEntry.__table__.columns)
            .where(AuditEntry.seq > after)
            .order_by(AuditEntry.seq)
        )
    ]
    raw = [
        tuple(bytes(v) if isinstance(v, memoryview) else v for v in row)
        for row in session.execute(
            text(f"SELECT {_COLUMNS} FROM audit_entries WHERE seq > :after ORDER BY seq"),  # noqa: S608 - our column names
            {"after": after},
        )
    ]
    stored = session.get_one(AuditHead, 1)
    return mapped, raw, (stored.seq, bytes(stored.entry_hash), bytes(stored.frontier))


DETAILS = [{"batch_id": "b-1", "n": [1, 2], "名": "値"}, None]


@pytest.mark.parametrize("meanwhile", [False, True], ids=["inline", "builder-thread"])
@pytest.mark.parametrize("details", DETAILS, ids=["details", "none"])
def test_bulk_append_stores_the_chain_single_appends_would(
    world: World, monkeypatch: pytest.MonkeyPatch, meanwhile: bool, details: Any
) -> None:
    # Small chunks: the chain must run on across chunk boundaries unchanged.
    monkeypatch.setattr(audit, "BULK_CHUNK", 7)
    context = replace(world.ctx("manager", "withholding_slip"), request_id="req-1")
    persons = [uuid.uuid4() for _ in range(23)]
    persons[3] = persons[2]  # the same person twice is two entries, as two records are
    ran = []

    session = world.sessions()
    try:
        before = head.lock(session).seq
        audit.record_many(
            session,
            context,
            AuditAction.NUMBER_DISPOSE,
            [p.bytes if i % 2 else p for i, p in enumerate(persons)],  # either form
            details=details,
            meanwhile=(lambda: ran.append(True)) if meanwhile else None,
        )
        session.flush()
        bulk = _stored(session, before)
    finally:
        session.rollback()  # the head goes back: the single appends take the same seqs
        session.close()
    assert ran == ([True] if meanwhile else [])
    occurred_at: datetime = bulk[0][0][1]

    session = world.sessions()
    try:
        assert head.lock(session).seq == before
        for person_id in persons:
            entry = audit.new_entry(
                context, AuditAction.NUMBER_DISPOSE, person_id=person_id, details=details
            )
            entry.occurred_at = occurred_at  # one time for the batch, as record_many uses
            audit.append_all(session, [entry])
        session.flush()
        single = _stored(session, before)
    finally:
        session.rollback()
        session.close()

    assert len(bulk[0]) == len(persons)
    assert bulk[0] == single[0]  # the mapped values, hashes included
    assert bulk[1] == single[1]  # the stored values, byte for byte
    assert bulk[2] == single[2]  # the head: seq, hash and Merkle frontier


def test_a_failed_chunk_leaves_the_head_and_the_trail_as_they_were(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "BULK_CHUNK", 5)
    real = audit._chunk_writer
    written = []

    def failing_writer(*args: Any) -> Any:
        write, prepare = real(*args)

        def write_then_fail(payload: Any) -> None:
            if written:
                raise OSError("disk full")  # the second chunk
            write(payload)
            written.append(payload)

        return write_then_fail, prepare

    monkeypatch.setattr(audit, "_chunk_writer", failing_writer)
    with world.sessions() as session:
        before = session.get_one(AuditHead, 1)
        state = (before.seq, bytes(before.entry_hash), bytes(before.frontier))
    with pytest.raises(OSError, match="disk full"), unit_of_work(world.sessions) as session:
        audit.record_many(
            session,
            world.ctx("manager"),
            AuditAction.NUMBER_DISPOSE,
            [uuid.uuid4() for _ in range(12)],
            meanwhile=lambda: None,
        )
    assert written  # the first chunk was inserted, and then rolled back with the rest
    with world.sessions() as session:
        after = session.get_one(AuditHead, 1)
        assert (after.seq, bytes(after.entry_hash), bytes(after.frontier)) == state
        assert session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())) == state[0]


def test_a_packed_chunk_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="wrong size"):
        packed.pack(1, [bytes(16), bytes(15)], [bytes(32)] * 3)
    with pytest.raises(ValueError, match="wrong size"):
        packed.pack(1, [bytes(16)], [bytes(32)])
    with pytest.raises(ValueError, match="empty"):
        packed.pack(1, [], [bytes(32)])

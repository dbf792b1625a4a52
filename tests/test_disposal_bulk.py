"""A disposal run as bulk work: one audit entry per disposed person, appended in chunks,
deletions without row-by-row foreign-key enforcement on SQLite, and still fail closed.

Sources: 事業者編 別添1 2E d (削除・廃棄の記録: who, when, which persons, never the number);
DESIGN.md §3 invariant 1 (no deletion without its audit entry in the same transaction;
if the entry cannot be written, nothing happens), §6 (the trail answers "what was
deleted", per person) and §11 (a million persons in under 30 s: benchmarks/dispose.py).

On SQLite the sessions here commit for real, into the test's own copy of the database,
so that the run's bulk sessions (mnvault.db.engine.bulk_sessions) take effect as in
production; on PostgreSQL they stay inside the test's rolled-back transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mnvault.audit import services as audit
from mnvault.audit.models import AuditEntry, AuditHead
from mnvault.audit.questions import queries
from mnvault.audit.verification.verify import verify_connection
from mnvault.crypto import Envelope
from mnvault.db.engine import (
    CACHE_KIB,
    DanglingReference,
    bulk_sessions,
    check_references,
    make_session_factory,
    unit_of_work,
)
from mnvault.disposal import batches
from mnvault.disposal.models import BatchState, DisposalBatch, DisposalBatchPerson, MemberState
from mnvault.vault.models import DataKey, NumberRecord, NumberRecordAffair, Person
from tests.conftest import World
from tests.disposal_support import (
    add_manager,
    add_persons,
    keyring_of,
    no_grace,
    own_envelope,
    read_number,
)

TODAY = date(2026, 11, 26)
RETIRED = date(2024, 3, 31)  # withholding slip: kept until 2025-01-31, so due now

__all__ = ["no_grace"]  # the fixture, imported so that pytest uses it here


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """conftest's, except that on SQLite transactions commit for real (see above)."""
    if engine.dialect.name == "sqlite":
        yield make_session_factory(engine)
        return
    connection = engine.connect()
    outer = connection.begin()
    yield sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    outer.rollback()
    connection.close()


@pytest.fixture
def envelope(tmp_path: Path) -> Envelope:
    return own_envelope(tmp_path)


def planned(world: World) -> uuid.UUID:
    # Another manager confirms: the planner may not (disposal/confirmation.py).
    add_manager(world)
    with unit_of_work(world.sessions) as session:
        batch = batches.plan(session, world.ctx("manager"), today=TODAY, reason="月末廃棄")
        if batch.state == BatchState.PLANNED:
            batches.confirm(session, world.ctx("manager2"), batch_id=batch.id)
        return batch.id


def run(world: World, batch_id: uuid.UUID) -> DisposalBatch:
    return batches.run(world.sessions, keyring_of(world), world.ctx("manager"), batch_id=batch_id)


def test_each_disposed_person_has_an_entry_and_the_trail_verifies(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "BULK_CHUNK", 4)  # several chunks, as a real batch has
    gone = add_persons(world, 11, seed=31, relationship_end=RETIRED)
    stay = add_persons(world, 2, seed=32)
    batch_id = planned(world)
    done = run(world, batch_id)
    assert done.state == BatchState.COMPLETED and done.disposed_count == len(gone)
    with world.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "number:dispose")
        ).all()
        report = verify_connection(session.connection(), [])
    assert report.ok, [str(f) for f in report.findings]
    assert sorted(e.person_id for e in entries) == sorted(p for p, _ in gone)  # one each
    assert {e.details["batch_id"] for e in entries} == {str(batch_id)}  # type: ignore[index]
    # "Who touched this person" still finds the disposal, by the manager who ran it.
    with unit_of_work(world.sessions) as session:
        uses = queries.uses_of_person(session, world.ctx("auditor"), gone[0][0])
    assert [(u.action, u.actor_id) for u in uses][-1] == (
        "number:dispose",
        world.users["manager"].id,
    )
    for person_id, number in stay:
        assert read_number(world, person_id) == number


def test_nothing_is_deleted_when_the_audit_write_fails(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit, "BULK_CHUNK", 3)
    gone = add_persons(world, 8, seed=33, relationship_end=RETIRED)
    batch_id = planned(world)
    real = audit._chunk_writer
    written: list[Any] = []

    def failing_writer(*args: Any) -> Any:
        write, prepare = real(*args)

        def write_then_fail(payload: Any) -> None:
            if written:
                raise OSError("disk full")  # the second chunk, after the deletions
            write(payload)
            written.append(payload)

        return write_then_fail, prepare

    monkeypatch.setattr(audit, "_chunk_writer", failing_writer)
    with world.sessions() as session:
        before = session.get_one(AuditHead, 1)
        head_before = (before.seq, bytes(before.entry_hash))
    with pytest.raises(OSError, match="disk full"):
        run(world, batch_id)
    assert written
    with world.sessions() as session:
        after = session.get_one(AuditHead, 1)
        assert (after.seq, bytes(after.entry_hash)) == head_before
        assert session.get_one(DisposalBatch, batch_id).state == BatchState.CONFIRMED
        states = session.scalars(
            select(DisposalBatchPerson.state).where(DisposalBatchPerson.batch_id == batch_id)
        ).all()
        assert set(states) == {MemberState.PLANNED}
        for table in (NumberRecord, DataKey, NumberRecordAffair):
            held = select(func.count()).where(table.person_id.in_([p for p, _ in gone]))
            assert session.scalar(held) == len(gone)
        disposals = select(func.count()).where(AuditEntry.action == "number:dispose")
        assert session.scalar(disposals) == 0
    for person_id, number in gone:
        assert read_number(world, person_id) == number
    monkeypatch.setattr(audit, "_chunk_writer", real)
    assert run(world, batch_id).disposed_count == len(gone)  # and it can be run again


def test_a_dangling_reference_fails_the_bulk_transaction(world: World) -> None:
    (person_id, _number), *_ = add_persons(world, 1, seed=34)
    orphaning = delete(Person).where(Person.id == person_id)  # their number rows stay
    sqlite = world.sessions.kw["bind"].dialect.name == "sqlite"
    # SQLite: the bulk transaction's closing check; PostgreSQL enforces it row by row.
    expected = DanglingReference if sqlite else IntegrityError

    def orphan() -> None:
        with unit_of_work(bulk_sessions(world.sessions)) as session:
            session.execute(orphaning)
            check_references(session, deleted_from=["persons"], written=[])

    with pytest.raises(expected):
        orphan()
    with world.sessions() as session:
        assert session.get(Person, person_id) is not None
        assert session.get(NumberRecord, person_id) is not None


def test_the_bulk_settings_end_with_the_bulk_transaction(world: World) -> None:
    if world.sessions.kw["bind"].dialect.name != "sqlite":
        assert bulk_sessions(world.sessions) is world.sessions  # nothing to relax there
        return

    def pragmas(session: Session) -> tuple[int, int]:
        foreign_keys = session.execute(text("PRAGMA foreign_keys")).scalar_one()
        cache = session.execute(text("PRAGMA cache_size")).scalar_one()
        return foreign_keys, cache

    with unit_of_work(bulk_sessions(world.sessions)) as session:
        assert pragmas(session)[0] == 0
    # The same pooled connection, handed to an ordinary transaction: enforced again.
    for _ in range(3):
        with unit_of_work(world.sessions) as session:
            assert pragmas(session) == (1, -CACHE_KIB)

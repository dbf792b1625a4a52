"""The all-cores verification (mnvault.audit.verification.parallel) gives the sequential
pass's answer on any trail, tampered or not (issue 4: verify names the first entry that breaks, and
at a million entries a second). The fast path only ever confirms a whole trail; these
tests look for a trail it confirms that the reference would not, or a chunk where the
SQLite encoding differs from the reference encoding."""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from mnvault.access.context import Context
from mnvault.audit import chain, checkpoints, trail
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.checkpoints import Checkpointer
from mnvault.audit.merkle import Frontier
from mnvault.audit.verification import parallel, sqlite_encoding
from mnvault.audit.verification import verify as audit_verify
from mnvault.audit.verification.chunkcheck import Chunk
from mnvault.crypto import LocalKeyring
from mnvault.db.engine import make_engine, make_session_factory, unit_of_work
from mnvault.db.migrate import upgrade
from tests.test_audit_tamper import OPERATIONS, Template, apply, template

__all__ = ["template"]  # the fixture: a checkpointed, witnessed trail on SQLite

COLUMNS = trail.ENTRY_COLUMNS


def _chunk_answer(chunk: Chunk) -> tuple[Any, ...]:
    return (chunk.ok, chunk.count, chunk.first_prev, chunk.last_hash, chunk.marks, chunk.tail)


def test_the_sqlite_encoding_is_the_reference_encoding(
    tmp_path: Path, keyring_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every kind of entry the application writes: single and bulk, with and without a
    person, details in Japanese, NULL affair and address, across powers of ten."""
    monkeypatch.setattr(sqlite_encoding, "SHORTEST_RUNS", 1)  # runs of one entry too
    database = tmp_path / "trail.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    factory = make_session_factory(engine)
    keyring = LocalKeyring.open(keyring_path, "test passphrase")
    checkpoints.attach(factory, Checkpointer(keyring, None, every_entries=7))
    plain = Context(actor_id=uuid.uuid4(), organisation_id=uuid.uuid4(), affair_code=None)
    full = Context(
        actor_id=uuid.uuid4(),
        organisation_id=uuid.uuid4(),
        affair_code="slip",
        request_id="req-1",
        client_address="2001:db8::1",
    )
    for i in range(12):
        with unit_of_work(factory) as session:
            audit.record(session, plain, AuditAction.PERSON_READ, details={"i": i, "名": "試"})
            audit.record(session, full, AuditAction.PERSON_READ, person_id=uuid.uuid4())
            people = [uuid.uuid4() for _ in range(i)]
            audit.record_many(session, full, AuditAction.NUMBER_ACQUIRE, people, details=None)
    try:
        with trail.snapshot(engine) as connection:
            count = trail.seq_range(connection)[0]
            raw = connection.connection.driver_connection
            cursor = raw.cursor()  # type: ignore[union-attr]
            encode = parallel._encoder()
            for size in (8, 16, 32):
                for low in range(0, count, size):
                    high = min(low + size, count)
                    sizes = frozenset(range(low + 1, high + 1, 3))
                    fast = sqlite_encoding.check_range(cursor, low, high, sizes)
                    reference = parallel._reference_check(connection, encode, low, high, sizes)
                    assert reference.ok, (low, high)
                    assert _chunk_answer(fast) == _chunk_answer(reference), (low, high)
    finally:
        engine.dispose()


def test_the_sqlite_encodings_are_byte_identical_to_chain_py(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bytes the fast path hashes are chain.py's encoding v1, entry for entry (not
    merely the same verdict): trails already written and archived verify unchanged."""
    monkeypatch.setattr(sqlite_encoding, "SHORTEST_RUNS", 1)
    engine = make_engine(f"sqlite:///{tmp_path / 'trail.sqlite3'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    context = Context(
        actor_id=uuid.uuid4(), organisation_id=uuid.uuid4(), affair_code="slip", request_id="r"
    )
    with unit_of_work(factory) as session:
        audit.record(session, context, AuditAction.PERSON_READ, details={"名": "試", "n": 1.5})
        audit.record_many(
            session, context, AuditAction.NUMBER_ACQUIRE, [uuid.uuid4() for _ in range(12)]
        )
        audit.record(session, context, AuditAction.PERSON_READ, person_id=uuid.uuid4())
    try:
        with trail.snapshot(engine) as connection:
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            expected = [
                chain.encode_texts(entry.seq, entry.texts(), entry.prev_hash)
                for entry in trail.read_entries(connection)
            ]
            for low, high in ((0, 14), (0, 8), (8, 14), (3, 11)):
                columns = sqlite_encoding.read_range(cursor, low, high)
                assert columns is not None, (low, high)
                encoded = list(sqlite_encoding.encode_range(low, high, columns))
                assert encoded == expected[low:high], (low, high)
    finally:
        engine.dispose()


def test_seq_fields_cross_powers_of_ten() -> None:
    seqs = range(1, 1002)
    assert list(sqlite_encoding.seq_fields(1, 1001)) == [
        chain.TAG + chain.seq_field(seq) for seq in seqs
    ]


# -- tampering, including values of another type than the column's -------------------------


def retype(db: sqlite3.Connection, pos: int, column: str) -> None:
    """Store a value as another SQLite type that the reference reads as the same text (or
    as a different one), then re-chain everything after it as a forger would: so the
    reference's verdict turns on the encoding, and the fast path must share it."""
    present = [row[0] for row in db.execute("SELECT seq FROM audit_entries ORDER BY seq")]
    if not present:
        return  # nothing left to retype
    seq = present[pos % len(present)]
    db.execute(
        {
            "actor_id": "UPDATE audit_entries SET actor_id = lower(hex(actor_id)) WHERE seq = ?",
            "person_id": "UPDATE audit_entries SET person_id = lower(hex(person_id)) WHERE seq = ?",
            # 16 characters, as long as a 16-byte id: a class check, not a length, tells
            "person_id_16": "UPDATE audit_entries SET person_id = "
            "substr(lower(hex(person_id)), 1, 16) WHERE seq = ?",
            "occurred_at": "UPDATE audit_entries SET occurred_at = 1.0 WHERE seq = ?",
            "action": "UPDATE audit_entries SET action = CAST(action AS BLOB) WHERE seq = ?",
            "affair_code": "UPDATE audit_entries SET affair_code = 1 WHERE seq = ?",
            "details": "UPDATE audit_entries SET details = 1 WHERE seq = ?",
            "request_id": "UPDATE audit_entries SET request_id = x'616263' WHERE seq = ?",
            "client_address": "UPDATE audit_entries SET client_address = "
            "'" + "a" * 200 + "' WHERE seq = ?",
        }[column],
        (seq,),
    )
    prev, frontier = chain.GENESIS, Frontier()
    select_all = f"SELECT {', '.join(COLUMNS)} FROM audit_entries ORDER BY seq"  # noqa: S608
    for row in db.execute(select_all).fetchall():
        digest = trail.canonical_entry([*row[:-2], prev, b""]).computed_hash()
        db.execute(
            "UPDATE audit_entries SET prev_hash = ?, entry_hash = ? WHERE seq = ?",
            (prev, digest, row[0]),
        )
        prev = digest
        frontier.append(digest)
    db.execute(
        "UPDATE audit_head SET seq = ?, entry_hash = ?, frontier = ?",
        (frontier.size, prev, frontier.to_bytes()),
    )


RETYPED = (
    "actor_id",
    "person_id",
    "person_id_16",
    "occurred_at",
    "action",
    "affair_code",
    "details",
    "request_id",
    "client_address",
)
EVERY_OPERATION = st.one_of(
    OPERATIONS,
    st.tuples(st.just("retype"), st.integers(0, 10**6), st.sampled_from(RETYPED)),
)


def both_answers(template: Template, operations: list[tuple[Any, ...]]) -> list[Any]:
    with tempfile.TemporaryDirectory() as directory:
        database = Path(directory) / "trail.sqlite3"
        witness_path = Path(directory) / "witness.jsonl"
        shutil.copy(template.database, database)
        shutil.copy(template.witness, witness_path)
        db = sqlite3.connect(database, isolation_level=None)
        for operation in operations:
            if operation[0] == "retype":
                retype(db, *operation[1:])
            else:
                apply(db, operation, template.attacker)
        db.close()
        engine = make_engine(f"sqlite:///{database}")
        try:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(parallel, "CHUNK", 4)  # chunks and their seams everywhere
                patch.setattr(audit_verify, "PARALLEL_FROM", 0)
                return [
                    audit_verify.verify_database(
                        engine, [template.public_key], witness_path, processes=n
                    )
                    for n in (1, 2)
                ]
        finally:
            engine.dispose()


def test_the_untouched_trail_is_confirmed_by_the_fast_path(template: Template) -> None:
    engine = make_engine(f"sqlite:///{template.database}")
    try:
        with trail.snapshot(engine) as connection:
            count = trail.seq_range(connection)[0]
            sizes = {c.tree_size for c in trail.read_checkpoints(connection)}
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(parallel, "CHUNK", 4)
            scanned = parallel.scan(engine, sizes, count, processes=2)
    finally:
        engine.dispose()
    sequential, parallel_report = both_answers(template, [])
    assert scanned is not None and scanned.count == count
    assert sequential == parallel_report and sequential.ok


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=st.lists(EVERY_OPERATION, min_size=1, max_size=3))
@pytest.mark.slow
def test_parallel_and_sequential_agree_on_the_first_break(
    template: Template, operations: list[tuple[Any, ...]]
) -> None:
    sequential, parallel_report = both_answers(template, operations)
    note(f"operations: {operations}; sequential: {[str(f) for f in sequential.findings]}")
    assert parallel_report == sequential
    assert parallel_report.first == sequential.first


@pytest.mark.parametrize("column", ["actor_id", "person_id"])
def test_a_value_stored_as_another_type_but_read_alike_still_verifies(
    template: Template, column: str
) -> None:
    """Ids written as hex text read as the same canonical text: the trail holds, and the
    chunk the fast encoding declines is confirmed by the reference encoder instead."""
    sequential, parallel_report = both_answers(template, [("retype", 5, column)])
    assert sequential.ok and parallel_report == sequential, [str(f) for f in sequential.findings]


def test_roots_at_every_size_across_chunk_seams(
    tmp_path: Path, keyring_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Merkle root the parallel pass gives at every tree size is the sequential one,
    at chunk ends (where a chunk's subtree completes a larger one) as elsewhere."""
    engine = make_engine(f"sqlite:///{tmp_path / 'trail.sqlite3'}")
    upgrade(engine)
    factory = make_session_factory(engine)
    context = Context(actor_id=uuid.uuid4(), organisation_id=uuid.uuid4(), affair_code="slip")
    with unit_of_work(factory) as session:
        audit.record_many(
            session, context, AuditAction.NUMBER_ACQUIRE, [uuid.uuid4() for _ in range(37)]
        )
    monkeypatch.setattr(parallel, "CHUNK", 4)
    try:
        with trail.snapshot(engine) as connection:
            hashes = [entry.entry_hash for entry in trail.read_entries(connection)]
        scanned = parallel.scan(engine, set(range(1, 38)), 37, processes=2)
    finally:
        engine.dispose()
    assert scanned is not None
    frontier = Frontier()
    for size, entry_hash in enumerate(hashes, start=1):
        frontier.append(entry_hash)
        assert scanned.roots[size] == (frontier.root(), entry_hash), size
    assert scanned.frontier.to_bytes() == frontier.to_bytes()


def test_an_undecodable_text_gets_the_sequential_answer(template: Template) -> None:
    """A text column holding bytes that are not UTF-8: the parallel pass confirms nothing
    and the sequential pass gives its own answer, the same with one core or two."""
    with tempfile.TemporaryDirectory() as directory:
        database = Path(directory) / "trail.sqlite3"
        shutil.copy(template.database, database)
        db = sqlite3.connect(database, isolation_level=None)
        db.execute("UPDATE audit_entries SET client_address = CAST(x'ff41' AS TEXT) WHERE seq = 6")
        db.close()
        engine = make_engine(f"sqlite:///{database}")
        answers = []
        try:
            with pytest.MonkeyPatch.context() as patch:
                patch.setattr(parallel, "CHUNK", 4)
                patch.setattr(audit_verify, "PARALLEL_FROM", 0)
                for processes in (1, 2):
                    try:
                        report = audit_verify.verify_database(
                            engine, [template.public_key], None, processes=processes
                        )
                        answers.append(("report", report))
                    except Exception as exc:  # the kind of failure is compared
                        answers.append(("raised", type(exc)))
        finally:
            engine.dispose()
    assert answers[0] == answers[1], answers

"""The all-cores verification gives the sequential pass's answer: it confirms a whole
trail, and on any tampering defers to the pass that names the entry."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from mnvault.access.context import Context
from mnvault.audit import checkpoints, trail
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.checkpoints import Checkpointer
from mnvault.audit.verification import parallel, pg_encoding
from mnvault.audit.verification import verify as audit_verify
from mnvault.audit.verification.findings import Problem
from mnvault.crypto import LocalKeyring
from mnvault.db.engine import make_engine, make_session_factory, unit_of_work
from tests.test_audit_concurrency import fresh

__all__ = ["fresh"]  # the fixture: a database of its own, on SQLite and PostgreSQL


def test_parallel_verification_agrees_with_the_sequential_pass(
    fresh: tuple[str, dict[str, str]],
    tmp_path: Path,
    keyring_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, options = fresh
    engine = make_engine(url, **({"connect_args": options} if options else {}))
    factory = make_session_factory(engine)
    keyring = LocalKeyring.open(keyring_path, "test passphrase")
    witness_path = tmp_path / "witness.jsonl"
    checkpoints.attach(factory, Checkpointer(keyring, witness_path, every_entries=50))
    context = Context(actor_id=uuid.uuid4(), organisation_id=uuid.uuid4(), affair_code="slip")
    for i in range(6):
        with unit_of_work(factory) as session:
            audit.record(session, context, AuditAction.PERSON_READ, details={"i": i, "名": "試"})
            people = [uuid.uuid4() for _ in range(37)]
            audit.record_many(session, context, AuditAction.NUMBER_ACQUIRE, people)
    monkeypatch.setattr(parallel, "CHUNK", 16)  # many chunks from a small trail
    monkeypatch.setattr(audit_verify, "PARALLEL_FROM", 0)
    keys = [keyring.public_signing_key()]
    try:
        with trail.snapshot(engine) as connection:
            sizes = {c.tree_size for c in trail.read_checkpoints(connection)}
        assert parallel.scan(engine, sizes, 6 * 38, processes=2) is not None
        both = [
            audit_verify.verify_database(engine, keys, witness_path, processes=n) for n in (1, 2)
        ]
        assert both[0] == both[1] and both[0].ok, [str(f) for f in both[0].findings]
        assert both[0].entries == 6 * 38

        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
            connection.execute(text("UPDATE audit_entries SET outcome = 'denied' WHERE seq = 99"))
        assert parallel.scan(engine, sizes, 6 * 38, processes=2) is None
        report = audit_verify.verify_database(engine, keys, witness_path, processes=2)
        assert report.first is not None
        assert report.first.problem is Problem.CHANGED and report.first.first_seq == 99
    finally:
        engine.dispose()


# Details as any JSON a forger could store: the parallel pass must read each as the
# sequential pass does (on PostgreSQL one reads the stored text, the other the driver's
# parsed value), so that a trail re-chained over them is confirmed by both or by neither.
ODD_DETAILS = ('"abc"', "null", "1.0", '"{\\"a\\": 1}"', "[2, 1]", '{"b": 1, "a": "試"}', "{}")


def test_odd_details_are_read_alike_by_both_passes(fresh: tuple[str, dict[str, str]]) -> None:
    url, options = fresh
    engine = make_engine(url, **({"connect_args": options} if options else {}))
    factory = make_session_factory(engine)
    context = Context(actor_id=uuid.uuid4(), organisation_id=uuid.uuid4(), affair_code="slip")
    with unit_of_work(factory) as session:
        for i in range(len(ODD_DETAILS)):
            audit.record(session, context, AuditAction.PERSON_READ, details={"i": i})
        audit.record_many(
            session, context, AuditAction.NUMBER_ACQUIRE, [uuid.uuid4() for _ in range(9)]
        )
    count = len(ODD_DETAILS) + 9
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setattr(parallel, "CHUNK", 4)
    try:
        with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER USER"))
                cast = "CAST(:details AS json)"
            else:
                cast = ":details"
            for seq, details in enumerate(ODD_DETAILS, start=1):
                connection.execute(
                    text(f"UPDATE audit_entries SET details = {cast} WHERE seq = :seq"),  # noqa: S608
                    {"details": details, "seq": seq},
                )
            # Re-chained as the sequential pass reads the entries, as a forger would.
            prev = b"\0" * 32
            for entry in list(trail.read_entries(connection)):
                digest = entry._replace(prev_hash=prev).computed_hash()
                connection.execute(
                    text("UPDATE audit_entries SET prev_hash = :p, entry_hash = :h WHERE seq = :s"),
                    {"p": prev, "h": digest, "s": entry.seq},
                )
                prev = digest
        scanned = parallel.scan(engine, set(), count, processes=2)
        assert scanned is not None and scanned.count == count
        assert scanned.last_hash == prev
        with trail.snapshot(engine) as connection:
            if connection.dialect.name == "postgresql":  # the column path, not its fallback
                raw = connection.connection.driver_connection
                fast = pg_encoding.check_range(raw.cursor(binary=True), 0, count, frozenset())  # type: ignore[union-attr]
                assert fast.ok and fast.last_hash == prev
    finally:
        monkeypatch.undo()
        engine.dispose()

"""The all-cores verification gives the sequential pass's answer: it confirms a whole
trail, and on any tampering defers to the pass that names the entry."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from mnvault.access.context import Context
from mnvault.audit import checkpoints, parallel, trail
from mnvault.audit import services as audit
from mnvault.audit import verify as audit_verify
from mnvault.audit.actions import AuditAction
from mnvault.audit.checkpoints import Checkpointer
from mnvault.audit.findings import Problem
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

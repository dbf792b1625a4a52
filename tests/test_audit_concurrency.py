"""Several processes appending at once keep one gap-free chain, with consistent
checkpoints, on SQLite and on PostgreSQL (DESIGN.md §10: the head is serialised)."""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from mnvault.access.context import Context
from mnvault.audit import checkpoints
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.checkpoints import Checkpointer
from mnvault.audit.verification.verify import verify_database
from mnvault.crypto import LocalKeyring
from mnvault.db.engine import make_engine, make_session_factory, unit_of_work
from mnvault.db.migrate import upgrade
from tests.conftest import pg_url

PROCESSES = 3
ROUNDS = 15


def _public_key(keyring_path: Path) -> bytes:
    """The vault's own key: never one the witness names (issue 11)."""
    return LocalKeyring.open(keyring_path, "test passphrase").public_signing_key()


def _append(url: str, options: dict[str, str], keyring_path: Path, witness_path: Path) -> None:
    engine = make_engine(url, **({"connect_args": options} if options else {}))
    factory = make_session_factory(engine)
    keyring = LocalKeyring.open(keyring_path, "test passphrase")
    checkpoints.attach(factory, Checkpointer(keyring, witness_path, every_entries=7))
    context = Context(actor_id=uuid.uuid4(), organisation_id=uuid.uuid4())
    for i in range(ROUNDS):
        with unit_of_work(factory) as session:
            audit.record(session, context, AuditAction.PERSON_READ, details={"i": i})
            audit.record_many(session, context, AuditAction.NUMBER_ACQUIRE, [uuid.uuid4()] * 2)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    """A freshly migrated database of its own (committed work must not leak elsewhere)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'concurrent.sqlite3'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        yield url, {}
        return
    pg_engine: Engine = request.getfixturevalue("pg_engine")
    schema = f"audit_conc_{uuid.uuid4().hex[:8]}"
    with pg_engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    options = {"options": f"-csearch_path={schema}"}
    engine = make_engine(pg_url(), connect_args=options)
    upgrade(engine)
    engine.dispose()
    try:
        yield pg_url(), options
    finally:
        with pg_engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def test_concurrent_processes_keep_one_chain(
    fresh: tuple[str, dict[str, str]], tmp_path: Path, keyring_path: Path
) -> None:
    url, options = fresh
    witness_path = tmp_path / "witness.jsonl"
    context = multiprocessing.get_context("fork")
    workers = [
        context.Process(target=_append, args=(url, options, keyring_path, witness_path))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    engine = make_engine(url, **({"connect_args": options} if options else {}))
    try:
        report = verify_database(engine, [_public_key(keyring_path)], witness_path)
    finally:
        engine.dispose()
    assert report.ok, [str(f) for f in report.findings]
    assert report.entries == PROCESSES * ROUNDS * 3
    # every third transaction (3 entries each) reaches 7 unsigned entries
    assert report.witnessed == report.checkpoints >= PROCESSES * ROUNDS // 3

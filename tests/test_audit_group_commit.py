"""The group commit (mnvault.audit.group): many threads' entries in shared transactions
keep one gap-free, verifiable chain, and a failed batch fails every request in it.

DESIGN.md §3 invariant 1 (no number without its committed audit entry; if the entry
cannot be written the operation fails) and §6 (the hash chain); PPC guideline for
businesses, 別添1 安全管理措置 (取扱状況を確認する手段 / アクセスの記録).
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from mnvault.access.context import Context
from mnvault.audit import checkpoints
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.checkpoints import Checkpointer
from mnvault.audit.errors import AuditUnavailable
from mnvault.audit.group import GroupCommit
from mnvault.audit.models import AuditEntry
from mnvault.audit.verification.verify import verify_database
from mnvault.crypto import LocalKeyring
from mnvault.db.engine import make_engine, make_session_factory
from mnvault.db.migrate import upgrade
from tests.conftest import pg_url

THREADS = 12
ROUNDS = 8


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A freshly migrated database of its own, with a connection pool (threads commit
    for real; the shared ``sessions`` fixture is one connection)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'group.sqlite3'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    pg_engine: Engine = request.getfixturevalue("pg_engine")
    schema = f"audit_group_{uuid.uuid4().hex[:8]}"
    with pg_engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(pg_url(), connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    try:
        yield engine
    finally:
        engine.dispose()
        with pg_engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def _public_key(keyring_path: Path) -> bytes:
    """The vault's own key: never one the witness names (issue 11)."""
    return LocalKeyring.open(keyring_path, "test passphrase").public_signing_key()


def _factory(engine: Engine, keyring_path: Path, witness: Path) -> sessionmaker[Session]:
    factory = make_session_factory(engine)
    keyring = LocalKeyring.open(keyring_path, "test passphrase")
    checkpoints.attach(factory, Checkpointer(keyring, witness, every_entries=7))
    return factory


def _entries(context: Context, i: int) -> list[AuditEntry]:
    # One or two entries per request, like a token use followed by a number read.
    first = audit.new_entry(context, AuditAction.NUMBER_READ, person_id=uuid.uuid4())
    if i % 2:
        return [first]
    return [audit.new_entry(context, AuditAction.TOKEN_USE, details={"i": i}), first]


def _count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def test_concurrent_requests_keep_one_verifiable_chain(
    fresh: Engine, tmp_path: Path, keyring_path: Path
) -> None:
    witness = tmp_path / "witness.jsonl"
    writer = GroupCommit(_factory(fresh, keyring_path, witness))
    committed: list[int] = []
    errors: list[BaseException] = []

    def requests(worker: int) -> None:
        context = Context(actor_id=uuid.uuid4(), organisation_id=uuid.uuid4())
        try:
            for i in range(ROUNDS):
                entries = _entries(context, i)
                writer.commit(entries)
                # Returned means durable: the entries have their places in the chain.
                assert all(entry.seq for entry in entries)
                committed.extend(entry.seq for entry in entries)
        except BaseException as exc:  # a thread's failure must reach the test
            errors.append(exc)

    threads = [threading.Thread(target=requests, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    total = THREADS * ROUNDS * 3 // 2
    assert sorted(committed) == list(range(1, total + 1))
    assert writer.batches <= THREADS * ROUNDS
    report = verify_database(fresh, [_public_key(keyring_path)], witness)
    assert report.ok, [str(finding) for finding in report.findings]
    assert report.entries == total
    assert report.checkpoints >= 1


def test_a_failed_batch_fails_every_request_in_it(
    fresh: Engine, tmp_path: Path, keyring_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = GroupCommit(_factory(fresh, keyring_path, tmp_path / "witness.jsonl"))
    leader_inside, release = threading.Event(), threading.Event()

    def broken(_session: Session, _entries: object) -> None:
        leader_inside.set()
        release.wait()
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "insert_all", broken)
    context = Context(actor_id=uuid.uuid4(), organisation_id=uuid.uuid4())
    outcomes: list[str] = []

    def request(i: int) -> None:
        try:
            writer.commit(_entries(context, i))
            outcomes.append("answered")
        except AuditUnavailable:
            outcomes.append("refused")

    first = threading.Thread(target=request, args=(0,))
    first.start()
    leader_inside.wait()
    # These queue behind the leader's failing batch and form the next one together.
    followers = [threading.Thread(target=request, args=(i,)) for i in range(1, 6)]
    for thread in followers:
        thread.start()
    while writer.queued < len(followers):
        threading.Event().wait(0.01)
    release.set()
    for thread in [first, *followers]:
        thread.join()
    assert outcomes == ["refused"] * 6  # fail closed: nobody is answered
    assert writer.batches == 2  # the five followers shared one batch
    assert _count(fresh) == 0
    monkeypatch.undo()
    writer.commit(_entries(context, 1))  # the writer recovers once the store does
    assert _count(fresh) == 1


# -- coroutines (commit_async): the number read on the event loop -------------------------


def test_coroutines_and_threads_share_one_verifiable_chain(
    fresh: Engine, tmp_path: Path, keyring_path: Path
) -> None:
    witness = tmp_path / "witness.jsonl"
    writer = GroupCommit(_factory(fresh, keyring_path, witness))
    committed: list[int] = []
    errors: list[BaseException] = []
    context = Context(actor_id=uuid.uuid4(), organisation_id=uuid.uuid4())

    async def coroutine(i: int) -> None:
        entries = _entries(context, i)
        await writer.commit_async(entries)
        assert all(entry.seq for entry in entries)  # returned means durable
        committed.extend(entry.seq for entry in entries)

    async def loop_requests() -> None:
        await asyncio.gather(*(coroutine(i) for i in range(THREADS * ROUNDS)))

    def thread_requests() -> None:
        try:
            for i in range(ROUNDS):
                entries = _entries(context, i)
                writer.commit(entries)
                committed.extend(entry.seq for entry in entries)
        except BaseException as exc:  # a thread's failure must reach the test
            errors.append(exc)

    threads = [threading.Thread(target=thread_requests) for _ in range(3)]
    for thread in threads:
        thread.start()
    asyncio.run(loop_requests())
    for thread in threads:
        thread.join()
    writer.close()
    assert not errors
    total = (THREADS * ROUNDS + 3 * ROUNDS) * 3 // 2
    assert sorted(committed) == list(range(1, total + 1))
    report = verify_database(fresh, [_public_key(keyring_path)], witness)
    assert report.ok, [str(finding) for finding in report.findings]
    assert report.entries == total


def test_a_failed_batch_fails_every_coroutine_in_it(
    fresh: Engine, tmp_path: Path, keyring_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = GroupCommit(_factory(fresh, keyring_path, tmp_path / "witness.jsonl"))

    def broken(_session: Session, _entries: object) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(audit, "insert_all", broken)
    context = Context(actor_id=uuid.uuid4(), organisation_id=uuid.uuid4())

    async def request(i: int) -> str:
        try:
            await writer.commit_async(_entries(context, i))
        except AuditUnavailable as refused:
            return f"refused: {type(refused.__cause__).__name__}"
        return "answered"

    async def requests() -> list[str]:
        return list(await asyncio.gather(*(request(i) for i in range(10))))

    # Fail closed: nobody is answered, and each learns why.
    assert asyncio.run(requests()) == ["refused: RuntimeError"] * 10
    assert _count(fresh) == 0
    monkeypatch.undo()
    asyncio.run(writer.commit_async(_entries(context, 1)))  # recovers once the store does
    assert _count(fresh) == 1
    writer.close()
    # A closed writer (a vault being sealed) refuses rather than leaving a request waiting.
    with pytest.raises(AuditUnavailable):
        asyncio.run(writer.commit_async(_entries(context, 1)))
    assert _count(fresh) == 1


def test_a_cancelled_request_still_has_its_entries_committed(
    fresh: Engine, tmp_path: Path, keyring_path: Path
) -> None:
    """A client gone mid-read cancels its request; the entry (the attempt happened) is
    committed all the same, and the writer serves the next request."""
    writer = GroupCommit(_factory(fresh, keyring_path, tmp_path / "witness.jsonl"))
    context = Context(actor_id=uuid.uuid4(), organisation_id=uuid.uuid4())

    async def scenario() -> None:
        task = asyncio.create_task(writer.commit_async(_entries(context, 1)))
        await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await writer.commit_async(_entries(context, 1))

    asyncio.run(scenario())
    writer.close()
    assert _count(fresh) == 2

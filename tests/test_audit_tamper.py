"""Tampering with the database file behind the service's back is always detected and
located (issue 4): random sequences of changed fields, deleted, inserted and swapped
rows, truncated tails, and whole-trail forgeries re-chained without the signing key."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from mnvault.access.context import Context
from mnvault.audit import chain, checkpoints, trail
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.archive import archive, pruning
from mnvault.audit.checkpoints import Checkpointer
from mnvault.audit.merkle import Frontier
from mnvault.audit.statement import Checkpoint, key_id
from mnvault.audit.verification.findings import Problem
from mnvault.audit.verification.verify import Report, verify_database
from mnvault.crypto import LocalKeyring, ScryptParams
from mnvault.db.base import utcnow
from mnvault.db.engine import make_engine, make_session_factory, unit_of_work
from mnvault.db.migrate import upgrade

CHECKPOINT_EVERY = 4


@dataclass(frozen=True)
class Template:
    database: Path
    witness: Path
    public_key: bytes
    attacker: LocalKeyring  # a key of the forger's own: not the vault's


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, keyring_path: Path) -> Template:
    """A real trail: single entries and bulk ones, checkpointed, witnessed, fully signed."""
    return _build(tmp_path_factory.mktemp("tamper"), keyring_path, pruned=False)


@pytest.fixture(scope="module")
def pruned_template(tmp_path_factory: pytest.TempPathFactory, keyring_path: Path) -> Template:
    """The same, after its oldest segment was archived and pruned (a pruned base)."""
    return _build(tmp_path_factory.mktemp("tamper_pruned"), keyring_path, pruned=True)


def _build(root: Path, keyring_path: Path, *, pruned: bool) -> Template:
    database, witness_path = root / "trail.sqlite3", root / "witness.jsonl"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    factory = make_session_factory(engine)
    keyring = LocalKeyring.open(keyring_path, "test passphrase")
    checkpoints.attach(factory, Checkpointer(keyring, witness_path, every_entries=CHECKPOINT_EVERY))
    context = Context(actor_id=uuid.uuid4(), organisation_id=uuid.uuid4(), affair_code="slip")
    for i in range(14):
        with unit_of_work(factory) as session:
            audit.record(session, context, AuditAction.PERSON_READ, person_id=uuid.uuid4())
            if i % 4 == 0:
                people = [uuid.uuid4() for _ in range(3)]
                audit.record_many(session, context, AuditAction.NUMBER_ACQUIRE, people)
    if pruned:
        before = utcnow()
        with trail.snapshot(engine) as connection:
            archive.write(connection, root / "archive.jsonl", before, keyring.public_signing_key())
        with unit_of_work(factory) as session:
            pruning.prune(
                session,
                root / "archive.jsonl",
                before=before,
                now=before + timedelta(seconds=1),
                retention_days=0,
            )
        for _ in range(6):
            with unit_of_work(factory) as session:
                audit.record(session, context, AuditAction.PERSON_READ, person_id=uuid.uuid4())
    with unit_of_work(factory) as session:
        checkpoints.checkpoint_now(session)
    engine.dispose()
    attacker = LocalKeyring.create(root / "attacker.json", "x", ScryptParams.fast_for_tests())
    return Template(database, witness_path, keyring.public_signing_key(), attacker)


# -- the tampering operations, on the raw file --------------------------------------------

COLUMNS = trail.ENTRY_COLUMNS
TEXT_FIELDS = ("action", "outcome", "affair_code", "request_id", "client_address")
ID_FIELDS = ("actor_id", "organisation_id", "person_id")
CHANGEABLE = (*TEXT_FIELDS, *ID_FIELDS, "details", "occurred_at", "prev_hash", "entry_hash")


def rows(db: sqlite3.Connection, table: str = "audit_entries", key: str = "seq") -> list[Any]:
    return db.execute(f"SELECT * FROM {table} ORDER BY {key}").fetchall()  # noqa: S608


def seqs(db: sqlite3.Connection) -> list[int]:
    return [row[0] for row in db.execute("SELECT seq FROM audit_entries ORDER BY seq")]


def shift(db: sqlite3.Connection, from_seq: int, by: int) -> None:
    # Two steps, so the primary key never holds the same seq twice mid-statement.
    db.execute("UPDATE audit_entries SET seq = -(seq + ?) WHERE seq >= ?", (by, from_seq))
    db.execute("UPDATE audit_entries SET seq = -seq WHERE seq < 0")


def change(db: sqlite3.Connection, pos: int, column: str) -> None:
    seq = seqs(db)[pos % len(seqs(db))]
    (value,) = db.execute(f"SELECT {column} FROM audit_entries WHERE seq = ?", (seq,)).fetchone()  # noqa: S608
    if column in TEXT_FIELDS:
        new: Any = (value or "") + "x"
    elif column in ID_FIELDS:
        new = hashlib.sha256(bytes(value or b"")).digest()[:16]
    elif column == "details":
        new = '{"tampered":true}' if value != '{"tampered": true}' else '{"tampered":false}'
    elif column == "occurred_at":
        new = "2020-01-01 00:00:00.000000"
    else:  # a hash: flip its first bit
        new = bytes([value[0] ^ 1]) + bytes(value[1:])
    db.execute(f"UPDATE audit_entries SET {column} = ? WHERE seq = ?", (new, seq))  # noqa: S608


def delete(db: sqlite3.Connection, pos: int, renumber: bool) -> None:
    seq = seqs(db)[pos % len(seqs(db))]
    db.execute("DELETE FROM audit_entries WHERE seq = ?", (seq,))
    if renumber:
        db.execute("UPDATE audit_entries SET seq = seq - 1 WHERE seq > ?", (seq,))


def insert(db: sqlite3.Connection, pos: int) -> None:
    """A new entry, made to look genuine: linked to its predecessor, its hash correct."""
    present = seqs(db)
    index = pos % (len(present) + 1)
    seq = present[index] if index < len(present) else present[-1] + 1
    model = db.execute(
        f"SELECT {', '.join(COLUMNS)} FROM audit_entries WHERE seq = ?",  # noqa: S608
        (present[min(index, len(present) - 1)],),
    ).fetchone()
    before = db.execute("SELECT entry_hash FROM audit_entries WHERE seq = ?", (seq - 1,)).fetchone()
    shift(db, seq, 1)
    values = list(model)
    values[0], values[COLUMNS.index("request_id")] = seq, "forged"
    values[COLUMNS.index("prev_hash")] = before[0] if before else chain.GENESIS
    values[-1] = trail.canonical_entry(values).computed_hash()
    marks = ", ".join("?" * len(COLUMNS))
    db.execute(f"INSERT INTO audit_entries ({', '.join(COLUMNS)}) VALUES ({marks})", values)  # noqa: S608


def swap(db: sqlite3.Connection, pos: int, other: int) -> None:
    present = seqs(db)
    a, b = present[pos % len(present)], present[other % len(present)]
    if a == b:
        b = present[(present.index(a) + 1) % len(present)]
    shift(db, 10**9, 0)  # no-op, keeps the helper honest about negative seqs
    db.execute("UPDATE audit_entries SET seq = -1 WHERE seq = ?", (a,))
    db.execute("UPDATE audit_entries SET seq = ? WHERE seq = ?", (a, b))
    db.execute("UPDATE audit_entries SET seq = ? WHERE seq = -1", (b,))


def truncate(db: sqlite3.Connection, pos: int) -> None:
    present = seqs(db)
    keep = pos % len(present)
    db.execute("DELETE FROM audit_entries WHERE seq > ?", (present[keep - 1] if keep else 0,))


def forge(db: sqlite3.Connection, pos: int, signatures: str, attacker: LocalKeyring) -> None:
    """Change one entry, then re-chain everything after it and the head, as anyone with
    write access to the database can; the checkpoints are kept, deleted, or re-signed
    with a key of the forger's own."""
    present = seqs(db)
    target = present[pos % len(present)]
    db.execute(
        "UPDATE audit_entries SET request_id = 'forged-' || coalesce(request_id, '') WHERE seq = ?",
        (target,),
    )
    prev, frontier, roots = chain.GENESIS, Frontier(), {}
    base = db.execute(
        "SELECT pruned_through, base_hash, base_frontier FROM audit_prunes"
        " ORDER BY pruned_through DESC LIMIT 1"
    ).fetchone()
    if base is not None:  # a forger re-chains from the pruned base, not from genesis
        prev, frontier = base[1], Frontier.from_bytes(base[0], base[2])
    select_all = f"SELECT {', '.join(COLUMNS)} FROM audit_entries ORDER BY seq"  # noqa: S608
    for row in db.execute(select_all).fetchall():
        entry = trail.canonical_entry([*row[:-2], prev, b""])
        digest = entry.computed_hash()
        db.execute(
            "UPDATE audit_entries SET prev_hash = ?, entry_hash = ? WHERE seq = ?",
            (prev, digest, row[0]),
        )
        prev = digest
        frontier.append(digest)
        roots[frontier.size] = (frontier.root(), digest)
    db.execute(
        "UPDATE audit_head SET seq = ?, entry_hash = ?, frontier = ?",
        (frontier.size, prev, frontier.to_bytes()),
    )
    if signatures == "delete":
        db.execute("DELETE FROM audit_checkpoints")
        db.execute("UPDATE audit_head SET checkpoint_id = 0, checkpoint_seq = 0")
    elif signatures == "resign":
        public = attacker.public_signing_key()
        for cid, size, created_at in db.execute(
            "SELECT id, tree_size, created_at FROM audit_checkpoints"
        ).fetchall():
            if size not in roots:
                continue
            root, head_hash = roots[size]
            statement = Checkpoint(
                cid, size, root, head_hash, trail._created_at(created_at), key_id(public), b""
            )
            db.execute(
                "UPDATE audit_checkpoints SET root = ?, head_hash = ?, key_id = ?, signature = ?"
                " WHERE id = ?",
                (root, head_hash, key_id(public), attacker.sign(statement.message()), cid),
            )


positions = st.integers(min_value=0, max_value=10**6)
OPERATIONS = st.one_of(
    st.tuples(st.just("change"), positions, st.sampled_from(CHANGEABLE)),
    st.tuples(st.just("delete"), positions, st.booleans()),
    st.tuples(st.just("insert"), positions),
    st.tuples(st.just("swap"), positions, positions),
    st.tuples(st.just("truncate"), positions),
    st.tuples(st.just("forge"), positions, st.sampled_from(["keep", "delete", "resign"])),
)


def apply(db: sqlite3.Connection, operation: tuple[Any, ...], attacker: LocalKeyring) -> None:
    name, *args = operation
    table: dict[str, Callable[..., None]] = {
        "change": change,
        "delete": delete,
        "insert": insert,
        "swap": swap,
        "truncate": truncate,
    }
    if not seqs(db):
        return  # nothing left to tamper with
    if name == "forge":
        forge(db, *args, attacker=attacker)
    else:
        table[name](db, *args)


def first_difference(before: list[Any], after: list[Any]) -> int | None:
    """The seq of the first entry that is not what it was (None: the trail is unchanged)."""
    start = before[0][0] if before else 1  # the first seq: after a pruned base, not 1
    for position, (old, new) in enumerate(zip(before, after, strict=False), start=start):
        if tuple(old) != tuple(new):
            return position
    if len(before) != len(after):
        return start + min(len(before), len(after))
    return None


def check(template: Template, operations: list[tuple[Any, ...]]) -> tuple[Report, int | None]:
    with tempfile.TemporaryDirectory() as directory:
        database = Path(directory) / "trail.sqlite3"
        witness_path = Path(directory) / "witness.jsonl"
        shutil.copy(template.database, database)
        shutil.copy(template.witness, witness_path)
        db = sqlite3.connect(database, isolation_level=None)
        original = rows(db)
        side = (rows(db, "audit_checkpoints", "id"), rows(db, "audit_head", "id"))
        for operation in operations:
            apply(db, operation, template.attacker)
        expected = first_difference(original, rows(db))
        side_changed = side != (rows(db, "audit_checkpoints", "id"), rows(db, "audit_head", "id"))
        db.close()
        engine = make_engine(f"sqlite:///{database}")
        try:
            report = verify_database(engine, [template.public_key], witness_path)
        finally:
            engine.dispose()
    if expected is None and side_changed:
        expected = 0  # only signatures or the head were touched
    return report, expected


def test_the_untouched_trail_verifies(template: Template) -> None:
    report, expected = check(template, [])
    assert expected is None
    assert report.ok, [str(f) for f in report.findings]
    assert report.unsigned_tail == 0 and report.checkpoints == report.witnessed >= 5


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=3))
def test_tampering_is_detected_and_located(
    template: Template, operations: list[tuple[Any, ...]]
) -> None:
    detected_and_located(template, operations)


def test_the_untouched_pruned_trail_verifies(pruned_template: Template) -> None:
    report, expected = check(pruned_template, [])
    assert expected is None
    assert report.ok, [str(f) for f in report.findings]
    assert report.pruned_through > 0 and report.unsigned_tail == 0


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=st.lists(OPERATIONS, min_size=1, max_size=3))
def test_tampering_after_a_prune_is_detected_and_located(
    pruned_template: Template, operations: list[tuple[Any, ...]]
) -> None:
    report = detected_and_located(pruned_template, operations)
    # Nothing that is still there is blamed on the prune: it stays a valid base.
    assert report.pruned_through > 0


def detected_and_located(template: Template, operations: list[tuple[Any, ...]]) -> Report:
    report, expected = check(template, operations)
    note(f"operations: {operations}; first changed entry: {expected}")
    if expected is None:  # the operations undid each other (a swap and its reverse)
        assert report.ok, [str(f) for f in report.findings]
        return report
    assert not report.ok
    first = report.first
    assert first is not None
    if expected == 0:
        assert first.problem not in {Problem.CHANGED, Problem.MISSING, Problem.INSERTED}
        return report
    assert first.first_seq is not None and first.last_seq is not None, str(first)
    located = (str(first), expected, report.signed_through)
    # Nothing a signature still vouches for was touched, and the break is not late.
    assert report.signed_through < expected <= first.last_seq, located
    forged = any(operation[0] == "forge" for operation in operations)
    if forged or first.problem in {Problem.REWRITTEN, Problem.TRUNCATED}:
        # A convincing rewrite (re-chained, or cut and signed no more): what is known is
        # the last signed root that still matches; the change lies after it, within
        # one checkpoint's reach.
        assert expected - report.signed_through <= 2 * CHECKPOINT_EVERY + 3, located
    else:
        # Named exactly, or as "this entry does not follow the one before it" (never
        # the pruned base, which a signature vouches for).
        lowest = max(expected - 1, report.pruned_through + 1)
        assert lowest <= first.first_seq <= expected, located
    return report

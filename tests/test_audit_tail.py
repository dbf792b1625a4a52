"""Entries after the last checkpoint (the unsigned tail) are verified too (issue 4).

They are chained but no signature covers them yet: the chain and the head are what
vouch for them, so a changed, deleted, inserted or cut-off tail entry is still found
and named. (Cutting the tail *and* rewinding the head together is not detectable: no
signature covers those entries yet. That is why checkpoints are also due after
MNVAULT_AUDIT_CHECKPOINT_SECONDS, and why `mnvault audit checkpoint` exists.)
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mnvault.access.context import Context
from mnvault.audit import checkpoints
from mnvault.audit import services as audit
from mnvault.audit import trail as trail_mod
from mnvault.audit.actions import AuditAction
from mnvault.audit.checkpoints import Checkpointer
from mnvault.audit.verification.findings import Problem
from mnvault.audit.verification.verify import Report, verify_database
from mnvault.crypto import LocalKeyring
from mnvault.db.engine import make_engine, make_session_factory, unit_of_work
from mnvault.db.migrate import upgrade

EVERY = 5
ENTRIES = 14  # checkpoints at 1 (the first is due at once), 6 and 11; 12..14 unsigned


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory, keyring_path: Path) -> tuple[Path, bytes]:
    root = tmp_path_factory.mktemp("tail")
    database = root / "trail.sqlite3"
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    factory = make_session_factory(engine)
    keyring = LocalKeyring.open(keyring_path, "test passphrase")
    checkpoints.attach(
        factory,
        Checkpointer(keyring, root / "witness.jsonl", every_entries=EVERY, every_seconds=1e9),
    )
    context = Context(actor_id=uuid.uuid4(), organisation_id=uuid.uuid4(), affair_code="slip")
    for _ in range(ENTRIES):
        with unit_of_work(factory) as session:
            audit.record(session, context, AuditAction.PERSON_READ, person_id=uuid.uuid4())
    engine.dispose()
    return database, keyring.public_signing_key()


def _verify(
    trail: tuple[Path, bytes], tmp_path: Path, edit: Callable[[sqlite3.Connection], object]
) -> Report:
    source, key = trail
    database = tmp_path / "trail.sqlite3"
    shutil.copy(source, database)
    shutil.copy(source.parent / "witness.jsonl", tmp_path / "witness.jsonl")
    db = sqlite3.connect(database, isolation_level=None)
    edit(db)
    db.close()
    engine = make_engine(f"sqlite:///{database}")
    try:
        return verify_database(engine, [key], tmp_path / "witness.jsonl")
    finally:
        engine.dispose()


def _nothing(db: sqlite3.Connection) -> None:
    pass


def test_an_untouched_unsigned_tail_verifies(trail: tuple[Path, bytes], tmp_path: Path) -> None:
    report = _verify(trail, tmp_path, _nothing)
    assert report.ok, [str(f) for f in report.findings]
    assert (report.entries, report.signed_through, report.unsigned_tail) == (14, 11, 3)


def _forge_last(db: sqlite3.Connection) -> None:
    """A new last entry, chained and hashed correctly, the head left as it was."""
    columns = trail_mod.ENTRY_COLUMNS
    model = list(
        db.execute(
            f"SELECT {', '.join(columns)} FROM audit_entries WHERE seq = 14"  # noqa: S608
        ).fetchone()
    )
    model[0], model[columns.index("prev_hash")] = 15, model[-1]
    model[-1] = trail_mod.canonical_entry(model).computed_hash()
    marks = ", ".join("?" * len(columns))
    db.execute(f"INSERT INTO audit_entries ({', '.join(columns)}) VALUES ({marks})", model)  # noqa: S608


# (edit, expected problem, first and last entry named)
CASES: list[tuple[str, Callable[[sqlite3.Connection], object], Problem, int, int]] = [
    (
        "a tail field changed",
        lambda db: db.execute("UPDATE audit_entries SET outcome = 'denied' WHERE seq = 13"),
        Problem.CHANGED,
        13,
        13,
    ),
    (
        "a tail entry deleted",
        lambda db: db.execute("DELETE FROM audit_entries WHERE seq = 13"),
        Problem.MISSING,
        12,  # the range reaches back to the entry the next one no longer follows
        13,
    ),
    (
        "the tail cut off (the head still says 14)",
        lambda db: db.execute("DELETE FROM audit_entries WHERE seq > 11"),
        Problem.TRUNCATED,
        12,
        14,
    ),
    (
        "the last entry cut off",
        lambda db: db.execute("DELETE FROM audit_entries WHERE seq = 14"),
        Problem.TRUNCATED,
        14,
        14,
    ),
    ("an entry appended behind the head's back", _forge_last, Problem.INSERTED, 15, 15),
]


@pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
def test_tampering_with_the_unsigned_tail_is_found(
    trail: tuple[Path, bytes], tmp_path: Path, case: tuple[Any, ...]
) -> None:
    _, edit, problem, first, last = case
    report = _verify(trail, tmp_path, edit)
    found = report.first
    assert found is not None
    assert (found.problem, found.first_seq, found.last_seq) == (problem, first, last), str(found)
    assert report.signed_through == 11  # the signed part is still vouched for

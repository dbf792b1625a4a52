"""Retention, archiving and pruning of the audit trail (issue 4), on SQLite and PostgreSQL.

Sources: 別添1 安全管理措置 (6)③ and ガイドライン（事業者編）図表2-2 ask that the records
of use be kept and protected against deletion; issue 4 asks that archiving export a
signed, verifiable segment before anything is pruned, and that a prune is itself an
audited, checkpointed event. So: a prune needs a verified archive of exactly the next
segment and an elapsed retention period; afterwards the live trail verifies from the
pruned base, and a deletion that is not such a prune is still found.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from mnvault.audit import checkpoints
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.archive import archive, pruning
from mnvault.audit.checkpoints import Checkpointer
from mnvault.audit.errors import ArchiveInvalid, NothingToArchive, PruneRefused
from mnvault.audit.models import AuditEntry, AuditPrune
from mnvault.audit.verification.findings import Problem
from mnvault.audit.verification.verify import Report, verify_connection
from mnvault.crypto import LocalKeyring, ScryptParams
from mnvault.db.base import utcnow
from mnvault.db.engine import unit_of_work
from tests.conftest import World
from tests.test_audit_postgresql import _refused, app_role_schema

__all__ = ["app_role_schema"]  # the fixture, shared with the append-only tests

EVERY = 5


@dataclass
class Trail:
    world: World
    checkpointer: Checkpointer
    key: bytes

    def add(self, count: int) -> None:
        for i in range(count):
            with unit_of_work(self.world.sessions) as session:
                audit.record(
                    session, self.world.ctx("clerk"), AuditAction.PERSON_READ, details={"i": i}
                )

    def verify(self) -> Report:
        with self.world.sessions() as session:
            return verify_connection(session.connection(), [self.key])

    def archive(self, out: Path, before_offset: float = 0.0) -> archive.Segment:
        with self.world.sessions() as session:
            before = utcnow() + timedelta(seconds=before_offset)
            return archive.write(session.connection(), out, before, self.key)

    def prune(self, path: Path, **kw: object) -> pruning.Pruned:
        moment = utcnow()
        options: dict[str, object] = {
            "before": moment,
            "now": moment + timedelta(seconds=1),
            "retention_days": 0,
        }
        options.update(kw)
        with unit_of_work(self.world.sessions) as session:
            return pruning.prune(session, path, checkpointer=self.checkpointer, **options)  # type: ignore[arg-type]


@pytest.fixture
def trail(world: World) -> Trail:
    checkpointer = Checkpointer(world.envelope.provider, None, every_entries=EVERY)
    checkpoints.attach(world.sessions, checkpointer)
    made = Trail(world, checkpointer, checkpointer.public_key())
    made.add(12)
    return made


def _count(trail: Trail) -> tuple[int, int]:
    with trail.world.sessions() as session:
        low, high = session.execute(
            select(func.min(AuditEntry.seq), func.max(AuditEntry.seq))
        ).one()
        return int(low), int(high)


def test_archive_prune_and_the_live_trail_still_verifies(trail: Trail, tmp_path: Path) -> None:
    segment = trail.archive(tmp_path / "a1.jsonl")
    trail.add(7)  # entries after the archive stay
    checked = archive.check(tmp_path / "a1.jsonl", [trail.key])
    assert checked.report.ok, [str(f) for f in checked.report.findings]
    assert checked.segment == segment and segment.first_seq == 1

    done = trail.prune(tmp_path / "a1.jsonl")
    assert (done.first_seq, done.last_seq, done.deleted) == (1, segment.last_seq, segment.entries)
    assert _count(trail)[0] == segment.last_seq + 1
    report = trail.verify()
    assert report.ok, [str(f) for f in report.findings]
    assert report.pruned_through == segment.last_seq
    assert report.signed_through >= done.record_seq  # the prune itself is checkpointed
    with trail.world.sessions() as session:
        record = session.get(AuditEntry, done.record_seq)
        assert record is not None and record.action == "audit:prune"
        assert record.details is not None and record.details["pruned_through"] == done.last_seq

    # The next segment starts at the pruned base and verifies offline on its own.
    trail.add(6)
    second = trail.archive(tmp_path / "a2.jsonl")
    assert second.first_seq == segment.last_seq + 1
    assert archive.check(tmp_path / "a2.jsonl", [trail.key]).report.ok
    again = trail.prune(tmp_path / "a2.jsonl")
    assert again.first_seq == second.first_seq
    report = trail.verify()
    assert report.ok, [str(f) for f in report.findings]
    assert report.pruned_through == second.last_seq


def test_nothing_signed_before_the_date_means_nothing_to_archive(
    trail: Trail, tmp_path: Path
) -> None:
    with pytest.raises(NothingToArchive):
        trail.archive(tmp_path / "a.jsonl", before_offset=-3600)


def test_retention_period_is_kept(trail: Trail, tmp_path: Path) -> None:
    """Entries younger than the retention period are never pruned (per-call override too)."""
    trail.archive(tmp_path / "a.jsonl")
    with pytest.raises(PruneRefused, match="retention period"):
        trail.prune(tmp_path / "a.jsonl", retention_days=30)
    with pytest.raises(PruneRefused, match="negative"):
        trail.prune(tmp_path / "a.jsonl", retention_days=-1)
    with pytest.raises(PruneRefused, match="from the given date on"):
        trail.prune(
            tmp_path / "a.jsonl",
            before=utcnow() - timedelta(days=1),
            now=utcnow() + timedelta(days=2),
        )


def test_a_prune_needs_a_verified_archive_of_the_next_segment(trail: Trail, tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    trail.archive(path)
    lines = path.read_text("utf-8").splitlines()
    record = json.loads(lines[3])
    record["entry"]["outcome"] = "denied"
    altered = tmp_path / "altered.jsonl"
    altered.write_text("\n".join([*lines[:3], json.dumps(record), *lines[4:]]) + "\n", "utf-8")
    assert not archive.check(altered, [trail.key]).report.ok
    with pytest.raises(ArchiveInvalid):
        trail.prune(altered)
    # Entries dropped from the end: what is left is no longer what the signatures cover.
    cut = tmp_path / "cut.jsonl"
    cut.write_text(
        "\n".join(line for line in lines if '"entry"' not in line or lines.index(line) < 4) + "\n",
        "utf-8",
    )
    with pytest.raises(ArchiveInvalid):
        trail.prune(cut)
    # A key that is not the vault's vouches for nothing.
    other = LocalKeyring.create(tmp_path / "other.json", "x", ScryptParams.fast_for_tests())
    assert not archive.check(path, [other.public_signing_key()]).report.ok
    trail.prune(path)
    with pytest.raises(PruneRefused, match="does not start where the live trail does"):
        trail.prune(path)  # the same segment twice


def _sqlite_only(trail: Trail) -> None:
    if trail.world.sessions.kw["bind"].dialect.name != "sqlite":
        pytest.skip("on PostgreSQL the triggers refuse these edits (test_prune_on_postgresql)")


def _pruned(trail: Trail, tmp_path: Path) -> pruning.Pruned:
    trail.archive(tmp_path / "a.jsonl")
    trail.add(3)
    done = trail.prune(tmp_path / "a.jsonl")
    trail.add(4)
    return done


def test_tampering_after_a_prune_is_still_found(trail: Trail, tmp_path: Path) -> None:
    _sqlite_only(trail)
    done = _pruned(trail, tmp_path)
    target = done.last_seq + 2
    with unit_of_work(trail.world.sessions) as session:
        session.execute(update(AuditEntry).where(AuditEntry.seq == target).values(outcome="denied"))
    report = trail.verify()
    assert report.first is not None, done
    assert report.first.problem is Problem.CHANGED, ([str(f) for f in report.findings], done)
    assert (report.first.problem, report.first.first_seq) == (Problem.CHANGED, target)


@pytest.mark.parametrize(
    "edit",
    [
        "delete the prune row",  # the live trail no longer says where it starts
        "delete more entries",  # entries beyond the archived segment, with no prune
        "move the base",  # the prune row claims more was pruned than was signed
        "forge a prune record",  # a prune entry signed by some other key
    ],
)
def test_a_deletion_that_is_not_a_recorded_prune_is_found(
    trail: Trail, tmp_path: Path, edit: str
) -> None:
    _sqlite_only(trail)
    done = _pruned(trail, tmp_path)
    with unit_of_work(trail.world.sessions) as session:
        _edit(session, edit, done, tmp_path)
    report = trail.verify()
    assert not report.ok
    first = report.first
    # A forged record is caught by its hash (changed) or, re-chained, by its signature.
    allowed = {Problem.MISSING, Problem.CHANGED} if edit.startswith("forge") else {Problem.MISSING}
    assert first is not None and first.problem in allowed, str(first)
    assert first.first_seq is not None and first.first_seq <= done.record_seq, str(first)


def _edit(session: Session, edit: str, done: pruning.Pruned, tmp_path: Path) -> None:
    if edit == "delete the prune row":
        session.execute(delete(AuditPrune))
    elif edit == "delete more entries":
        session.execute(delete(AuditEntry).where(AuditEntry.seq <= done.last_seq + 3))
    elif edit == "move the base":
        session.execute(update(AuditPrune).values(pruned_through=done.last_seq + 3))
        session.execute(delete(AuditEntry).where(AuditEntry.seq <= done.last_seq + 3))
    else:
        forger = LocalKeyring.create(tmp_path / "forger.json", "x", ScryptParams.fast_for_tests())
        record = session.get(AuditEntry, done.record_seq)
        assert record is not None and record.details is not None
        details = dict(record.details)
        details["signature"] = forger.sign(b"anything").hex()
        session.execute(
            text("UPDATE audit_entries SET details = :d WHERE seq = :s"),
            {"d": json.dumps(details), "s": done.record_seq},
        )


def test_an_export_of_a_pruned_trail_verifies_offline(trail: Trail, tmp_path: Path) -> None:
    from mnvault.audit import trail as trail_module
    from mnvault.audit.verification.verify import verify_export

    _pruned(trail, tmp_path)
    out = tmp_path / "export.jsonl"
    with trail.world.sessions() as session, out.open("w", encoding="utf-8") as handle:
        trail_module.export(session.connection(), handle)
    report = verify_export(out, [trail.key])
    assert report.ok, [str(f) for f in report.findings]
    assert report.pruned_through > 0


# -- PostgreSQL: entries go only through the controlled function, run by the maintenance
# role (migration 0011; test_audit_prune_maintenance.py has the application role's refusal)


@pytest.mark.postgres
def test_on_postgresql_only_the_prune_function_deletes(
    app_role_schema: Engine, keyring_path: Path, tmp_path: Path
) -> None:
    role = app_role_schema.info_maintenance_role  # type: ignore[attr-defined]
    checkpointer = Checkpointer(
        LocalKeyring.open(keyring_path, "test passphrase"), None, every_entries=3
    )
    key = checkpointer.public_key()
    with app_role_schema.connect() as connection:
        outer = connection.begin()
        connection.execute(text(f"SET LOCAL ROLE {role}"))
        factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        checkpoints.attach(factory, checkpointer)
        for _ in range(8):
            with unit_of_work(factory) as session:
                audit.record(session, None, AuditAction.PERSON_READ)
        # Everything but the function stays refused to the maintenance role too.
        for statement in (
            "DELETE FROM audit_entries WHERE seq = 1",
            "UPDATE audit_entries SET outcome = 'denied' WHERE seq = 1",
            "INSERT INTO audit_prunes VALUES (1, '\\x00', '\\x00', 2, 'x', now())",
            "DELETE FROM audit_prunes",
        ):
            assert "permission denied" in _refused(connection, statement), statement
        # The function refuses what is not an anchored, recorded prune.
        refusal = _refused(
            connection, "SELECT mnvault_audit_prune(2, 8, '\\x00'::bytea, '\\x'::bytea, 'x')"
        )
        assert "audit prune refused" in refusal
        with factory() as session:
            segment = archive.write(session.connection(), tmp_path / "a.jsonl", utcnow(), key)
        moment = utcnow()
        with unit_of_work(factory) as session:
            done = pruning.prune(
                session,
                tmp_path / "a.jsonl",
                before=moment,
                now=moment + timedelta(seconds=1),
                retention_days=0,
                checkpointer=checkpointer,
            )
        assert done.deleted == segment.entries
        with factory() as session:
            report = verify_connection(session.connection(), [key])
        assert report.ok, [str(f) for f in report.findings]
        assert report.pruned_through == segment.last_seq
        # And the pruned base is as protected as the rest.
        for statement in ("DELETE FROM audit_prunes", "UPDATE audit_prunes SET record_seq = 1"):
            assert "permission denied" in _refused(connection, statement), statement
        outer.rollback()


@pytest.mark.postgres
def test_on_postgresql_even_the_owner_deletes_only_what_a_prune_covers(
    pg_engine: Engine,
) -> None:
    with pg_engine.connect() as connection:
        outer = connection.begin()
        session = Session(bind=connection, join_transaction_mode="create_savepoint")
        audit.record(session, None, AuditAction.PERSON_READ)
        session.flush()
        connection.execute(text("SELECT set_config('mnvault.audit_pruning', 'on', true)"))
        assert "append-only" in _refused(connection, "DELETE FROM audit_entries")
        outer.rollback()

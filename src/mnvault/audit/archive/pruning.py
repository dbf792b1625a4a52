"""Pruning: removing entries past their retention, only once a verified archive holds them.

The guidelines ask that access records be kept and protected against deletion
(事業者編 別添1 2C b 取扱規程等に基づく運用; 行政機関等編 別添1 2C b: 改ざん、窃取又は不正な
削除の防止; seed 図表2-1 (3)②), so a prune is never a
plain DELETE: it refuses unless

- the entries are older than the retention period (MNVAULT_AUDIT_RETENTION_DAYS, or a
  per-call override that is recorded in the prune entry),
- an archive of exactly the next segment of the trail verifies with the vault's key
  and holds the very entries the live trail has (hash for hash),

and then, in one transaction under the chain head's lock, appends an ``audit:prune``
entry carrying the vault's signature over the new base (mnvault.audit.pruned), deletes
the segment (on PostgreSQL only through the ``mnvault_audit_prune`` SECURITY DEFINER
function, which only the maintenance role may execute; the application role cannot
delete entries nor call it) and signs a checkpoint over the
prune entry. ``audit verify`` then starts the trail at that base.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.audit import checkpoints, head, pruned, trail
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.archive import archive
from mnvault.audit.checkpoints import Checkpointer
from mnvault.audit.errors import ArchiveInvalid, PruneRefused
from mnvault.audit.models import AuditEntry, AuditPrune
from mnvault.audit.pruned import PrunedBase
from mnvault.context import unit_of_work
from mnvault.db.base import utcnow


@dataclass(frozen=True)
class Pruned:
    first_seq: int
    last_seq: int
    deleted: int
    record_seq: int  # the audit:prune entry
    checkpoint_id: int  # the checkpoint that signs it


def prune(
    session: Session,
    archive_path: Path,
    *,
    before: datetime,
    retention_days: int,
    checkpointer: Checkpointer | None = None,
    now: datetime | None = None,
    context: Context | None = None,
) -> Pruned:
    """Prune the segment ``archive_path`` holds (see the module's rules); the
    checkpointer defaults to the one attached to the session (an opened vault's).
    People prune through :func:`prune_as`, which authorizes them; ``context`` names
    who in the ``audit:prune`` entry."""
    now = now or utcnow()
    checkpointer = checkpointer or session.info.get(checkpoints.INFO_KEY)
    if checkpointer is None:
        raise PruneRefused("署名できません（鍵束が開かれていません）", "cannot sign: no keyring")
    if retention_days < 0:
        raise PruneRefused("保存日数が負です", "the retention period is negative")
    if before > now - timedelta(days=retention_days):
        raise PruneRefused(
            f"保存期間（{retention_days}日）を過ぎていない記録は削除できません",
            f"entries within the retention period ({retention_days} days) are kept",
        )
    public_key = checkpointer.public_key()
    checked = archive.check(archive_path, [public_key])
    segment = checked.segment
    if segment is None:
        raise ArchiveInvalid(detail_en=str(checked.report.first or ""))
    if segment.latest is None or segment.latest >= before:
        raise PruneRefused(
            "保管ファイルに指定日以降の記録が含まれています",
            "the archive holds entries from the given date on",
        )
    head.lock(session)  # one prune (and no append) at a time
    connection = session.connection()
    current = pruned.read_base(connection)
    base_seq = current.seq if current is not None else 0
    if segment.first_seq != base_seq + 1:
        raise PruneRefused(
            f"保管ファイルが現在の記録の先頭（{base_seq + 1}番）から始まっていません",
            f"the archive does not start where the live trail does (entry {base_seq + 1})",
        )
    _same_entries(session, segment)
    details = pruned.signed_details(
        segment.end,
        segment.sha256,
        public_key,
        checkpointer.signer.sign,
        first_seq=segment.first_seq,
        entries=segment.entries,
        before=before.astimezone(UTC).isoformat(),
        retention_days=retention_days,
    )
    record = audit.record(session, context, AuditAction.AUDIT_PRUNE, details=details)
    base = PrunedBase(segment.last_seq, segment.end.entry_hash, segment.end.frontier, record.seq)
    deleted = _delete(session, base, base_seq, segment.sha256)
    checkpoints.checkpoint_now(session, checkpointer)
    signed = head.lock(session)
    return Pruned(segment.first_seq, segment.last_seq, deleted, record.seq, signed.checkpoint_id)


def write_archive(
    engine: Engine,
    sessions: sessionmaker[Session],
    out: Path,
    before: datetime,
    key: bytes,
    *,
    context: Context | None = None,
) -> archive.Segment:
    """Archive the next segment before ``before`` and record that it was taken out (by
    ``context``'s actor; people archive through :func:`archive_as`)."""
    with trail.snapshot(engine) as connection:
        segment = archive.write(connection, out, before, key)
    with unit_of_work(sessions) as session:
        audit.record(
            session,
            context,
            AuditAction.AUDIT_ARCHIVE,
            details={
                "first_seq": segment.first_seq,
                "last_seq": segment.last_seq,
                "entries": segment.entries,
                "archive_sha256": segment.sha256,
            },
        )
    return segment


def archive_as(
    engine: Engine,
    sessions: sessionmaker[Session],
    context: Context,
    *,
    out: Path,
    before: datetime,
    key: bytes,
) -> archive.Segment:
    """:func:`write_archive` for a signed-in user who may read the trail (an archive is
    the trail, taken out); a refusal is audited (unit_of_work) and writes no file."""
    with unit_of_work(sessions) as session:
        authorize(session, context, Permission.AUDIT_READ)
    return write_archive(engine, sessions, out, before, key, context=context)


def prune_as(
    session: Session,
    context: Context,
    archive_path: Path,
    *,
    before: datetime,
    retention_days: int,
) -> Pruned:
    """:func:`prune` for a signed-in user holding ``audit:prune`` (the auditor's)."""
    authorize(session, context, Permission.AUDIT_PRUNE)
    return prune(
        session, archive_path, before=before, retention_days=retention_days, context=context
    )


def _same_entries(session: Session, segment: archive.Segment) -> None:
    """The live entries must be the archived ones: pruning must not destroy evidence
    that differs from what was kept."""
    digest, count, expected = hashlib.sha256(), 0, segment.first_seq
    for seq, entry_hash in session.execute(
        select(AuditEntry.seq, AuditEntry.entry_hash)
        .where(AuditEntry.seq >= segment.first_seq, AuditEntry.seq <= segment.last_seq)
        .order_by(AuditEntry.seq)
        .execution_options(yield_per=20_000)
    ):
        count += seq == expected
        expected += 1
        digest.update(bytes(entry_hash))
    if count != segment.entries or digest.hexdigest() != segment.hashes_sha256:
        raise PruneRefused(
            "データベースの記録が保管ファイルと一致しません（audit verify で確認を）",
            "the live entries differ from the archive (run audit verify)",
        )


_PRUNE_SQL = text("SELECT mnvault_audit_prune(:through, :record, :hash, :frontier, :sha)")


def _delete(session: Session, base: PrunedBase, base_seq: int, archive_sha256: str) -> int:
    if session.get_bind().dialect.name == "postgresql":
        try:
            with session.begin_nested():
                return int(
                    session.execute(
                        text(
                            "SELECT mnvault_audit_prune(:through, :record, :hash, :frontier, :sha)"
                        ),
                        {
                            "through": base.seq,
                            "record": base.record_seq,
                            "hash": base.entry_hash,
                            "frontier": base.frontier,
                            "sha": archive_sha256,
                        },
                    ).scalar_one()
                )
        except DBAPIError as exc:
            # Most often the role: only the maintenance role may prune (migration 0011).
            raise PruneRefused(
                "データベースが拒否しました"
                "（削除は保守用ロールで: MNVAULT_MAINTENANCE_DATABASE_URL）",
                "the database refused (pruning needs the maintenance role: "
                "MNVAULT_MAINTENANCE_DATABASE_URL)",
            ) from exc
    session.execute(
        insert(AuditPrune).values(
            pruned_through=base.seq,
            base_hash=base.entry_hash,
            base_frontier=base.frontier,
            record_seq=base.record_seq,
            archive_sha256=archive_sha256,
            pruned_at=utcnow(),
        )
    )
    result = session.execute(
        delete(AuditEntry)
        .where(AuditEntry.seq > base_seq, AuditEntry.seq <= base.seq)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]

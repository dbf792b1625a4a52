"""Signed checkpoints: every N entries or T seconds, the Merkle root of the trail so far.

A checkpoint is written by the append that makes one due, in that append's transaction
and under the head's lock, so checkpoints are numbered and sized consistently however
many processes append. Signing needs the keyring, which services do not carry: an
opened vault attaches a :class:`Checkpointer` to its session factory (:func:`attach`)
and appends find it in ``session.info``. Sessions without one (tests, migrations)
append without checkpointing; the checkpoint stays due and the next append that can
sign writes it.

The witness line is written only after the transaction commits: a checkpoint the
database rolled back must never reach the witness, where it would look like a
truncated database. A crash between commit and witness write leaves the witness one
checkpoint behind, which verification accepts (the next checkpoint covers everything).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import event, insert
from sqlalchemy.orm import Session, sessionmaker

from mnvault.audit import head, syslog_witness, witness
from mnvault.audit.head import Head
from mnvault.audit.models import AuditCheckpoint
from mnvault.audit.statement import Checkpoint, key_id
from mnvault.config import Settings
from mnvault.crypto.errors import KeyringLocked
from mnvault.db.base import utcnow

log = logging.getLogger(__name__)

INFO_KEY = "mnvault_audit_checkpointer"
_PENDING = "mnvault_audit_pending_witness"
_PENDING_SYSLOG = "mnvault_audit_pending_syslog"

DEFAULT_EVERY_ENTRIES = 1000
DEFAULT_EVERY_SECONDS = 60.0


class Signer(Protocol):
    """The part of mnvault.crypto.KeyProvider a checkpoint needs."""

    def sign(self, message: bytes) -> bytes: ...

    def public_signing_key(self) -> bytes: ...


@dataclass
class Checkpointer:
    signer: Signer
    witness_path: Path | None
    every_entries: int = DEFAULT_EVERY_ENTRIES
    every_seconds: float = DEFAULT_EVERY_SECONDS
    syslog: str | None = None  # mnvault.audit.syslog_witness target
    _public_key: bytes | None = field(default=None, init=False, repr=False)

    def public_key(self) -> bytes:
        if self._public_key is None:
            self._public_key = self.signer.public_signing_key()
        return self._public_key

    def is_due(self, current: Head, now: datetime) -> bool:
        if current.seq <= current.checkpoint_seq:
            return False
        if current.seq - current.checkpoint_seq >= self.every_entries:
            return True
        last = current.checkpoint_at
        return last is None or now - last >= timedelta(seconds=self.every_seconds)


def from_settings(settings: Settings, signer: Signer) -> Checkpointer:
    return Checkpointer(
        signer=signer,
        witness_path=settings.audit_witness_path,
        every_entries=settings.audit_checkpoint_entries,
        every_seconds=settings.audit_checkpoint_seconds,
        syslog=settings.audit_syslog,
    )


def attach(factory: sessionmaker[Session], checkpointer: Checkpointer) -> None:
    """Make every session of ``factory`` write checkpoints with ``checkpointer``."""
    info = dict(factory.kw.get("info") or {})
    info[INFO_KEY] = checkpointer
    factory.configure(info=info)


def write_if_due(session: Session, current: Head, now: datetime) -> Checkpoint | None:
    checkpointer: Checkpointer | None = session.info.get(INFO_KEY)
    if checkpointer is None or not checkpointer.is_due(current, now):
        return None
    try:
        return write(session, current, checkpointer, now)
    except KeyringLocked:
        # A sealed vault still records sign-ins and refusals; it cannot sign, so the
        # checkpoint waits for the first append after the unseal.
        log.warning(
            "監査チェックポイント保留（鍵束が封印中）/ audit checkpoint deferred: keyring sealed"
        )
        return None


def checkpoint_now(session: Session, checkpointer: Checkpointer | None = None) -> Checkpoint | None:
    """Sign the entries not yet covered by a checkpoint, now (None when there are none).

    For the end of a batch job or a timer: entries after the last checkpoint are only
    chained, and whoever can write the database can re-chain a tail no signature covers.
    """
    checkpointer = checkpointer or session.info.get(INFO_KEY)
    if checkpointer is None:
        raise ValueError("no checkpointer attached to this session")
    current = head.lock(session)
    if current.seq <= current.checkpoint_seq:
        return None
    signed = write(session, current, checkpointer, utcnow())
    head.store(session, current)
    return signed


def write(session: Session, current: Head, checkpointer: Checkpointer, now: datetime) -> Checkpoint:
    """Sign the root of entries 1..current.seq and record it (the head must be locked)."""
    public_key = checkpointer.public_key()
    unsigned = Checkpoint(
        id=current.checkpoint_id + 1,
        tree_size=current.seq,
        root=current.frontier.root(),
        head_hash=current.entry_hash,
        created_at=now,
        key_id=key_id(public_key),
        signature=b"",
    )
    signed = replace(unsigned, signature=checkpointer.signer.sign(unsigned.message()))
    session.execute(insert(AuditCheckpoint).values(**asdict(signed)))
    current.checkpoint_id = signed.id
    current.checkpoint_seq = signed.tree_size
    current.checkpoint_at = now
    if checkpointer.witness_path is not None:
        pending = session.info.setdefault(_PENDING, [])
        pending.append((checkpointer.witness_path, signed.to_json(public_key)))
    if checkpointer.syslog is not None:
        queued = session.info.setdefault(_PENDING_SYSLOG, [])
        queued.append((checkpointer.syslog, signed.to_json(public_key)))
    return signed


@event.listens_for(Session, "after_commit")
def _witness_after_commit(session: Session) -> None:
    pending: list[tuple[Path, dict[str, Any]]] = session.info.pop(_PENDING, [])
    by_path: dict[Path, list[dict[str, Any]]] = {}
    for path, line in pending:
        by_path.setdefault(path, []).append(line)
    for path, lines in by_path.items():
        try:
            witness.append(path, lines)
        except OSError:
            # The entries and checkpoint are committed and stay verifiable; the witness
            # is one checkpoint behind until the next one, which covers these entries.
            log.exception("監査証人ファイルに書けません / cannot write the audit witness file")
    _syslog_after_commit(session.info.pop(_PENDING_SYSLOG, []))


def _syslog_after_commit(queued: list[tuple[str, dict[str, Any]]]) -> None:
    by_target: dict[str, list[dict[str, Any]]] = {}
    for target, line in queued:
        by_target.setdefault(target, []).append(line)
    for target, lines in by_target.items():
        try:
            syslog_witness.send(target, lines)
        except (OSError, ValueError) as exc:
            # Committed, and in the file witness: reported, never lost or rolled back.
            ids = ", ".join(str(line["checkpoint"]) for line in lines)
            log.error(
                "監査チェックポイント %s を syslog に送れません / cannot send audit checkpoint "
                "%s to syslog (%s): %s",
                ids,
                ids,
                target,
                type(exc).__name__,
            )


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, _previous: Any) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_PENDING_SYSLOG, None)

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

The vault never signs a trail that does not extend the last tree head it signed (kept
with the keyring, mnvault.audit.signed_head): before signing it proves the two
consistent (RFC 6962) from the entries appended since. A refusal is logged, recorded in
the trail (``audit:checkpoint_refused``) and retried no more often than the time cadence;
the proof of each signed checkpoint goes to the witness with it.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session, sessionmaker

from mnvault.audit import consistency, head, signed_head, syslog_witness, witness
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.audit.errors import CheckpointRefused
from mnvault.audit.head import Head
from mnvault.audit.merkle import Frontier, leaf_hash
from mnvault.audit.models import AuditCheckpoint, AuditEntry
from mnvault.audit.signed_head import SignedHead
from mnvault.audit.statement import Checkpoint, key_id
from mnvault.config import Settings
from mnvault.crypto.errors import KeyringLocked
from mnvault.db.base import utcnow

log = logging.getLogger(__name__)

INFO_KEY = "mnvault_audit_checkpointer"
_PENDING = "mnvault_audit_pending_witness"
_PENDING_SYSLOG = "mnvault_audit_pending_syslog"
_PENDING_HEAD = "mnvault_audit_pending_signed_head"

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
    # The last signed tree head (next to the keyring); None: no consistency check.
    signed_head_path: Path | None = None
    refused_at: datetime | None = field(default=None, init=False, repr=False)
    _public_key: bytes | None = field(default=None, init=False, repr=False)

    def public_key(self) -> bytes:
        if self._public_key is None:
            self._public_key = self.signer.public_signing_key()
        return self._public_key

    def is_due(self, current: Head, now: datetime) -> bool:
        if current.seq <= current.checkpoint_seq:
            return False
        if self.refused_at is not None and now - self.refused_at < timedelta(
            seconds=self.every_seconds
        ):
            return False  # refused lately: retried (and recorded) at the time cadence
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
        signed_head_path=signed_head.path_of(settings.keyring_path),
    )


def attach(factory: sessionmaker[Session], checkpointer: Checkpointer) -> None:
    """Make every session of ``factory`` write checkpoints with ``checkpointer``."""
    info = dict(factory.kw.get("info") or {})
    info[INFO_KEY] = checkpointer
    factory.configure(info=info)


def write_if_due(session: Session, current: Head, now: datetime) -> Checkpoint | None:
    """Sign a checkpoint when one is due (the head locked, ``current`` not yet stored)."""
    checkpointer: Checkpointer | None = session.info.get(INFO_KEY)
    if checkpointer is None or not checkpointer.is_due(current, now):
        return None
    try:
        return write(session, current, checkpointer, now)
    except CheckpointRefused as refused:
        _refused(session, current, checkpointer, refused, now)
        return None
    except KeyringLocked:
        # A sealed vault still records sign-ins and refusals; it cannot sign, so the
        # checkpoint waits for the first append after the unseal.
        log.warning(
            "監査チェックポイント保留（鍵束が封印中）/ audit checkpoint deferred: keyring sealed"
        )
        return None


def write_at_chunk(session: Session, view: Head, now: datetime) -> bool:
    """In a bulk append, sign the entries so far when the entry cadence asks for it.

    ``view`` is the head as of the end of one chunk. False when the vault refused: the
    caller stops trying for this append, whose end (:func:`write_if_due`) records it.
    """
    checkpointer: Checkpointer | None = session.info.get(INFO_KEY)
    if (
        checkpointer is None
        or checkpointer.refused_at is not None
        or view.seq - view.checkpoint_seq < checkpointer.every_entries
    ):
        return True
    try:
        write(session, view, checkpointer, now)
    except CheckpointRefused:
        return False
    except KeyringLocked:
        return False
    return True


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
    now = utcnow()
    try:
        signed = write(session, current, checkpointer, now)
    except CheckpointRefused as refused:
        _refused(session, current, checkpointer, refused, now)
        head.store(session, current)
        raise
    head.store(session, current)
    return signed


def _refused(
    session: Session,
    current: Head,
    checkpointer: Checkpointer,
    refused: CheckpointRefused,
    now: datetime,
) -> None:
    """Log the refusal and append an entry saying so (onto the locked ``current``)."""
    from mnvault.audit import services  # noqa: PLC0415 - services builds on this module

    checkpointer.refused_at = now
    log.error("監査チェックポイントの署名を拒否 / audit checkpoint refused: %s", refused)
    entry = services.new_entry(
        None,
        AuditAction.AUDIT_CHECKPOINT_REFUSED,
        outcome=Outcome.FAILED,
        details={
            "tree_size": current.seq,
            "reason_ja": refused.detail_ja,
            "reason_en": refused.detail_en,
        },
    )
    services.link(current, [entry])
    session.execute(insert(AuditEntry).values(**services.entry_values(entry)))


def write(session: Session, current: Head, checkpointer: Checkpointer, now: datetime) -> Checkpoint:
    """Sign the root of entries 1..current.seq and record it (the head must be locked);
    raises CheckpointRefused when that trail does not extend the last signed head."""
    public_key = checkpointer.public_key()
    extends = _extends(session, current, checkpointer.signed_head_path)
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
    checkpointer.refused_at = None
    line = signed.to_json(public_key)
    if extends is not None:
        line["consistency"] = {
            "from": extends[0].id,
            "from_size": extends[0].tree_size,
            "proof": [node.hex() for node in extends[1]],
        }
    if checkpointer.witness_path is not None:
        pending = session.info.setdefault(_PENDING, [])
        pending.append((checkpointer.witness_path, line))
    if checkpointer.syslog is not None:
        queued = session.info.setdefault(_PENDING_SYSLOG, [])
        queued.append((checkpointer.syslog, line))
    if checkpointer.signed_head_path is not None:
        heads = session.info.setdefault(_PENDING_HEAD, [])
        frontier = Frontier(current.frontier.size, list(current.frontier.nodes))
        heads.append((checkpointer.signed_head_path, SignedHead(signed, public_key, frontier)))
    return signed


def _extends(
    session: Session, current: Head, path: Path | None
) -> tuple[Checkpoint, list[bytes]] | None:
    """(the last signed checkpoint, the RFC 6962 proof that ``current`` extends it), or None
    when there is no last signed head yet (a new vault, or one older than the file)."""
    if path is None:
        return None
    # A checkpoint signed earlier in this transaction is the latest head (the file moves
    # only after the commit); proving from it keeps a bulk append's proofs short.
    ours = [head for where, head in session.info.get(_PENDING_HEAD, []) if where == path]
    try:
        last = ours[-1] if ours else signed_head.read(path)
    except (OSError, ValueError) as exc:
        raise CheckpointRefused(
            "最後に署名した木を読めません", "the last signed head cannot be read"
        ) from exc
    if last is None:
        return None
    signed = last.checkpoint
    if signed.id > current.checkpoint_id or current.seq < signed.tree_size:
        raise CheckpointRefused(
            f"データベースはチェックポイント {signed.id}（{signed.tree_size}件）より前の状態です",
            f"the database is behind checkpoint {signed.id} ({signed.tree_size} entries)",
        )
    hashes = list(
        session.scalars(
            select(AuditEntry.entry_hash)
            .where(AuditEntry.seq > signed.tree_size, AuditEntry.seq <= current.seq)
            .order_by(AuditEntry.seq)
        )
    )
    proof = consistency.prove(last.frontier, [leaf_hash(bytes(h)) for h in hashes])
    if (
        len(hashes) != current.seq - signed.tree_size
        or (hashes and bytes(hashes[-1]) != current.entry_hash)
        or not consistency.verify(
            signed.tree_size, current.seq, signed.root, current.frontier.root(), proof
        )
    ):
        raise CheckpointRefused(
            f"{signed.tree_size}件目までの記録が署名後に書き換えられています",
            f"entries up to {signed.tree_size} changed after they were signed",
        )
    return signed, proof


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
    for path, signed in session.info.pop(_PENDING_HEAD, []):
        try:
            signed_head.advance(path, signed)
        except OSError:
            # The next checkpoint is then proved from an older head: still consistent.
            log.exception("最後に署名した木を保存できません / cannot keep the last signed head")


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
    session.info.pop(_PENDING_HEAD, None)

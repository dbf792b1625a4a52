"""Audit entries, the chain head and signed checkpoints. Never a number; person ids only
(DESIGN.md invariant 3)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, UTCDateTime

# BigInteger on PostgreSQL, INTEGER PRIMARY KEY (the rowid) on SQLite.
_SEQ = BigInteger().with_variant(Integer, "sqlite")


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    # The impact-scope questions (mnvault.audit.questions.queries) read only these indexes: the
    # account's and the address's carry the answer (migration 0007).
    __table_args__ = (
        Index(
            "ix_audit_entries_actor_scope",
            "actor_id",
            "occurred_at",
            "organisation_id",
            "person_id",
            "affair_code",
        ),
        Index(
            "ix_audit_entries_address_scope",
            "client_address",
            "occurred_at",
            "organisation_id",
            "person_id",
            "affair_code",
        ),
        # By organisation (reports), and within it by action and time (token uses,
        # transfers).
        Index("ix_audit_entries_org_action_time", "organisation_id", "action", "occurred_at"),
        Index("ix_audit_entries_person", "person_id"),
    )

    # Assigned from the chain head, never by the database: the chain numbers entries
    # 1, 2, 3 ... without gaps, so a missing entry shows as a missing number.
    seq: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[uuid.UUID | None]
    organisation_id: Mapped[uuid.UUID | None]
    action: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    affair_code: Mapped[str | None] = mapped_column(String(64))
    person_id: Mapped[uuid.UUID | None]
    spi_file_id: Mapped[uuid.UUID | None]
    request_id: Mapped[str | None] = mapped_column(String(64))
    client_address: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # mnvault.audit.chain: SHA-256 over this entry's canonical encoding and prev_hash.
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32))


class AuditHead(Base):
    """The one row every append locks and advances: the single head of the chain."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    # The Merkle frontier over entries 1..seq (mnvault.audit.merkle), so a checkpoint
    # never re-reads the trail.
    frontier: Mapped[bytes] = mapped_column(LargeBinary)
    checkpoint_id: Mapped[int] = mapped_column(BigInteger)
    checkpoint_seq: Mapped[int] = mapped_column(BigInteger)
    checkpoint_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditCheckpoint(Base):
    """A signed Merkle root over entries 1..tree_size (mnvault.audit.checkpoints)."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=False)
    tree_size: Mapped[int] = mapped_column(BigInteger)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    head_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    key_id: Mapped[str] = mapped_column(String(64))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))


class AuditPrune(Base):
    """Entries 1..pruned_through were archived and pruned (mnvault.audit.archive.pruning).

    The live trail starts after them: ``base_hash`` is entry ``pruned_through``'s hash,
    ``base_frontier`` the Merkle frontier over 1..pruned_through, both vouched for by
    the signed checkpoint at that size; ``record_seq`` is the ``audit:prune`` entry that
    records the prune with the vault's signature.
    """

    __tablename__ = "audit_prunes"

    pruned_through: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    base_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    base_frontier: Mapped[bytes] = mapped_column(LargeBinary)
    record_seq: Mapped[int] = mapped_column(BigInteger)
    archive_sha256: Mapped[str] = mapped_column(String(64))
    pruned_at: Mapped[datetime] = mapped_column(UTCDateTime)

"""Retention rules of an organisation, retention events, disposal batches and certificates.

A disposal record never holds a number: a batch says who planned, confirmed and ran it,
how and when, and when the KEK rotation that makes backups unreadable completed; its
members say which persons and which affairs.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, StateText, UTCDateTime, new_id, utcnow
from mnvault.db.wrapped import WrappedKeys, register_wrapped_keys
from mnvault.vault.models import WITHOUT_ROWID


class RetentionRule(Base):
    """An organisation's own rule, replacing the statutory one for an affair (and kind).

    Shorter than the law: accepted unless the law requires keeping the document.
    Longer than the law: accepted only with a reason, which is kept here."""

    __tablename__ = "retention_rules"
    __table_args__ = (UniqueConstraint("organisation_id", "affair_code", "document_kind"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    affair_code: Mapped[str] = mapped_column(String(64))
    # "" for the affair as a whole (a NULL would not take part in the unique constraint).
    document_kind: Mapped[str] = mapped_column(String(100), default="")
    event: Mapped[str] = mapped_column(String(32))
    start: Mapped[str] = mapped_column(String(32))
    years: Mapped[int] = mapped_column(Integer)
    months: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(Text)
    looser_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RetentionEvent(Base):
    """A dated event a rule counts from, where the person record does not hold it
    (last filing, the submission deadline of the last declaration, a date of death)."""

    __tablename__ = "retention_events"
    __table_args__ = (WITHOUT_ROWID,)

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    event: Mapped[str] = mapped_column(String(32), primary_key=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DisposalSetting(Base):
    """Whether a manager must confirm each batch (always, for a small business)."""

    __tablename__ = "disposal_settings"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True
    )
    confirmation_required: Mapped[bool] = mapped_column(Boolean)
    updated_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BatchState(StrEnum):
    PLANNED = "planned"  # waiting for a manager's confirmation
    CONFIRMED = "confirmed"  # may run at (or after) its scheduled time
    EXECUTED = "executed"  # numbers deleted; the KEK rotation has not completed yet
    COMPLETED = "completed"  # the old KEK version is destroyed: backups cannot open them
    CANCELLED = "cancelled"


class DisposalBatch(Base):
    """削除・廃棄の記録 (事業者編 別添1 2E d): one run over a set of persons."""

    __tablename__ = "disposal_batches"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    state: Mapped[BatchState] = mapped_column(StateText(BatchState))
    reason: Mapped[str] = mapped_column(Text)
    # Set when persons were named before their numbers fell due (acquired by mistake,
    # the person's request): the due check at run time is then skipped for them.
    early_reason: Mapped[str | None] = mapped_column(Text)
    # The planner stated that the numbers were never needed (acquired by mistake, for
    # an affair the person never had): no filed document, so no statutory period held them.
    never_needed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    method: Mapped[str] = mapped_column(String(200))
    person_count: Mapped[int] = mapped_column(Integer, default=0)
    disposed_count: Mapped[int] = mapped_column(Integer, default=0)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    planned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmation_required: Mapped[bool] = mapped_column(Boolean)
    confirmed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set only when the planner confirmed their own batch (a small business's single
    # responsible person, 別添1 2E d): what they say they checked, since no one else did.
    confirmation_statement: Mapped[str | None] = mapped_column(Text)
    executed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    executed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    kek_version_at_disposal: Mapped[int | None] = mapped_column(Integer)
    kek_versions_destroyed: Mapped[list[int] | None] = mapped_column(JSON)
    rotation_completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the plan's due test stood on, so that the run re-checks only what changed
    # since: the day it was made for, the rules in force (their digest) and the audit
    # seq at the plan (every change to a person's facts is an entry after it).
    due_by: Mapped[date | None] = mapped_column(Date)
    rules_digest: Mapped[str | None] = mapped_column(String(64))
    planned_seq: Mapped[int | None] = mapped_column(Integer)


class MemberState(StrEnum):
    PLANNED = "planned"
    DISPOSED = "disposed"
    KEPT = "kept"  # no longer due when the batch ran (rehired, a new affair ...)


class DisposalBatchPerson(Base):
    __tablename__ = "disposal_batch_persons"
    __table_args__ = (WITHOUT_ROWID,)

    batch_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("disposal_batches.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    state: Mapped[MemberState] = mapped_column(StateText(MemberState))
    affair_codes: Mapped[str] = mapped_column(String(500))  # comma-separated, sorted


class ContractorDisposal(Base):
    """A disposal performed by a contractor (委託先), proven by its certificate.

    The certificate (PDF or image) is sealed under its own data key, wrapped by the KEK
    like a person's, so the rotation re-wraps it too; its SHA-256 is kept in clear."""

    __tablename__ = "contractor_disposals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    contractor_name: Mapped[str] = mapped_column(String(200))
    performed_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(200))
    certificate_media_type: Mapped[str] = mapped_column(String(50))
    certificate_sha256: Mapped[str] = mapped_column(String(64))
    certificate_ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    kek_version: Mapped[int] = mapped_column(Integer)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContractorDisposalPerson(Base):
    __tablename__ = "contractor_disposal_persons"

    contractor_disposal_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contractor_disposals.id"), primary_key=True
    )
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    affair_codes: Mapped[list[str]] = mapped_column(JSON)


register_wrapped_keys(
    WrappedKeys(
        "certificates",
        ContractorDisposal,
        ContractorDisposal.kek_version,
        ContractorDisposal.wrapped_key,
        lambda row: (row.organisation_id.hex, row.id.hex),
    )
)

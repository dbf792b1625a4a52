"""Evidence recorded by hand against a measure, and an organisation's settings per measure.

A measure's state is never stored: services.py computes it from the checks, these rows and
the evidence providers other packages register (evidence.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, UTCDateTime, new_id, utcnow


class EvidenceRecord(Base):
    """A record that a measure is in place: a policy approved, an inspection held, training
    given. It holds a title, a note and optionally the SHA-256 of a file kept elsewhere; never
    SPI (別添1 2C c: 取扱状況を確認するための記録等には、特定個人情報等は記載しない)."""

    __tablename__ = "compliance_evidence"
    __table_args__ = (
        Index("ix_compliance_evidence_org_measure", "organisation_id", "measure_id", "recorded_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    measure_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    # The day the act took place (an inspection held on …), which may precede recorded_at.
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MeasureSetting(Base):
    """An organisation's interval and owner for one measure (defaults: the catalogue's)."""

    __tablename__ = "compliance_settings"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True
    )
    measure_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    interval_days: Mapped[int | None] = mapped_column(Integer)
    owner_role: Mapped[str | None] = mapped_column(String(32))
    updated_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

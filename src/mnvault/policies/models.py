"""Versions of an organisation's 基本方針 and 取扱規程.

A version is a file set kept sealed as attachments (mnvault.attachments): a draft mnvault
generated (a .docx and its PDF) or a copy a person edited and uploaded back (one .docx or
PDF). The row records who did what and when, and the fingerprint of the organisation's data
the draft was generated from, so that a change of that data suggests a new draft. No row
holds a number: the note is masked before it is stored.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, UTCDateTime, new_id, utcnow


class PolicyVersion(Base):
    __tablename__ = "policy_versions"
    __table_args__ = (
        UniqueConstraint("organisation_id", "document", "number"),
        Index("ix_policy_versions_org_document", "organisation_id", "document", "state"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    document: Mapped[str] = mapped_column(String(32))  # rules.Document
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, … per organisation and document
    state: Mapped[str] = mapped_column(String(16))  # rules.VersionState
    origin: Mapped[str] = mapped_column(String(16))  # "generated" | "uploaded"
    # The version an uploaded copy was edited from (its fingerprint is inherited).
    based_on_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("policy_versions.id"))
    # SHA-256 of the organisation's data the draft was generated from (inputs.fingerprint).
    fingerprint: Mapped[str] = mapped_column(String(64))
    docx_attachment_id: Mapped[uuid.UUID | None] = mapped_column()
    pdf_attachment_id: Mapped[uuid.UUID | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)  # numbers masked
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    effective_from: Mapped[date | None] = mapped_column(Date)

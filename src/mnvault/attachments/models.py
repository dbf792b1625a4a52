"""Sealed attachments: one table for every package's uploaded files."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, UTCDateTime, new_id, utcnow
from mnvault.db.wrapped import WrappedKeys, register_wrapped_keys


class Attachment(Base):
    """A file sealed under its own data key, wrapped by the KEK (a rotation re-wraps it).

    ``owner`` names the kind of record it belongs to (``policy_version``, ``inspection`` …)
    and ``owner_id`` the record; the owning package authorizes and audits every access.
    The SHA-256 is kept in clear so that a copy on paper or in mail can be matched."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_owner", "organisation_id", "owner", "owner_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    owner: Mapped[str] = mapped_column(String(40))
    owner_id: Mapped[uuid.UUID] = mapped_column()
    filename: Mapped[str] = mapped_column(String(200))  # numbers masked
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    kek_version: Mapped[int] = mapped_column(Integer)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


register_wrapped_keys(
    WrappedKeys(
        "attachments",
        Attachment,
        Attachment.kek_version,
        Attachment.wrapped_key,
        lambda row: (row.organisation_id.hex, row.id.hex),
    )
)

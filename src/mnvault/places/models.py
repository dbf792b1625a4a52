"""Tables of areas, entry logs, devices, media take-outs and device disposals (別添1 2E).

Free text here (names, places, purposes, notes) has passed vault.freetext.without_number:
these are records of the handling, and they hold no SPI (別添1 2C c)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, UTCDateTime, new_id, utcnow


class Area(Base):
    """A 管理区域 (``controlled``: where the systems holding SPI files are kept) or a
    取扱区域 (``handling``: where the affairs are done), with the measures taken there."""

    __tablename__ = "place_areas"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))
    location: Mapped[str] = mapped_column(String(200))
    measures: Mapped[list[str]] = mapped_column(JSON)
    # The CIDR ranges of the area's terminals (what access conditions restrict reads to).
    networks: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EntryMapping(Base):
    """An organisation's own column mapping for an access-control system's CSV export."""

    __tablename__ = "place_entry_mappings"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(50))
    spec: Mapped[dict[str, object]] = mapped_column(JSON)
    saved_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EntryImport(Base):
    """One imported file: which area, which mapping, how many lines, the span it covers."""

    __tablename__ = "place_entry_imports"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("place_areas.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    mapping: Mapped[str] = mapped_column(String(50))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    imported_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AreaEntry(Base):
    """One line of an entry/exit log: who (the card holder as the file names them, and
    the account matched by login), when, through which door, in or out."""

    __tablename__ = "place_entries"
    __table_args__ = (
        Index("ix_place_entries_area_at", "area_id", "occurred_at"),
        Index("ix_place_entries_user_at", "organisation_id", "user_id", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    area_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("place_areas.id"))
    import_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("place_entry_imports.id"))
    line_no: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    direction: Mapped[str] = mapped_column(String(8))  # in / out
    badge: Mapped[str] = mapped_column(String(100))
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    door: Mapped[str | None] = mapped_column(String(100))


class Device(Base):
    """A device, electronic medium or paper file/cabinet that holds SPI (別添1 2E b)."""

    __tablename__ = "place_devices"
    __table_args__ = (UniqueConstraint("organisation_id", "label"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(100))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    area_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("place_areas.id"))
    encryption: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediaTakeout(Base):
    """A take-out of a medium or of paper (別添1 2E c): asked by one person, approved by a
    manager other than the asker, returned when."""

    __tablename__ = "place_takeouts"
    __table_args__ = (Index("ix_place_takeouts_org_state", "organisation_id", "state"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("place_devices.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))
    purpose: Mapped[str] = mapped_column(Text)
    destination: Mapped[str] = mapped_column(String(200))
    safeguards: Mapped[list[str]] = mapped_column(JSON)
    due_back: Mapped[date | None] = mapped_column(Date)
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    returned_to: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    status_before: Mapped[str | None] = mapped_column(String(16))


class DeviceDisposal(Base):
    """The disposal of a device, medium or paper (別添1 2E d): method, who, when, and,
    where a contractor did it, its certificate."""

    __tablename__ = "place_disposals"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    device_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("place_devices.id"), unique=True)
    method: Mapped[str] = mapped_column(String(32))
    performed_on: Mapped[date] = mapped_column(Date)
    performed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    contractor_name: Mapped[str | None] = mapped_column(String(200))
    # The contractor's certificate, sealed in mnvault.attachments (owner "device_disposal").
    certificate_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("attachments.id"))
    certificate_sha256: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

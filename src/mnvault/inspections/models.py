"""Inspections and audits (点検・監査, 別添1 2C e): schedules, inspections with one item per
measure, and the corrective actions their findings become.

No row holds SPI (別添1 2C c): notes are free text refused when they carry a number."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, StateText, UTCDateTime, new_id, utcnow


class InspectionKind(StrEnum):
    SELF = "self_inspection"  # 自ら行う点検
    AUDIT = "audit"  # 他部署等・監査責任者による監査


class InspectionStatus(StrEnum):
    OPEN = "open"  # items being recorded
    COMPLETED = "completed"
    REPORTED = "reported"  # 行政機関等編: 監査責任者 → 総括責任者


class ItemResult(StrEnum):
    PENDING = "pending"
    OK = "ok"
    FINDING = "finding"
    NOT_APPLICABLE = "not_applicable"


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    CLOSED = "closed"


class InspectionSchedule(Base):
    """How often an inspection of a kind falls due (quarterly self-inspection, yearly audit)."""

    __tablename__ = "inspection_schedules"
    __table_args__ = (Index("ix_inspection_schedules_org", "organisation_id", "kind", unique=True),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[InspectionKind] = mapped_column(StateText(InspectionKind, 32))
    interval_days: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)  # the first due day, before any inspection
    updated_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Inspection(Base):
    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_org_performed", "organisation_id", "performed_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[InspectionKind] = mapped_column(StateText(InspectionKind, 32))
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[InspectionStatus] = mapped_column(StateText(InspectionStatus))
    performed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    inspector_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    # The periodic analysis report attached as evidence: its own audit:report entry.
    report_seq: Mapped[int | None] = mapped_column(Integer)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    summary: Mapped[str | None] = mapped_column(Text)
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    reported_to: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class InspectionItem(Base):
    """One measure of the checklist and what the inspector found."""

    __tablename__ = "inspection_items"
    __table_args__ = (Index("ix_inspection_items_inspection", "inspection_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id"))
    position: Mapped[int] = mapped_column(Integer)
    measure_id: Mapped[str] = mapped_column(String(32))
    result: Mapped[ItemResult] = mapped_column(StateText(ItemResult))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CorrectiveAction(Base):
    __tablename__ = "corrective_actions"
    __table_args__ = (Index("ix_corrective_actions_org_status", "organisation_id", "status"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    inspection_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspections.id"))
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("inspection_items.id"))
    measure_id: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date] = mapped_column(Date)  # a day in the organisation's zone
    status: Mapped[ActionStatus] = mapped_column(StateText(ActionStatus))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    closing_note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

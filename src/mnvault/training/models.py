"""人的安全管理措置 (別添1 2D): training plans, sessions and attendance; pledges of
confidentiality; supervision reviews; the organisation's settings for them.

No row holds SPI: topics, materials and notes are refused when they carry a number."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, StateText, UTCDateTime, new_id, utcnow


class PledgeKind(StrEnum):
    PLEDGE = "pledge"  # 秘密保持の誓約書
    WORK_RULES = "work_rules"  # 就業規則の該当条項への同意


class PledgeMethod(StrEnum):
    UPLOAD = "upload"  # a signed copy
    SCREEN = "screen"  # acknowledged on screen


class AttendanceSource(StrEnum):
    CSV = "csv"
    SCREEN = "screen"


class TrainingPlan(Base):
    __tablename__ = "training_plans"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    # 番号法第29条の2: the cybersecurity training every person handling numbers takes yearly.
    article29_2: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TrainingSession(Base):
    __tablename__ = "training_sessions"
    __table_args__ = (Index("ix_training_sessions_org_held", "organisation_id", "held_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_plans.id"))
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)
    topic: Mapped[str] = mapped_column(String(200))
    material: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Attendance(Base):
    __tablename__ = "training_attendance"

    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("training_sessions.id"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    source: Mapped[AttendanceSource] = mapped_column(StateText(AttendanceSource))
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Pledge(Base):
    __tablename__ = "pledges"
    __table_args__ = (Index("ix_pledges_org_user", "organisation_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[PledgeKind] = mapped_column(StateText(PledgeKind))
    method: Mapped[PledgeMethod] = mapped_column(StateText(PledgeMethod))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attachment_id: Mapped[uuid.UUID | None] = mapped_column()
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SupervisionReview(Base):
    """A 責任者 looked at a clerk's activity in the trail (監督, 別添1 2D a)."""

    __tablename__ = "supervision_reviews"
    __table_args__ = (Index("ix_supervision_reviews_org_user", "organisation_id", "user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    reviewed_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PeopleSetting(Base):
    __tablename__ = "people_settings"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True
    )
    # An assignment to an affair is refused until the user has a pledge on record.
    require_pledge: Mapped[bool] = mapped_column(Boolean, default=False)
    training_interval_days: Mapped[int] = mapped_column(Integer, default=365)
    updated_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

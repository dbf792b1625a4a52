"""Users, their roles per organisation, and clerk assignments to affairs."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, UTCDateTime, new_id, utcnow


class Role(StrEnum):
    """DESIGN.md §1; the agency roles apply to administrative bodies only."""

    ADMIN = "admin"
    AUDITOR = "auditor"
    CHIEF_OFFICER = "chief_officer"
    CLERK = "clerk"
    MANAGER = "manager"
    PROTECTION_MANAGER = "protection_manager"


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Membership(Base):
    """A role a user holds in one organisation (one user may serve several)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))


class Assignment(Base):
    """A clerk assigned to one affair in one organisation (scopes come with issue #3)."""

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "affair_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    affair_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affairs.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""Users, their roles per organisation, and clerk assignments to affairs."""

from __future__ import annotations

import uuid
from datetime import datetime, time
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, String, Time, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from mnvault import local_time
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
    """A person who signs in. Their login is unique within their home organisation (the
    one whose administrator created them), not across the deployment: two companies may
    each have a "tanaka", and one never learns that the other's exists (issue #3).
    Memberships in other organisations (a payroll outsourcer's staff serving clients)
    do not change the home."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("home_organisation_id", "login"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    home_organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    login: Mapped[str] = mapped_column(String(100))
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A system user (payroll, HR) acts only through API tokens and never signs in: its
    # password is random and never shown (issue #11).
    is_system: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set when an administrator set this account's password before its owner enrolled a
    # second factor (a new account, a reset): whoever enrolled may be that administrator,
    # so the account reaches no number until a manager confirms it with a code from the
    # owner's authenticator (issue #11).
    unconfirmed_since: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Membership(Base):
    """A role a user holds in one organisation (one user may serve several)."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))


class Assignment(Base):
    """A clerk assigned to one affair in one organisation, within a scope.

    The scope narrows which persons the assignment covers (事業者編 別添1 2F a
    アクセス制御: 特定個人情報ファイルの範囲を限定; seed 図表2-2 (6)①). Each
    dimension is a JSON list; NULL or an empty list means "all" in that dimension.
    Ids are stored as their canonical text (``str(uuid)``) so the same JSON reads
    the same on SQLite and PostgreSQL.
    """

    __tablename__ = "assignments"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "affair_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    affair_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affairs.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    department_ids: Mapped[list[str] | None] = mapped_column(JSON)
    spi_file_ids: Mapped[list[str] | None] = mapped_column(JSON)
    person_kinds: Mapped[list[str] | None] = mapped_column(JSON)


DEFAULT_TIME_ZONE = local_time.DEFAULT_ZONE


class AccessConditions(Base):
    """An organisation's conditions on handling SPI: office hours and the handling area.

    Both optional (NULL = no condition). Office hours: ISO weekdays (1 = Monday) and a
    local time range [start, end) in ``time_zone``; a range whose end is before its start
    runs past midnight. Handling area (取扱区域, 事業者編 別添1 2E a 特定個人情報等を
    取り扱う区域の管理, 2F c 外部からの不正アクセス等の防止; seed 図表2-2 (5)①, (6)③):
    the client networks, as CIDR text, from which SPI may be handled. The rows are data
    that the policy engine turns into forbid rules; nothing here is code.
    """

    __tablename__ = "access_conditions"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True
    )
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    office_days: Mapped[list[int] | None] = mapped_column(JSON)
    office_start: Mapped[time | None] = mapped_column(Time)
    office_end: Mapped[time | None] = mapped_column(Time)
    networks: Mapped[list[str] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class OutsideRequestState(StrEnum):
    APPROVED = "approved"
    PENDING = "pending"
    REFUSED = "refused"


OUTSIDE_REQUEST_DAYS = 30


class OutsideRequest(Base):
    """A client organisation's request that another organisation's user be given roles
    there (a payroll outsourcer's clerk, 事業者編 第4-2-(1) 委託の取扱い). The user's home
    organisation decides: the membership exists only once its administrator approves.

    ``reference`` is the name as typed (CODE:LOGIN). ``user_id`` and
    ``home_organisation_id`` are what it named when the request was made, or NULL when it
    named no one: such a request is stored all the same, so that the client cannot tell
    by the answer whether the user exists, and it reaches no one. A pending request
    lapses at ``expires_at``.
    """

    __tablename__ = "outside_requests"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(140))
    roles: Mapped[list[str]] = mapped_column(JSON)
    user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    home_organisation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organisations.id"), index=True
    )
    state: Mapped[str] = mapped_column(String(16), default=OutsideRequestState.PENDING.value)
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

"""Organisations (tenants) and departments."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, UTCDateTime, new_id, utcnow


class OrganisationKind(StrEnum):
    """The kind decides which measures are mandatory (事業者編 別添1 1, 2 and its
    「中小規模事業者における対応方法」; 行政機関等編 別添1; seed 図表2-1/2-2 columns)."""

    ADMINISTRATIVE_AGENCY = "administrative_agency"
    COMPANY = "company"
    FINANCIAL_INSTITUTION = "financial_institution"
    LOCAL_GOVERNMENT = "local_government"
    SMALL_BUSINESS = "small_business"


def _new_code() -> str:
    from mnvault.orgs.codes import new_code  # noqa: PLC0415 - codes.py imports this module

    return new_code()


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    # The public code typed at sign-in (orgs/codes.py); logins are unique within it.
    code: Mapped[str] = mapped_column(String(32), unique=True, default=_new_code)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    corporate_number: Mapped[str | None] = mapped_column(String(13), unique=True)
    # The organisation ``init`` made: its administrators administer the deployment
    # (create further organisations); every other organisation is a tenant only.
    operator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Department(Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))


class OrganisationSettings(Base):
    """What the organisation's administrator answered about it (issue #13).

    The headcount and the four exclusions of 事業者編 別添1 2 (注), asked at ``init``,
    ``org create`` and on the organisation settings screen (orgs/small_business.py); and
    whether a second person confirms each number linked to a person (紐付けの際の複数人による
    確認, orgs/linking.py), NULL meaning the default of the organisation's kind.
    """

    __tablename__ = "organisation_settings"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True
    )
    employees: Mapped[int | None] = mapped_column(Integer)
    use_affairs: Mapped[bool | None] = mapped_column(Boolean)
    contractor: Mapped[bool | None] = mapped_column(Boolean)
    financial: Mapped[bool | None] = mapped_column(Boolean)
    over_5000_persons: Mapped[bool | None] = mapped_column(Boolean)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    linking_check: Mapped[bool | None] = mapped_column(Boolean)

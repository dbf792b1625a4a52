"""Organisations (tenants) and departments."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint, false
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

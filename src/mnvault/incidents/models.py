"""An incident (漏えい等事案), when each part of the organisation became aware of it, its
response steps (別添2 2A–2E), its containment acts and its report drafts.

No row holds a number: free text passes vault.freetext before it is written, and the impact
scope keeps counts and ids, never the persons' numbers (別添1 2C c)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import GUID, Base, UTCDateTime, new_id, utcnow


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_org_opened", "organisation_id", "opened_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    event: Mapped[str] = mapped_column(String(32))  # facts.Event
    system: Mapped[str] = mapped_column(String(48), default="other")  # facts.System
    systems_note: Mapped[str | None] = mapped_column(Text)  # the systems involved, in words
    spi_file_ids: Mapped[list[str] | None] = mapped_column(JSON)
    reporter: Mapped[str | None] = mapped_column(String(200))  # who reported it, in words
    # Where it came from: "manual", "analysis_finding", "trail_verification", "lost_device".
    source_kind: Mapped[str] = mapped_column(String(32), default="manual")
    source_ref: Mapped[str | None] = mapped_column(String(200))
    # The assessment's other facts (malicious, public_exposure, strong_encryption and the
    # note that justifies it, recovered_unviewed, duplicate_exists, outsourcee).
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    persons_max: Mapped[int] = mapped_column(Integer, default=0)
    # The impact scope's subject (an account, a token or an address) and window.
    scope_actor_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    scope_token_id: Mapped[uuid.UUID | None] = mapped_column(GUID())
    scope_address: Mapped[str | None] = mapped_column(String(64))
    scope_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scope_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    scope_persons: Mapped[int | None] = mapped_column(Integer)
    scope_affairs: Mapped[list[str] | None] = mapped_column(JSON)
    scope_entries: Mapped[int | None] = mapped_column(Integer)
    scope_refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    opened_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncidentAwareness(Base):
    """One part of the organisation became aware on a day: the earliest is day 1
    (別添2 3D, 3E: いずれかの部署が当該事態を知った時点)."""

    __tablename__ = "incident_awareness"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    unit: Mapped[str] = mapped_column(String(200))  # the department or office, in words
    aware_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncidentStep(Base):
    """One of the six response steps (別添2 2A–2E and publication) with its owner."""

    __tablename__ = "incident_steps"

    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), primary_key=True)
    step: Mapped[str] = mapped_column(String(8), primary_key=True)
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    updated_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class IncidentAct(Base):
    """A containment act taken from the incident (suspend, revoke, end sessions, …)."""

    __tablename__ = "incident_acts"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    act: Mapped[str] = mapped_column(String(32))
    target: Mapped[str | None] = mapped_column(String(64))  # an account id, or none
    result: Mapped[str | None] = mapped_column(String(200))
    acted_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    acted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IncidentDraft(Base):
    """One version of a report or notice drafted from the incident; versions are kept."""

    __tablename__ = "incident_drafts"
    __table_args__ = (Index("ix_incident_drafts_kind", "incident_id", "kind", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incidents.id"))
    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer)
    sections: Mapped[list[list[str]]] = mapped_column(JSON)  # [[heading, text], …]
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

"""The register of 委託先 and 再委託先, their supervision, the places abroad where SPI is held
(外的環境の把握) and the deployment's own storage location.

No row holds a number: every free text is checked by vault.freetext before it is written
(事業者編 別添1 2C c: 取扱状況を確認するための記録等には、特定個人情報等は記載しない).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, UTCDateTime, new_id, utcnow


class OutsourceeState(StrEnum):
    SELECTING = "selecting"  # registered; the selection check is being made
    CONTRACTED = "contracted"  # a contract with every required clause is in force
    REQUESTED = "requested"  # a 再委託: asked, not yet approved by the client
    APPROVED = "approved"  # a 再委託 the client (委託元) approved (番号法第10条第1項)
    REFUSED = "refused"  # a 再委託 the client refused
    ENDED = "ended"


class Outsourcee(Base):
    """A 委託先 (parent_id NULL) or a 再委託先 (parent_id: the 委託先 that asks to sub-outsource).

    ``organisation_code`` is the normalised sign-in code of the outsourcee's own organisation
    in this deployment, as the client typed it: outside members from that organisation get
    roles here only while this record is current (番号法第11条; 事業者編 第4-2-(1))."""

    __tablename__ = "outsourcees"
    __table_args__ = (Index("ix_outsourcees_org_code", "organisation_id", "organisation_code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outsourcees.id"))
    name: Mapped[str] = mapped_column(String(200))
    organisation_code: Mapped[str | None] = mapped_column(String(64))
    country: Mapped[str] = mapped_column(String(2), default="JP")
    state: Mapped[str] = mapped_column(String(16))
    affair_codes: Mapped[list[str]] = mapped_column(JSON)
    spi_file_ids: Mapped[list[str]] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    # 選定: the guideline's items (設備, 技術水準, 従業者の監督・教育, 経営環境 …) -> checked
    selection: Mapped[dict[str, bool]] = mapped_column(JSON)
    selection_note: Mapped[str | None] = mapped_column(Text)
    selected_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    selected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 契約: the required and desirable clauses -> present in the contract
    clauses: Mapped[dict[str, bool]] = mapped_column(JSON)
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)
    contract_sha256: Mapped[str | None] = mapped_column(String(64))
    contract_attachment_id: Mapped[uuid.UUID | None] = mapped_column()
    contracted_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    contracted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 再委託: who asked (recorded by the client) and the client's decision
    requested_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # 契約終了: the end, and the return or disposal of the SPI that follows it
    ended_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(Text)
    returned_how: Mapped[str | None] = mapped_column(String(16))  # returned / disposed
    returned_note: Mapped[str | None] = mapped_column(Text)
    returned_sha256: Mapped[str | None] = mapped_column(String(64))
    returned_attachment_id: Mapped[uuid.UUID | None] = mapped_column()
    returned_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Supervision(Base):
    """取扱状況の把握: a report received from the outsourcee or an on-site check."""

    __tablename__ = "outsourcee_supervisions"
    __table_args__ = (Index("ix_outsourcee_supervisions_org", "organisation_id", "performed_on"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    outsourcee_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outsourcees.id"))
    kind: Mapped[str] = mapped_column(String(16))  # report / on_site
    performed_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text)
    findings: Mapped[str | None] = mapped_column(Text)
    next_due: Mapped[date | None] = mapped_column(Date)
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    attachment_id: Mapped[uuid.UUID | None] = mapped_column()
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PlaceKind(StrEnum):
    CLOUD = "cloud"  # a cloud region
    OUTSOURCEE = "outsourcee"  # a foreign 委託先
    REMOTE_STAFF = "remote_staff"
    OTHER = "other"


class ForeignPlace(Base):
    """A place outside Japan where numbers are stored or processed (事業者編 別添1 2G)."""

    __tablename__ = "foreign_places"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    country: Mapped[str] = mapped_column(String(2))
    place: Mapped[str] = mapped_column(String(200))
    what: Mapped[str] = mapped_column(Text)
    safeguards: Mapped[str] = mapped_column(Text)
    regime_note: Mapped[str] = mapped_column(Text)
    outsourcee_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outsourcees.id"))
    reviewed_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StorageLocation(Base):
    """Where this deployment keeps its database and keyring, recorded at init."""

    __tablename__ = "storage_locations"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organisations.id"), primary_key=True
    )
    country: Mapped[str] = mapped_column(String(2))
    place: Mapped[str] = mapped_column(String(200))
    set_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

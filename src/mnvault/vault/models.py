"""Persons, their data keys and number records, SPI files, provisions and take-outs.

Disposal records live in mnvault.disposal.models (batches and their persons).

No column ever holds a number in plain text: ``number_records.ciphertext`` is
AES-256-GCM under the person's data key and ``blind_index`` is an HMAC.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, StateText, UTCDateTime, new_id, utcnow
from mnvault.db.wrapped import WrappedKeys, register_wrapped_keys

# The per-person tables are keyed by a UUID, not an integer; on SQLite a table WITHOUT
# ROWID stores rows in the primary-key B-tree itself instead of a rowid tree plus a
# separate key index, which halves the writes of a bulk import.
WITHOUT_ROWID = {"sqlite_with_rowid": False}


class PersonKind(StrEnum):
    CUSTOMER = "customer"
    DEPENDENT = "dependent"
    EMPLOYEE = "employee"
    PAYEE = "payee"
    RESIDENT = "resident"


class LifeStatus(StrEnum):
    # The Act protects the numbers of the deceased too (seed §7; 事業者編 第4-2 注).
    DECEASED = "deceased"
    LIVING = "living"


class ExportState(StrEnum):
    REQUESTED = "requested"  # waiting for a second person's decision
    APPROVED = "approved"  # may be downloaded once
    REJECTED = "rejected"
    DOWNLOADED = "downloaded"


class ImportState(StrEnum):
    RUNNING = "running"  # resumable from committed_line
    DONE = "done"
    # Stopped by the operator (Ctrl-C): a re-run of the same file resumes it.
    INTERRUPTED = "interrupted"
    # Ended by an error, its reason in details; a skip-bad re-run resumes it too.
    FAILED = "failed"


class NumberCheckDocument(StrEnum):
    """番号確認 documents (番号法第16条; 施行規則第1条〜第3条)."""

    MY_NUMBER_CARD = "my_number_card"
    NOTIFICATION_CARD = "notification_card"
    RESIDENCE_CERTIFICATE = "residence_certificate"
    EMPLOYER_RECORD = "employer_record"  # 過去に本人確認の上作成した特定個人情報ファイル
    OTHER = "other"


class IdentityCheckDocument(StrEnum):
    """身元確認 documents (番号法第16条; 施行規則第1条〜第3条)."""

    DRIVERS_LICENCE = "drivers_licence"
    EMPLOYER_KNOWN = "employer_known"  # 雇用関係にあり本人と知覚できる場合
    HEALTH_INSURANCE_CARD = "health_insurance_card"
    MY_NUMBER_CARD = "my_number_card"
    PASSPORT = "passport"
    PENSION_BOOK = "pension_book"
    OTHER = "other"


class Person(Base):
    __tablename__ = "persons"
    __table_args__ = (
        UniqueConstraint("organisation_id", "external_ref"),
        # The due test's facts in person order: a disposal plan reads an organisation's
        # persons from this index alone (migration 0014).
        Index("ix_persons_org_due", "organisation_id", "id", "relationship_end", "life_status"),
        WITHOUT_ROWID,
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    kind: Mapped[str] = mapped_column(String(16))
    external_ref: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"))
    related_person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("persons.id"))
    # A dependant's relation to that employee (labels.RELATIONS: spouse, child …).
    relation: Mapped[str | None] = mapped_column(String(16))
    life_status: Mapped[str] = mapped_column(String(16), default=LifeStatus.LIVING.value)
    relationship_start: Mapped[date | None] = mapped_column(Date)
    relationship_end: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DataKey(Base):
    """A person's data key, wrapped by one KEK version; deleting it is crypto-shredding."""

    __tablename__ = "data_keys"
    __table_args__ = (WITHOUT_ROWID,)

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    # No index: a rotation re-wraps every key anyway, and a million-row import should not
    # pay for an index that only a full pass would use.
    kek_version: Mapped[int] = mapped_column(Integer)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)


class NumberRecord(Base):
    __tablename__ = "number_records"
    # The organisation is part of the HMAC input, so a blind index is unique across
    # organisations too; the narrower key keeps the index small.
    __table_args__ = (UniqueConstraint("blind_index"), WITHOUT_ROWID)

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    blind_index: Mapped[bytes] = mapped_column(LargeBinary(32))
    # The blind-index key version the index was made under: a rotation re-indexes the
    # kept rows and then destroys the old key (issue #11; mnvault.keys.services).
    index_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    number_check_document: Mapped[str] = mapped_column(String(32))
    identity_check_document: Mapped[str] = mapped_column(String(32))
    # The whole 本人確認 as JSON (documents, agent, exemption; vault.identity, issue #13);
    # NULL on records made before, read from the two columns above.
    verification: Mapped[str | None] = mapped_column(Text)
    verified_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acquired_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # 紐付けの確認 (orgs/linking.py): True while the number waits for a second person's
    # check; it is neither provided nor exported until then.
    link_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # No foreign key: SQLite adds the column in place only without one (migration 0022).
    link_checked_by: Mapped[uuid.UUID | None] = mapped_column()
    link_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class NumberRecordAffair(Base):
    """For which affairs a number was acquired (use is limited to these; 番号法第9条)."""

    __tablename__ = "number_record_affairs"
    __table_args__ = (WITHOUT_ROWID,)

    person_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("number_records.person_id", ondelete="CASCADE"), primary_key=True
    )
    affair_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affairs.id"), primary_key=True)


class NumberCorrection(Base):
    """History of corrections: who, when, why. Neither the old nor the new number."""

    __tablename__ = "number_corrections"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    number_check_document: Mapped[str] = mapped_column(String(32))
    identity_check_document: Mapped[str] = mapped_column(String(32))
    verification: Mapped[str | None] = mapped_column(Text)
    corrected_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SpiFile(Base):
    """特定個人情報ファイル: the register of data sets (事業者編 別添1 2C c;
    seed 図表2-1 (3)③)."""

    __tablename__ = "spi_files"
    __table_args__ = (UniqueConstraint("organisation_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    name: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text)
    responsible_user_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    department_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("departments.id"))
    affair_codes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # 種類 (electronic / paper) and form; the items held, the range of persons and how the
    # SPI is collected (行政機関等編 別添1 2C c 四・五) — issue #16, mnvault.partners.
    kind: Mapped[str] = mapped_column(String(16), default="electronic", server_default="electronic")
    form: Mapped[str | None] = mapped_column(String(200))
    items: Mapped[list[str] | None] = mapped_column(JSON)
    person_range: Mapped[str | None] = mapped_column(Text)
    collection_method: Mapped[str | None] = mapped_column(Text)


class RecipientKind(StrEnum):
    CONTRACTOR = "contractor"
    HEALTH_INSURANCE_SOCIETY = "health_insurance_society"
    MUNICIPALITY = "municipality"
    OTHER = "other"
    PENSION_OFFICE = "pension_office"
    PUBLIC_EMPLOYMENT_SECURITY_OFFICE = "public_employment_security_office"
    TAX_OFFICE = "tax_office"


class Provision(Base):
    """提供: a number given to someone else, only as 番号法第19条 permits."""

    __tablename__ = "provisions"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    recipient_kind: Mapped[str] = mapped_column(String(40))
    recipient_name: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(String(100))
    # The item of 番号法第19条 (vault/provision_items.py); NULL on a row stored before
    # the items were a table, whose free-text legal_basis is shown as a legacy basis.
    article19_item: Mapped[int | None] = mapped_column(Integer)
    consent_given_on: Mapped[date | None] = mapped_column(Date)  # 第4号
    consent_recipient: Mapped[str | None] = mapped_column(String(200))  # 第4号
    consent_data: Mapped[str | None] = mapped_column(String(200))  # 第4号
    item16_condition: Mapped[str | None] = mapped_column(String(20))  # 第16号
    affair_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affairs.id"))
    method: Mapped[str] = mapped_column(String(100))
    provided_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    provided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProvisionPerson(Base):
    __tablename__ = "provision_persons"

    provision_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("provisions.id"), primary_key=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), primary_key=True)


class TakeOut(Base):
    """持出し: an encrypted export file that left the vault."""

    __tablename__ = "take_outs"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    affair_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affairs.id"))
    person_count: Mapped[int] = mapped_column(Integer)
    file_sha256: Mapped[str] = mapped_column(String(64))
    encryption: Mapped[str] = mapped_column(String(40))
    purpose: Mapped[str] = mapped_column(Text)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TakeOutRecipientKind(StrEnum):
    MUNICIPALITY = "municipality"
    OTHER = "other"
    PAYROLL_OUTSOURCER = "payroll_outsourcer"
    TAX_ACCOUNTANT = "tax_accountant"


class TakeOutRecipient(Base):
    """A registered recipient of take-outs (税理士, 給与計算の委託先, 市区町村) and their age
    public key, kept by a manager so that a clerk picks a name instead of pasting a key."""

    __tablename__ = "takeout_recipients"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30))
    public_key: Mapped[str] = mapped_column(String(100))
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ExportRequest(Base):
    """A take-out asked for by a clerk, approved by a different manager, then downloaded.

    Two people's work (DESIGN.md §4 separation of duties). The file is made only at the
    download, encrypted to the age recipient named in the request, and never stored.
    """

    __tablename__ = "export_requests"
    __table_args__ = (
        Index("ux_export_requests_form_nonce", "requested_by", "form_nonce", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"), index=True)
    affair_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("affairs.id"))
    purpose: Mapped[str] = mapped_column(Text)
    recipient: Mapped[str | None] = mapped_column(String(100))  # an age X25519 public key
    state: Mapped[ExportState] = mapped_column(StateText(ExportState))
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    take_out_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("take_outs.id"))
    # A recipient outside the organisation (another legal entity, even in a group) makes
    # the take-out a provision: what vault/outside_takeout.py records at the download.
    outside_provision: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # How the file is protected and written (vault/takeout_file.py): an age recipient's
    # key (``recipient``, typed or copied from the register) or an Excel workbook under a
    # passphrase the vault generated, kept sealed until the download (a data key of its
    # own, wrapped by the KEK and re-wrapped by a rotation: vault/takeout_passphrase.py).
    protection: Mapped[str] = mapped_column(String(20), default="age")
    file_format: Mapped[str] = mapped_column(String(20), default="csv")
    registered_recipient_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("takeout_recipients.id")
    )
    passphrase_kek_version: Mapped[int | None] = mapped_column(Integer)
    passphrase_wrapped_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    passphrase_ciphertext: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The file's first line and 区分 cells: Japanese labels, or the codes a system reads
    # (vault/takeout_file.Header).
    header: Mapped[str] = mapped_column(String(10), default="ja", server_default="ja")
    # The request form's one-time token (web.security.form_token): a form sent again
    # answers with the request it made, never a second one.
    form_nonce: Mapped[str | None] = mapped_column(String(64))


class ImportJob(Base):
    """A CSV import, resumable: ``committed_line`` is the last line whose batch landed."""

    __tablename__ = "import_jobs"
    __table_args__ = (Index("ix_import_jobs_lookup", "organisation_id", "file_sha256"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    file_sha256: Mapped[str] = mapped_column(String(64))
    affair_codes: Mapped[list[str]] = mapped_column(JSON)
    mode: Mapped[str] = mapped_column(String(16))
    state: Mapped[ImportState] = mapped_column(StateText(ImportState))
    committed_line: Mapped[int] = mapped_column(Integer, default=1)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    started_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class VerificationDocument(Base):
    """An image (or PDF) of a document seen at identity verification (番号法第16条).

    Sealed under the person's data key, like the number it shows; a disposal batch
    deletes the row with the number and the key (mnvault.disposal.batches). No file name
    is kept (names carry personal data); the type is what the bytes are, not what the
    browser said.
    """

    __tablename__ = "verification_documents"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organisations.id"))
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    check: Mapped[str] = mapped_column(String(16))  # "number" or "identity"
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# Re-wrapped in batches by the keys service (it joins the person for the organisation).
register_wrapped_keys(WrappedKeys("data_keys", DataKey, DataKey.kek_version, DataKey.wrapped_key))
register_wrapped_keys(
    WrappedKeys(
        "takeout_passphrases",
        ExportRequest,
        ExportRequest.passphrase_kek_version,
        ExportRequest.passphrase_wrapped_key,
        lambda row: (row.organisation_id.hex, row.id.hex),
    )
)

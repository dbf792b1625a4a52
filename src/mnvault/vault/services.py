"""The lifecycle of a number: acquire, use, look up, correct, provide.

Disposal has one way, the batch (mnvault.disposal.batches): it deletes, records and
rotates the KEK, so that backups cannot give a disposed number back either.

Every function authorizes first and writes its audit entry in the caller's
transaction, so an operation and its record land together or not at all.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from mnvault import numbers
from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied, OutOfReach
from mnvault.access.permissions import Permission
from mnvault.access.policy.facts import PersonRef
from mnvault.access.services import (
    authorize,
    decide,
    new_person_resource,
    organisation_resource,
    person_resource,
)
from mnvault.affairs.models import Affair
from mnvault.affairs.services import get_affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.crypto import Envelope, WrappedKey
from mnvault.db import core
from mnvault.db.base import GUID, utcnow
from mnvault.orgs.models import Department
from mnvault.vault import acquisition as rules
from mnvault.vault import identity, link_check
from mnvault.vault.errors import (
    AlreadyHeld,
    InvalidInput,
    NotFound,
    NotHeld,
    PurposeMismatch,
    SameNumber,
)
from mnvault.vault.freetext import without_number
from mnvault.vault.models import (
    DataKey,
    IdentityCheckDocument,
    LifeStatus,
    NumberCheckDocument,
    NumberCorrection,
    NumberRecord,
    NumberRecordAffair,
    Person,
    PersonKind,
    Provision,
    RecipientKind,
    VerificationDocument,
)
from mnvault.vault.provision import Conditions, checked_item
from mnvault.vault.provision_records import add_provision, organisation_kind

MY_NUMBER_FIELD = rules.MY_NUMBER_FIELD


def parse_number(raw: str) -> str:
    try:
        return numbers.parse_my_number(raw)
    except numbers.InvalidNumber as exc:
        raise InvalidInput(exc.message_ja, exc.message_en) from None


@dataclass(frozen=True, slots=True)
class IdentityVerification:
    """本人確認 = 番号確認 + 身元確認 (番号法第16条)."""

    number_check_document: NumberCheckDocument | None
    identity_check_document: IdentityCheckDocument | None
    verified_by: uuid.UUID
    verified_at: datetime
    # The documents, agent or exemption (issue #13); without it, the two codes above.
    check: identity.Verification | None = None

    def resolved(self) -> identity.Verification:
        if self.check is not None:
            return self.check
        if self.number_check_document is None or self.identity_check_document is None:
            raise InvalidInput("本人確認書類を指定してください", "name the verification documents")
        return identity.from_legacy(self.number_check_document, self.identity_check_document)


_NUMBER_CODES = frozenset(d.value for d in NumberCheckDocument)
_IDENTITY_CODES = frozenset(d.value for d in IdentityCheckDocument)


def identity_of(record: NumberRecord) -> IdentityVerification:
    """A record's verification as stored; records older than issue #13 stay readable."""
    number, ident = record.number_check_document, record.identity_check_document
    return IdentityVerification(
        NumberCheckDocument(number) if number in _NUMBER_CODES else None,
        IdentityCheckDocument(ident) if ident in _IDENTITY_CODES else None,
        record.verified_by,
        record.verified_at,
        identity.stored(record.verification, number, ident),
    )


def _person(session: Session, context: Context, person_id: uuid.UUID) -> Person:
    person = session.get(Person, person_id)
    # Another organisation's person is "not found", never "forbidden": no tenant can
    # learn that an id exists elsewhere.
    if person is None or person.organisation_id != context.organisation_id:
        raise NotFound(f"対象者 {person_id}", f"person {person_id}")
    return person


def authorize_within_reach(
    session: Session,
    context: Context,
    permission: Permission,
    person: Person,
    *,
    acquiring: Sequence[str] = (),
    missing: tuple[str, str] | None = None,
) -> None:
    """The one rule for every look at a person (details, searches by reference, number
    lookups): authorize ``permission`` on them; when the actor may do this at all but
    the person lies outside their assignments, the denial is :class:`OutOfReach`, said
    as "not found" (``missing``: what an unknown one would be called), so a clerk learns
    nothing of persons beyond their scope, not even that they exist (issue #11)."""
    try:
        authorize(session, context, permission, person_resource(person, acquiring=acquiring))
    except AuthorizationDenied as denied:
        if decide(session, context, permission, organisation_resource(context)).allowed:
            ja, en = missing or (f"対象者 {person.id}", f"person {person.id}")
            raise OutOfReach.of(denied, ja, en) from None
        raise


def _authorized_person(
    session: Session,
    context: Context,
    permission: Permission,
    person_id: uuid.UUID,
    *,
    acquiring: Sequence[str] = (),
) -> Person:
    """Authorize ``permission`` on this person (their kind, department and SPI files
    against the actor's assignments), then return them.

    A person missing from this organisation is authorized as the organisation itself
    and then reported not found: role and affair are still checked (and a denial
    audited) first, and no tenant learns that an id exists elsewhere.
    """
    person = session.get(Person, person_id)
    if person is None or person.organisation_id != context.organisation_id:
        authorize(session, context, permission, organisation_resource(context), person_id=person_id)
        raise NotFound(f"対象者 {person_id}", f"person {person_id}")
    authorize_within_reach(session, context, permission, person, acquiring=acquiring)
    return person


# -- persons -----------------------------------------------------------------------------


def create_person(
    session: Session,
    context: Context,
    *,
    kind: PersonKind,
    external_ref: str,
    name: str,
    department_id: uuid.UUID | None = None,
    related_person_id: uuid.UUID | None = None,
    life_status: LifeStatus = LifeStatus.LIVING,
    relationship_start: date | None = None,
    relationship_end: date | None = None,
    relation: str | None = None,
) -> Person:
    # The new person's kind and department must lie inside one of a clerk's assignments.
    authorize(
        session,
        context,
        Permission.PERSON_CREATE,
        new_person_resource(context, kind=kind.value, department_id=department_id),
    )
    rules.check_person_text(external_ref, name)
    if related_person_id is not None:
        _person(session, context, related_person_id)
    if department_id is not None:
        department = session.get(Department, department_id)
        if department is None or department.organisation_id != context.organisation_id:
            raise NotFound(f"部署 {department_id}", f"department {department_id}")
    if session.scalar(
        select(Person.id).where(
            Person.organisation_id == context.organisation_id,
            Person.external_ref == external_ref.strip(),
        )
    ):
        raise InvalidInput(
            f"社員番号等 {external_ref.strip()} は既に登録済みです",
            f"external id {external_ref.strip()} already exists",
        )
    person = Person(
        organisation_id=context.organisation_id,
        kind=kind.value,
        external_ref=external_ref.strip(),
        name=name.strip(),
        department_id=department_id,
        related_person_id=related_person_id,
        life_status=life_status.value,
        relationship_start=relationship_start,
        relationship_end=relationship_end,
        relation=relation if related_person_id is not None else None,
    )
    session.add(person)
    session.flush()
    audit.record(session, context, AuditAction.PERSON_CREATE, person_id=person.id)
    return person


def find_person(session: Session, context: Context, external_ref: str) -> Person:
    person = session.scalar(
        select(Person).where(
            Person.organisation_id == context.organisation_id, Person.external_ref == external_ref
        )
    )
    missing = (f"社員番号等 {external_ref}", f"external id {external_ref}")
    if person is None:
        authorize(session, context, Permission.PERSON_READ, organisation_resource(context))
        raise NotFound(*missing)
    authorize_within_reach(session, context, Permission.PERSON_READ, person, missing=missing)
    audit.record(session, context, AuditAction.PERSON_READ, person_id=person.id)
    return person


@dataclass(frozen=True)
class PersonSummary:
    """What may be shown without revealing a number."""

    person: Person
    number_held: bool
    acquired_for: list[str]
    verification: IdentityVerification | None
    link_pending: bool = False  # awaiting the second check (vault/link_check.py)


def summarise_person(session: Session, context: Context, person_id: uuid.UUID) -> PersonSummary:
    person = _authorized_person(session, context, Permission.PERSON_READ, person_id)
    record = session.get(NumberRecord, person_id)
    affairs = list(
        session.scalars(
            select(Affair.code)
            .join(NumberRecordAffair, NumberRecordAffair.affair_id == Affair.id)
            .where(NumberRecordAffair.person_id == person_id)
            .order_by(Affair.code)
        )
    )
    verification = identity_of(record) if record else None
    audit.record(session, context, AuditAction.PERSON_READ, person_id=person_id)
    return PersonSummary(
        person, record is not None, affairs, verification, bool(record and record.link_pending)
    )


# -- acquire -----------------------------------------------------------------------------


def acquire(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    person_id: uuid.UUID,
    number: str,
    verification: IdentityVerification,
    affair_codes: Sequence[str],
) -> NumberRecord:
    """取得: only for affairs that apply to the person's kind, with identity verified."""
    affair_codes = rules.affair_codes(affair_codes)
    # Each affair needs its own assignment; the person is judged as they will be once
    # acquired, i.e. already in the SPI files of these affairs.
    authorized = [
        _authorized_person(
            session,
            context.for_affair(code),
            Permission.NUMBER_ACQUIRE,
            person_id,
            acquiring=affair_codes,
        )
        for code in affair_codes
    ]
    person = authorized[0]
    affairs = rules.resolve_affairs(session, context, affair_codes)
    rules.admit_kind(affairs, person.kind)
    normalised = rules.parse_number(number)
    if session.get(NumberRecord, person_id) is not None:
        raise AlreadyHeld()
    check = rules.admit_verification(
        verification.resolved(), person.kind, verification.verified_at, earlier_verified=False
    )
    org = context.organisation_id.hex
    _refuse_duplicate(session, envelope, context, normalised, person_id)
    sealed = rules.seal_number(
        envelope, org, person_id.hex, _data_key(session, envelope, person), normalised
    )
    record = NumberRecord(
        person_id=person_id,
        organisation_id=context.organisation_id,
        ciphertext=sealed.ciphertext,
        blind_index=sealed.blind_index,
        index_version=sealed.index_version,
        number_check_document=check.columns()[0],
        identity_check_document=check.columns()[1],
        verification=check.to_json(),
        verified_by=verification.verified_by,
        verified_at=verification.verified_at,
        acquired_by=context.actor_id,
        acquired_at=utcnow(),
    )
    link_check.mark(record, session)
    session.add(record)
    session.flush()
    session.add_all(NumberRecordAffair(person_id=person_id, affair_id=a.id) for a in affairs)
    audit.record(
        session,
        context,
        AuditAction.NUMBER_ACQUIRE,
        person_id=person_id,
        details={"affairs": sorted(affair_codes)},
    )
    return record


def _refuse_duplicate(
    session: Session, envelope: Envelope, context: Context, number: str, person_id: uuid.UUID
) -> None:
    holders = session.scalars(
        select(NumberRecord.person_id).where(
            NumberRecord.organisation_id == context.organisation_id,
            NumberRecord.blind_index.in_(
                envelope.blind_indexes(context.organisation_id.hex, number)
            ),
        )
    )
    for holder in holders:
        rules.refuse_duplicate(holder, person_id)


def _data_key(session: Session, envelope: Envelope, person: Person) -> bytes:
    org, pid = person.organisation_id.hex, person.id.hex
    stored = session.get(DataKey, person.id)
    if stored is not None:
        return envelope.open_data_key(org, pid, WrappedKey(stored.kek_version, stored.wrapped_key))
    dek, wrapped = envelope.new_data_key(org, pid)
    session.add(
        DataKey(person_id=person.id, kek_version=wrapped.kek_version, wrapped_key=wrapped.blob)
    )
    return dek


# -- use ---------------------------------------------------------------------------------


# A number read is the hot path (issue #3 benchmark): its statements are built once,
# since building a statement costs more than running it on SQLite, and they select
# columns rather than load ORM objects.
_PERSON = Person.__table__.c
_NUMBER = NumberRecord.__table__.c
_DATA_KEY = DataKey.__table__.c
_PERSON_OF_READ = core.Prepared(
    select(_PERSON.organisation_id, _PERSON.kind, _PERSON.department_id).where(
        _PERSON.id == bindparam("person_id", type_=GUID())
    )
)
_NUMBER_OF_READ = core.Prepared(
    select(
        _NUMBER.organisation_id, _NUMBER.ciphertext, _DATA_KEY.kek_version, _DATA_KEY.wrapped_key
    )
    .select_from(NumberRecord.__table__)
    .outerjoin(DataKey.__table__, _DATA_KEY.person_id == _NUMBER.person_id)
    .where(_NUMBER.person_id == bindparam("person_id", type_=GUID()))
)
_ACQUIRED_FOR = core.Prepared(
    select(Affair.__table__.c.code)
    .join(
        NumberRecordAffair.__table__,
        NumberRecordAffair.__table__.c.affair_id == Affair.__table__.c.id,
    )
    .where(NumberRecordAffair.__table__.c.person_id == bindparam("person_id", type_=GUID()))
)


def use(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    person_id: uuid.UUID,
    audit_later: list[AuditEntry] | None = None,
) -> str:
    """利用: return the number, for an affair it was acquired for, to an assigned clerk.

    With ``audit_later`` the read's entry is put there instead of written here: the
    caller (a read transaction) must have it committed by the group commit
    (mnvault.audit.group) before the number leaves it. The number is decrypted first
    either way, so a number that does not decrypt leaves no entry saying it was read.
    """
    key = {"person_id": person_id}
    person = _PERSON_OF_READ.first(session, key)
    if person is None or person.organisation_id != context.organisation_id:
        # As _authorized_person: role and affair are checked (a denial audited) first.
        authorize(
            session, context, Permission.NUMBER_READ, organisation_resource(context),
            person_id=person_id,
        )  # fmt: skip
        raise NotFound(f"対象者 {person_id}", f"person {person_id}")
    resource = PersonRef(person_id, person.organisation_id, person.kind, person.department_id)
    authorize(session, context, Permission.NUMBER_READ, resource)
    held = _NUMBER_OF_READ.first(session, key)
    if held is None:
        raise NotHeld()
    if context.affair_code not in set(_ACQUIRED_FOR.scalars(session, key)):
        raise PurposeMismatch(str(context.affair_code), str(context.affair_code))
    if held.wrapped_key is None:
        raise NotHeld()
    if audit_later is None:
        audit.record(session, context, AuditAction.NUMBER_READ, person_id=person_id)
    org, pid = held.organisation_id.hex, person_id.hex
    dek = envelope.open_data_key(org, pid, WrappedKey(held.kek_version, held.wrapped_key))
    number = envelope.open_field(dek, org, pid, MY_NUMBER_FIELD, held.ciphertext).decode("ascii")
    if audit_later is not None:
        audit_later.append(audit.new_entry(context, AuditAction.NUMBER_READ, person_id=person_id))
    return number


def lookup(session: Session, envelope: Envelope, context: Context, *, number: str) -> Person | None:
    """Find whose number this is, through the blind index; the search itself is audited."""
    authorize(session, context, Permission.NUMBER_LOOKUP, organisation_resource(context))
    # Under every held index key version: a re-index after a rotation may be half done.
    indexes = envelope.blind_indexes(context.organisation_id.hex, parse_number(number))
    person = session.scalar(
        select(Person)
        .join(NumberRecord, NumberRecord.person_id == Person.id)
        .where(
            NumberRecord.organisation_id == context.organisation_id,
            NumberRecord.blind_index.in_(indexes),
        )
    )
    if person is not None:
        # A person outside one's assignments is a denial (audited), answered as no one:
        # a lookup must not confirm that a number is held beyond the clerk's scope.
        try:
            authorize_within_reach(session, context, Permission.NUMBER_LOOKUP, person)
        except OutOfReach as beyond:
            audit.record_denial(session, beyond)
            return None
    audit.record(
        session,
        context,
        AuditAction.NUMBER_LOOKUP,
        person_id=person.id if person else None,
        details={"found": person is not None},
    )
    return person


# -- correct -----------------------------------------------------------------------------


def correct(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    person_id: uuid.UUID,
    number: str,
    reason: str,
    verification: IdentityVerification,
) -> NumberRecord:
    """訂正: replace the number, keeping the history of who, when and why."""
    person = _authorized_person(session, context, Permission.NUMBER_CORRECT, person_id)
    if not reason.strip():
        raise InvalidInput("訂正理由は必須です", "a reason is required")
    without_number(reason, "訂正理由", "reason")
    record = session.get(NumberRecord, person_id)
    if record is None:
        raise NotHeld()
    check = rules.admit_verification(
        verification.resolved(), person.kind, verification.verified_at,
        earlier_verified=bool(identity_of(record).resolved().documents),
    )  # fmt: skip
    normalised = parse_number(number)
    org = context.organisation_id.hex
    index_version, index = envelope.index(org, normalised)
    if record.index_version == index_version and record.blind_index == index:
        raise SameNumber()
    _refuse_duplicate(session, envelope, context, normalised, person_id)
    dek = _data_key(session, envelope, person)
    record.ciphertext = envelope.seal_field(
        dek, org, person_id.hex, MY_NUMBER_FIELD, normalised.encode("ascii")
    )
    record.blind_index, record.index_version = index, index_version
    record.number_check_document, record.identity_check_document = check.columns()
    record.verification = check.to_json()
    record.verified_by = verification.verified_by
    record.verified_at = verification.verified_at
    link_check.mark(record, session)  # a new link: checked again
    session.add(
        NumberCorrection(
            person_id=person_id,
            reason=reason.strip(),
            number_check_document=check.columns()[0],
            identity_check_document=check.columns()[1],
            verification=check.to_json(),
            corrected_by=context.actor_id,
        )
    )
    session.flush()
    audit.record(session, context, AuditAction.NUMBER_CORRECT, person_id=person_id)
    return record


# -- provide -----------------------------------------------------------------------------


def provide(
    session: Session,
    context: Context,
    *,
    person_ids: Sequence[uuid.UUID],
    recipient_kind: RecipientKind,
    recipient_name: str,
    legal_basis: str,
    method: str,
    conditions: Conditions | None = None,
) -> Provision:
    """提供: record that numbers went to a recipient under an item of 番号法第19条
    (vault/provision.py checks the item against the organisation and the affair)."""
    authorize(session, context, Permission.PROVISION_CREATE, organisation_resource(context))
    without_number(recipient_name, "提供先", "recipient")
    without_number(method, "提供方法", "method")
    person_ids = list(dict.fromkeys(person_ids))  # a person named twice is provided once
    if not person_ids:
        raise InvalidInput("対象者を指定してください", "name at least one person")
    affair = get_affair(session, context.organisation_id, str(context.affair_code))
    conditions = conditions or Conditions()
    item = checked_item(legal_basis, organisation_kind(session, context), affair.kind, conditions)
    for person_id in person_ids:
        _authorized_person(session, context, Permission.PROVISION_CREATE, person_id)
        if session.get(NumberRecordAffair, (person_id, affair.id)) is None:
            raise PurposeMismatch(str(person_id), str(person_id))
    link_check.refuse_pending(session, person_ids)
    return add_provision(
        session, context, affair=affair, item=item, conditions=conditions,
        person_ids=person_ids, recipient_kind=recipient_kind, recipient_name=recipient_name,
        method=method,
    )  # fmt: skip


# -- relationship end ----------------------------------------------------------------------


class RelationshipEnd(StrEnum):
    CONTRACT_END = "contract_end"
    DEATH = "death"
    RETIREMENT = "retirement"


def end_relationship(
    session: Session,
    context: Context,
    *,
    person_id: uuid.UUID,
    ended_on: date,
    cause: RelationshipEnd,
) -> Person:
    """Record retirement, the end of a contract or a death: retention counts from it.

    The numbers of the deceased stay protected and follow the same retention rules
    (事業者編 第4-2 注)."""
    person = _authorized_person(session, context, Permission.PERSON_UPDATE, person_id)
    person.relationship_end = ended_on
    if cause is RelationshipEnd.DEATH:
        person.life_status = LifeStatus.DECEASED.value
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.PERSON_UPDATE,
        person_id=person_id,
        details={"relationship_end": ended_on.isoformat(), "cause": cause.value},
    )
    return person


def record_hire(
    session: Session, context: Context, *, person_id: uuid.UUID, hired_on: date
) -> Person:
    """入社 (or the start of a contract): the day the relationship began. A hire after a
    recorded end is a rehire: the number is needed again and not due."""
    person = _authorized_person(session, context, Permission.PERSON_UPDATE, person_id)
    if person.life_status == LifeStatus.DECEASED.value:
        raise InvalidInput("死亡が記録された対象者です", "a death is recorded for this person")
    person.relationship_start = hired_on
    resumed = person.relationship_end is not None and person.relationship_end <= hired_on
    if resumed:
        person.relationship_end = None
    session.flush()
    audit.record(
        session, context, AuditAction.PERSON_UPDATE, person_id=person_id,
        details={"relationship_start": hired_on.isoformat(), "resumed": resumed},
    )  # fmt: skip
    return person


def resume_relationship(session: Session, context: Context, *, person_id: uuid.UUID) -> Person:
    """Rehired, or a contract renewed: the number is needed again and not due."""
    person = _authorized_person(session, context, Permission.PERSON_UPDATE, person_id)
    person.relationship_end = None
    session.flush()
    audit.record(
        session, context, AuditAction.PERSON_UPDATE, person_id=person_id, details={"resumed": True}
    )
    return person


# -- identity-verification documents -----------------------------------------------------

DOCUMENT_MAX_BYTES = 5 * 1024 * 1024
# What the bytes start with decides the type; the browser's word is not taken.
DOCUMENT_TYPES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"%PDF-", "application/pdf"),
)
DOCUMENT_CHECKS = ("number", "identity")


def document_type(data: bytes) -> str:
    if not data:
        raise InvalidInput("書類のファイルが空です", "the document file is empty")
    if len(data) > DOCUMENT_MAX_BYTES:
        raise InvalidInput("書類のファイルは5MBまでです", "a document file may be 5 MB at most")
    for magic, content_type in DOCUMENT_TYPES:
        if data.startswith(magic):
            return content_type
    raise InvalidInput(
        "書類はJPEG・PNG・PDFのいずれかにしてください", "a document must be a JPEG, PNG or PDF"
    )


def store_document(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    person_id: uuid.UUID,
    check: str,
    data: bytes,
) -> VerificationDocument:
    """Keep an image of a document seen at verification, sealed under the person's data key
    (so disposal's key deletion shreds it with the number). Part of acquiring or
    correcting: the same permission, for the affair in the context."""
    person = _authorized_person(session, context, Permission.NUMBER_ACQUIRE, person_id)
    if check not in DOCUMENT_CHECKS:
        raise InvalidInput(f"確認の種類 {check}", f"check {check}")
    content_type = document_type(data)
    document = VerificationDocument(
        organisation_id=context.organisation_id, person_id=person_id, check=check,
        content_type=content_type, size_bytes=len(data), ciphertext=b"",
        uploaded_by=context.actor_id,
    )  # fmt: skip
    session.add(document)
    session.flush()
    dek = _data_key(session, envelope, person)
    document.ciphertext = envelope.seal_field(
        dek, context.organisation_id.hex, person_id.hex, f"document:{document.id}", data
    )
    audit.record(
        session, context, AuditAction.DOCUMENT_STORE, person_id=person_id,
        details={"document_id": str(document.id), "check": check,
                 "content_type": content_type, "size": len(data)},
    )  # fmt: skip
    return document


@dataclass(frozen=True)
class OpenedDocument:
    check: str
    content_type: str
    data: bytes


def open_document(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    person_id: uuid.UUID,
    document_id: uuid.UUID,
) -> OpenedDocument:
    """A stored verification document's image, opened as the number is read (利用): the
    image shows the number, so the same permission, for an affair the number was
    acquired for; admin and auditor never get one. Audited without the content."""
    _authorized_person(session, context, Permission.NUMBER_READ, person_id)
    document = session.get(VerificationDocument, document_id)
    if document is None or document.person_id != person_id:
        raise NotFound(f"書類 {document_id}", f"document {document_id}")
    if context.affair_code not in set(_ACQUIRED_FOR.scalars(session, {"person_id": person_id})):
        raise PurposeMismatch(str(context.affair_code), str(context.affair_code))
    stored = session.get(DataKey, person_id)
    if stored is None:
        raise NotHeld()  # disposed: the key, and with it the image, is gone
    org, pid = context.organisation_id.hex, person_id.hex
    dek = envelope.open_data_key(org, pid, WrappedKey(stored.kek_version, stored.wrapped_key))
    data = envelope.open_field(dek, org, pid, f"document:{document.id}", document.ciphertext)
    audit.record(
        session, context, AuditAction.DOCUMENT_READ, person_id=person_id,
        details={"document_id": str(document.id), "check": document.check,
                 "content_type": document.content_type},
    )  # fmt: skip
    return OpenedDocument(document.check, document.content_type, data)

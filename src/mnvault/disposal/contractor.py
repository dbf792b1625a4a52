"""Disposal by a contractor (委託先), proven by its certificate.

事業者編 別添1 2E d: where deletion or disposal is entrusted to a contractor, confirm by a
certificate or the like that it was done. The certificate (PDF or image) is stored sealed
under its own data key, wrapped by the KEK like a person's (so rotations re-wrap it), with
its SHA-256 kept in clear so that the copy on paper can be matched.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource
from mnvault.affairs.services import get_affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.crypto import Envelope, WrappedKey
from mnvault.db.base import new_id
from mnvault.disposal.errors import InvalidCertificate
from mnvault.disposal.models import ContractorDisposal, ContractorDisposalPerson
from mnvault.vault.errors import InvalidInput, NotFound
from mnvault.vault.freetext import without_number
from mnvault.vault.models import Person

CERTIFICATE_FIELD = "disposal_certificate"
MAX_CERTIFICATE_BYTES = 20 * 1024 * 1024
_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)


def media_type_of(data: bytes) -> str:
    """By content, not by file name: what the file is, not what it claims to be."""
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    raise InvalidCertificate()


def record(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    contractor_name: str,
    performed_on: date,
    method: str,
    certificate: bytes,
    person_ids: Sequence[uuid.UUID],
    affair_codes: Sequence[str],
) -> ContractorDisposal:
    authorize(session, context, Permission.DISPOSAL_RUN, organisation_resource(context))
    if not contractor_name.strip() or not method.strip():
        raise InvalidInput("委託先名と方法は必須です", "contractor and method are required")
    without_number(contractor_name, "委託先名", "contractor")
    without_number(method, "方法", "method")
    if not person_ids or not affair_codes:
        raise InvalidInput("対象者と事務を指定してください", "name persons and affairs")
    if len(certificate) > MAX_CERTIFICATE_BYTES:
        raise InvalidCertificate("20MB以下", "at most 20 MB")
    media_type = media_type_of(certificate)
    codes = sorted({get_affair(session, context.organisation_id, c).code for c in affair_codes})
    persons = list(dict.fromkeys(person_ids))
    for person_id in persons:
        person = session.get(Person, person_id)
        if person is None or person.organisation_id != context.organisation_id:
            raise NotFound(f"対象者 {person_id}", f"person {person_id}")
    row_id = new_id()
    org = context.organisation_id.hex
    dek, wrapped = envelope.new_data_key(org, row_id.hex)
    row = ContractorDisposal(
        id=row_id,
        organisation_id=context.organisation_id,
        contractor_name=contractor_name.strip(),
        performed_on=performed_on,
        method=method.strip(),
        certificate_media_type=media_type,
        certificate_sha256=hashlib.sha256(certificate).hexdigest(),
        certificate_ciphertext=envelope.seal_field(
            dek, org, row_id.hex, CERTIFICATE_FIELD, certificate
        ),
        kek_version=wrapped.kek_version,
        wrapped_key=wrapped.blob,
        recorded_by=context.actor_id,
    )
    session.add(row)
    session.flush()
    session.add_all(
        ContractorDisposalPerson(contractor_disposal_id=row.id, person_id=p, affair_codes=codes)
        for p in persons
    )
    session.flush()
    audit.record_many(
        session,
        context,
        AuditAction.DISPOSAL_CERTIFICATE_CREATE,
        persons,
        details={
            "contractor_disposal_id": str(row.id),
            "contractor": row.contractor_name,
            "affairs": codes,
            "sha256": row.certificate_sha256,
        },
    )
    return row


def certificate(
    session: Session, envelope: Envelope, context: Context, *, record_id: uuid.UUID
) -> tuple[ContractorDisposal, bytes]:
    """The stored certificate, opened and checked against its recorded hash."""
    authorize(session, context, Permission.DISPOSAL_READ, organisation_resource(context))
    row = session.get(ContractorDisposal, record_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise NotFound(f"委託先廃棄 {record_id}", f"contractor disposal {record_id}")

    org = row.organisation_id.hex
    dek = envelope.open_data_key(org, row.id.hex, WrappedKey(row.kek_version, row.wrapped_key))
    data = envelope.open_field(dek, org, row.id.hex, CERTIFICATE_FIELD, row.certificate_ciphertext)
    if hashlib.sha256(data).hexdigest() != row.certificate_sha256:
        raise InvalidCertificate("ハッシュ不一致", "hash mismatch")
    audit.record(
        session,
        context,
        AuditAction.DISPOSAL_CERTIFICATE_READ,
        details={"contractor_disposal_id": str(row.id)},
    )
    return row, data


def list_records(
    session: Session, context: Context
) -> list[tuple[ContractorDisposal, list[uuid.UUID]]]:
    authorize(session, context, Permission.DISPOSAL_READ, organisation_resource(context))
    rows = list(
        session.scalars(
            select(ContractorDisposal)
            .where(ContractorDisposal.organisation_id == context.organisation_id)
            .order_by(ContractorDisposal.recorded_at.desc())
        )
    )
    result = []
    for row in rows:
        persons = list(
            session.scalars(
                select(ContractorDisposalPerson.person_id).where(
                    ContractorDisposalPerson.contractor_disposal_id == row.id
                )
            )
        )
        result.append((row, persons))
    return result

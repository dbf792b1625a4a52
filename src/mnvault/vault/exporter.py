"""持出し: an affair's numbers written to an age-encrypted CSV and recorded as a take-out.

age (https://age-encryption.org/v1) is an open format with independent tools
(age, rage); the recipient opens the file with a passphrase or their X25519 key.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

import pyrage
from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.affairs.services import get_affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.crypto import Envelope, WrappedKey
from mnvault.vault.errors import InvalidInput
from mnvault.vault.models import DataKey, NumberRecord, NumberRecordAffair, Person, TakeOut
from mnvault.vault.services import MY_NUMBER_FIELD

EXPORT_COLUMNS = ("external_ref", "kind", "name", "my_number")


@dataclass(frozen=True)
class ExportResult:
    take_out_id: str
    person_count: int
    sha256: str
    encrypted: bytes


def export_affair(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    purpose: str,
    passphrase: str | None = None,
    recipients: list[str] | None = None,
) -> ExportResult:
    """Every number held for the context's affair, encrypted to a passphrase or recipients."""
    authorize(session, context, Permission.EXPORT_CREATE)
    if not purpose.strip():
        raise InvalidInput("持出しの目的は必須です", "a purpose is required")
    if bool(passphrase) == bool(recipients):
        raise InvalidInput(
            "パスフレーズか受取人の公開鍵のどちらか一方を指定してください",
            "give either a passphrase or recipients' public keys",
        )
    try:
        age_recipients = [pyrage.x25519.Recipient.from_str(r) for r in recipients or []]
    except Exception:  # pyrage raises its own error types for malformed keys
        raise InvalidInput("受取人の公開鍵が不正です", "malformed age recipient") from None
    affair = get_affair(session, context.organisation_id, str(context.affair_code))
    rows = session.execute(
        select(Person, NumberRecord.ciphertext, DataKey.kek_version, DataKey.wrapped_key)
        .join(NumberRecord, NumberRecord.person_id == Person.id)
        .join(DataKey, DataKey.person_id == Person.id)
        .join(NumberRecordAffair, NumberRecordAffair.person_id == Person.id)
        .where(
            Person.organisation_id == context.organisation_id,
            NumberRecordAffair.affair_id == affair.id,
        )
        .order_by(Person.external_ref)
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    org = context.organisation_id.hex
    person_ids = []
    for person, ciphertext, kek_version, wrapped in rows:
        pid = person.id.hex
        dek = envelope.open_data_key(org, pid, WrappedKey(kek_version, wrapped))
        number = envelope.open_field(dek, org, pid, MY_NUMBER_FIELD, ciphertext).decode()
        writer.writerow((person.external_ref, person.kind, person.name, number))
        person_ids.append(person.id)
    plaintext = buffer.getvalue().encode("utf-8")
    buffer.close()
    if passphrase:
        encrypted = pyrage.passphrase.encrypt(plaintext, passphrase)
        method = "age/scrypt"
    else:
        encrypted = pyrage.encrypt(plaintext, age_recipients)
        method = "age/x25519"
    del plaintext
    digest = hashlib.sha256(encrypted).hexdigest()
    take_out = TakeOut(
        organisation_id=context.organisation_id,
        affair_id=affair.id,
        person_count=len(person_ids),
        file_sha256=digest,
        encryption=method,
        purpose=purpose.strip(),
        created_by=context.actor_id,
    )
    session.add(take_out)
    session.flush()
    audit.record_many(
        session,
        context,
        AuditAction.EXPORT_CREATE,
        person_ids,
        details={"take_out_id": str(take_out.id), "sha256": digest},
    )
    return ExportResult(str(take_out.id), len(person_ids), digest, encrypted)

"""Store and open sealed attachments.

The caller (the owning package's service) authorizes the act and records it in the trail with
the attachment's id and SHA-256; this module only seals, opens and checks. The file name is
kept with any number in it masked (a person may name a scan after its content), and a file is
refused unless its content is one of the kinds the caller allows.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.attachments import media
from mnvault.attachments.errors import (
    AttachmentDamaged,
    AttachmentNotFound,
    EmptyFile,
    FileTooLarge,
    UnsupportedFile,
)
from mnvault.attachments.models import Attachment
from mnvault.context import Context
from mnvault.crypto import Envelope, WrappedKey
from mnvault.db.base import new_id
from mnvault.numbers import mask_numbers

FIELD = "attachment"
MAX_BYTES = 20 * 1024 * 1024

DOCUMENTS = frozenset({media.PDF, media.DOCX, media.XLSX, media.PNG, media.JPEG})
IMAGES_AND_PDF = frozenset({media.PDF, media.PNG, media.JPEG})
CSV = frozenset({media.CSV})


def clean_filename(filename: str) -> str:
    """The name as shown: path parts dropped, numbers masked, at most 200 characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1].strip() or "file"
    return mask_numbers(name)[:200]


def store(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    owner: str,
    owner_id: uuid.UUID,
    filename: str,
    data: bytes,
    allowed: Collection[str] = DOCUMENTS,
) -> Attachment:
    if not data:
        raise EmptyFile()
    if len(data) > MAX_BYTES:
        raise FileTooLarge("20MB以下", "at most 20 MB")
    media_type = media.media_type_of(data)
    if media_type not in allowed:
        raise UnsupportedFile(media_type, media_type)
    row_id = new_id()
    org = context.organisation_id.hex
    dek, wrapped = envelope.new_data_key(org, row_id.hex)
    row = Attachment(
        id=row_id,
        organisation_id=context.organisation_id,
        owner=owner,
        owner_id=owner_id,
        filename=clean_filename(filename),
        media_type=media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        ciphertext=envelope.seal_field(dek, org, row_id.hex, FIELD, data),
        kek_version=wrapped.kek_version,
        wrapped_key=wrapped.blob,
        uploaded_by=context.actor_id,
    )
    session.add(row)
    session.flush()
    return row


def get(
    session: Session, context: Context, attachment_id: uuid.UUID, *, owner: str | Collection[str]
) -> Attachment:
    """The attachment's row (no content), only within the caller's organisation and owner
    kind (or one of the kinds: a package whose records of several kinds hold files)."""
    owners = {owner} if isinstance(owner, str) else set(owner)
    row = session.get(Attachment, attachment_id)
    if row is None or row.organisation_id != context.organisation_id or row.owner not in owners:
        raise AttachmentNotFound()
    return row


def open(  # the recipe's verb, like envelope.open_field (builtin open is not used here)
    session: Session,
    envelope: Envelope,
    context: Context,
    attachment_id: uuid.UUID,
    *,
    owner: str | Collection[str],
) -> tuple[Attachment, bytes]:
    """The stored file, opened and checked against its recorded hash."""
    row = get(session, context, attachment_id, owner=owner)
    org = row.organisation_id.hex
    dek = envelope.open_data_key(org, row.id.hex, WrappedKey(row.kek_version, row.wrapped_key))
    data = envelope.open_field(dek, org, row.id.hex, FIELD, row.ciphertext)
    if hashlib.sha256(data).hexdigest() != row.sha256:
        raise AttachmentDamaged()
    return row, data


def listing(
    session: Session, context: Context, *, owner: str, owner_id: uuid.UUID
) -> list[Attachment]:
    return list(
        session.scalars(
            select(Attachment)
            .where(
                Attachment.organisation_id == context.organisation_id,
                Attachment.owner == owner,
                Attachment.owner_id == owner_id,
            )
            .order_by(Attachment.uploaded_at)
        )
    )

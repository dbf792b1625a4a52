"""Files kept with an incident (the report as submitted, the PPC's receipt, a photo of the lost
medium's label …), sealed like every uploaded document (mnvault.attachments). This module
authorizes and audits; attachments seals, opens and checks."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.attachments import services as attachments
from mnvault.attachments.errors import AttachmentNotFound
from mnvault.attachments.models import Attachment
from mnvault.audit.actions import AuditAction
from mnvault.crypto import Envelope
from mnvault.incidents import services as incidents

OWNER = "incident"
MAX_BYTES = attachments.MAX_BYTES


@dataclass(frozen=True)
class FileView:
    id: uuid.UUID
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_at: datetime


def _view(row: Attachment) -> FileView:
    return FileView(row.id, row.filename, row.media_type, row.size, row.sha256, row.uploaded_at)


def attach(
    session: Session,
    envelope: Envelope,
    context: Context,
    incident_id: uuid.UUID,
    *,
    filename: str,
    data: bytes,
) -> FileView:
    """Keep a file with the incident (managers); audited with its id and SHA-256."""
    row = incidents.managed(session, context, incident_id)
    stored = attachments.store(
        session, envelope, context, owner=OWNER, owner_id=row.id, filename=filename, data=data,
        allowed=attachments.DOCUMENTS,
    )  # fmt: skip
    incidents.audit_incident(
        session, context, AuditAction.INCIDENT_UPDATE, row, attachment=stored.id,
        sha256=stored.sha256,
    )  # fmt: skip
    return _view(stored)


def files(session: Session, context: Context, incident_id: uuid.UUID) -> list[FileView]:
    row = incidents.readable(session, context, incident_id)
    return [_view(a) for a in attachments.listing(session, context, owner=OWNER, owner_id=row.id)]


def open_file(
    session: Session,
    envelope: Envelope,
    context: Context,
    incident_id: uuid.UUID,
    attachment_id: uuid.UUID,
) -> tuple[FileView, bytes]:
    """One kept file, opened and hash-checked; the reading is audited."""
    row = incidents.readable(session, context, incident_id)
    found = attachments.get(session, context, attachment_id, owner=OWNER)
    if found.owner_id != row.id:
        raise AttachmentNotFound()
    stored, data = attachments.open(session, envelope, context, attachment_id, owner=OWNER)
    incidents.audit_incident(
        session, context, AuditAction.INCIDENT_EXPORT, row, attachment=stored.id,
        sha256=stored.sha256,
    )  # fmt: skip
    return _view(stored), data

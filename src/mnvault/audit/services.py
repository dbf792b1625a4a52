"""Writing audit entries. Always inside the caller's transaction: if the entry cannot
be written the flush raises and the whole operation rolls back (fail closed)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.audit.models import AuditEntry
from mnvault.db.base import utcnow
from mnvault.db.bulk import Adapt, insert_rows


def record(
    session: Session,
    context: Context | None,
    action: AuditAction,
    *,
    outcome: Outcome = Outcome.OK,
    person_id: uuid.UUID | None = None,
    affair_code: str | None = None,
    spi_file_id: uuid.UUID | None = None,
    organisation_id: uuid.UUID | None = None,
    actor_id: uuid.UUID | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        occurred_at=utcnow(),
        actor_id=actor_id or (context.actor_id if context else None),
        organisation_id=organisation_id or (context.organisation_id if context else None),
        action=str(action),
        outcome=str(outcome),
        affair_code=affair_code or (context.affair_code if context else None),
        person_id=person_id,
        spi_file_id=spi_file_id,
        request_id=context.request_id if context else None,
        client_address=context.client_address if context else None,
        details=dict(details) if details else None,
    )
    session.add(entry)
    session.flush()
    return entry


AUDIT_COLUMNS = (
    "occurred_at",
    "actor_id",
    "organisation_id",
    "action",
    "outcome",
    "affair_code",
    "person_id",
    "spi_file_id",
    "request_id",
    "client_address",
    "details",
)


def record_many(
    session: Session,
    context: Context,
    action: AuditAction,
    person_ids: Iterable[uuid.UUID | bytes],
    *,
    details: Mapping[str, Any] | None = None,
) -> None:
    """One entry per person for bulk work (imports, exports), as one executemany.

    Person ids may be UUIDs or their 16 bytes.
    """
    table = AuditEntry.__table__
    adapt = Adapt(session, table)  # type: ignore[arg-type]
    as_uuid = adapt.uuid()
    constant = (
        adapt.constant("occurred_at", utcnow()),
        as_uuid(context.actor_id),
        as_uuid(context.organisation_id),
        str(action),
        str(Outcome.OK),
        context.affair_code,
    )
    tail = (
        None,
        context.request_id,
        context.client_address,
        adapt.constant("details", dict(details) if details else None),
    )
    rows = [(*constant, as_uuid(person_id), *tail) for person_id in person_ids]
    insert_rows(session, table, AUDIT_COLUMNS, rows)  # type: ignore[arg-type]


def record_denial(session: Session, denied: AuthorizationDenied) -> None:
    session.add(
        AuditEntry(
            occurred_at=utcnow(),
            actor_id=denied.actor_id,
            organisation_id=denied.organisation_id,
            action=str(AuditAction.ACCESS_DENIED),
            outcome=str(Outcome.DENIED),
            affair_code=denied.affair_code,
            person_id=denied.person_id,
            request_id=denied.request_id,
            client_address=denied.client_address,
            details={"permission": denied.permission, "reason": denied.reason, **denied.details},
        )
    )
    session.flush()

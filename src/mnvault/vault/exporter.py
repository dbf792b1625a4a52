"""持出し: an affair's numbers written to an age-encrypted CSV and recorded as a take-out.

age (https://age-encryption.org/v1) is an open format with independent tools
(age, rage); the recipient opens the file with a passphrase or their X25519 key.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from dataclasses import dataclass

import pyrage
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import User
from mnvault.access.permissions import Permission
from mnvault.access.policy.sql import persons_in_scope
from mnvault.access.services import authorize, visible_persons
from mnvault.affairs.models import Affair
from mnvault.affairs.services import get_affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.crypto import Envelope, WrappedKey
from mnvault.db.base import utcnow
from mnvault.spreadsheet import neutralise
from mnvault.vault import link_check, outside_takeout
from mnvault.vault.errors import InvalidInput, NotFound
from mnvault.vault.freetext import without_number
from mnvault.vault.models import (
    DataKey,
    ExportRequest,
    ExportState,
    NumberRecord,
    NumberRecordAffair,
    Person,
    TakeOut,
)
from mnvault.vault.services import MY_NUMBER_FIELD

EXPORT_COLUMNS = ("external_ref", "kind", "name", "my_number")


@dataclass(frozen=True)
class ExportResult:
    take_out_id: str
    person_count: int
    sha256: str
    encrypted: bytes
    person_ids: tuple[uuid.UUID, ...] = ()  # who the file carried (an outside take-out's provision)


def export_affair(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    purpose: str,
    passphrase: str | None = None,
    recipients: list[str] | None = None,
) -> ExportResult:
    """Every number held for the context's affair, encrypted to a passphrase or recipients.

    Only the persons inside the exporter's assignment to that affair are exported.
    """
    in_scope = visible_persons(session, context, Permission.EXPORT_CREATE)
    if not purpose.strip():
        raise InvalidInput("持出しの目的は必須です", "a purpose is required")
    without_number(purpose, "持出しの目的", "purpose")
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
    found = session.execute(
        select(Person, NumberRecord.ciphertext, DataKey.kek_version, DataKey.wrapped_key)
        .join(NumberRecord, NumberRecord.person_id == Person.id)
        .join(DataKey, DataKey.person_id == Person.id)
        .join(NumberRecordAffair, NumberRecordAffair.person_id == Person.id)
        .where(
            Person.organisation_id == context.organisation_id,
            NumberRecordAffair.affair_id == affair.id,
            in_scope,
        )
        .order_by(Person.external_ref)
    )
    rows = found.all()
    # 紐付けの確認: no number awaiting its second check leaves (vault/link_check.py).
    link_check.refuse_pending(session, [person.id for person, *_ in rows])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(EXPORT_COLUMNS)
    org = context.organisation_id.hex
    person_ids = []
    for person, ciphertext, kek_version, wrapped in rows:
        pid = person.id.hex
        dek = envelope.open_data_key(org, pid, WrappedKey(kek_version, wrapped))
        number = envelope.open_field(dek, org, pid, MY_NUMBER_FIELD, ciphertext).decode()
        # Names and references were typed by people: none may run in the recipient's Excel.
        writer.writerow(
            (neutralise(person.external_ref), person.kind, neutralise(person.name), number)
        )
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
    return ExportResult(str(take_out.id), len(person_ids), digest, encrypted, tuple(person_ids))


# -- the two-person workflow: request, approve, download --------------------------------


def request_export(
    session: Session, context: Context, *, purpose: str, recipient: str,
    outside: outside_takeout.OutsideRecipient | None = None,
) -> ExportRequest:  # fmt: skip
    """A clerk asks to take an affair's numbers out, encrypted to ``recipient``; for a
    recipient outside the organisation, ``outside`` names the provision it is."""
    authorize(session, context, Permission.EXPORT_CREATE)
    if not purpose.strip():
        raise InvalidInput("持出しの目的は必須です", "a purpose is required")
    without_number(purpose, "持出しの目的", "purpose")
    try:
        pyrage.x25519.Recipient.from_str(recipient)
    except Exception:  # pyrage raises its own error types for malformed keys
        raise InvalidInput("受取人の公開鍵が不正です", "malformed age recipient") from None
    affair = get_affair(session, context.organisation_id, str(context.affair_code))
    request = ExportRequest(
        organisation_id=context.organisation_id, affair_id=affair.id, purpose=purpose.strip(),
        recipient=recipient, state=ExportState.REQUESTED, requested_by=context.actor_id,
        outside_provision=(
            outside_takeout.checked(session, context, affair, outside) if outside else None
        ),
    )  # fmt: skip
    session.add(request)
    session.flush()
    audit.record(
        session, context, AuditAction.EXPORT_REQUEST, details={"export_request_id": str(request.id)}
    )
    return request


def _own_request(session: Session, context: Context, request_id: uuid.UUID) -> ExportRequest:
    request = session.get(ExportRequest, request_id)
    if request is None or request.organisation_id != context.organisation_id:
        raise NotFound(f"持出し申請 {request_id}", f"export request {request_id}")
    return request


def decide_export(
    session: Session, context: Context, *, request_id: uuid.UUID, approve: bool
) -> ExportRequest:
    """A manager approves or rejects; never their own request."""
    authorize(session, context, Permission.EXPORT_APPROVE)
    request = _own_request(session, context, request_id)
    if request.state != ExportState.REQUESTED:
        raise InvalidInput("この申請は処理済みです", "this request was already decided")
    if request.requested_by == context.actor_id:
        raise AuthorizationDenied(
            permission=str(Permission.EXPORT_APPROVE), reason="requester cannot approve",
            actor_id=context.actor_id, organisation_id=context.organisation_id,
            request_id=context.request_id, client_address=context.client_address,
        )  # fmt: skip
    request.state = ExportState.APPROVED if approve else ExportState.REJECTED
    request.decided_by = context.actor_id
    request.decided_at = utcnow()
    audit.record(
        session, context, AuditAction.EXPORT_APPROVE if approve else AuditAction.EXPORT_REJECT,
        details={"export_request_id": str(request.id)},
    )  # fmt: skip
    return request


def download_export(
    session: Session, envelope: Envelope, context: Context, *, request_id: uuid.UUID
) -> ExportResult:
    """The requester downloads an approved export once; it is recorded as a take-out."""
    request = _own_request(session, context, request_id)
    affair = session.get(Affair, request.affair_id)
    assert affair is not None  # noqa: S101 - foreign key
    # The role and affair first, so an intruder learns nothing about the request itself.
    authorize(session, context.for_affair(affair.code), Permission.EXPORT_CREATE)
    if request.requested_by != context.actor_id:
        raise AuthorizationDenied(
            permission=str(Permission.EXPORT_CREATE), reason="only the requester downloads",
            actor_id=context.actor_id, organisation_id=context.organisation_id,
            request_id=context.request_id, client_address=context.client_address,
        )  # fmt: skip
    if request.state != ExportState.APPROVED:
        raise InvalidInput("承認済みの申請ではありません", "the request is not approved")
    result = export_affair(
        session, envelope, context.for_affair(affair.code), purpose=request.purpose,
        recipients=[request.recipient],
    )  # fmt: skip
    request.state = ExportState.DOWNLOADED
    request.take_out_id = uuid.UUID(result.take_out_id)
    if request.outside_provision and result.person_ids:
        outside_takeout.record(
            session, context.for_affair(affair.code), affair, request.outside_provision,
            result.person_ids,
        )  # fmt: skip
    return result


# -- reading requests for the screens -------------------------------------------------


@dataclass(frozen=True)
class RequestView:
    """A request as the screens show it: two people's work, by name and time."""

    request: ExportRequest
    affair: Affair
    requested_by: str
    decided_by: str | None
    # How many persons the file would hold if it were downloaded now (a waiting
    # request's, for the manager who decides; None once it is decided).
    person_count: int | None = None


def _would_export(session: Session, request: ExportRequest, affair: Affair) -> int:
    """The persons whose numbers the requester's download would carry: held for the
    affair and inside the requester's assignment (what :func:`export_affair` selects)."""
    requester = Context(
        actor_id=request.requested_by, organisation_id=request.organisation_id,
        affair_code=affair.code,
    )  # fmt: skip
    in_scope = persons_in_scope(session, requester, str(Permission.EXPORT_CREATE))
    count = session.scalar(
        select(func.count(Person.id))
        .join(NumberRecordAffair, NumberRecordAffair.person_id == Person.id)
        .where(
            Person.organisation_id == request.organisation_id,
            NumberRecordAffair.affair_id == affair.id,
            in_scope,
        )
    )
    return int(count or 0)


def _view(session: Session, request: ExportRequest) -> RequestView:
    def name(user_id: uuid.UUID | None) -> str | None:
        user = session.get(User, user_id) if user_id else None
        return f"{user.display_name}（{user.login}）" if user else None

    affair = session.get(Affair, request.affair_id)
    assert affair is not None  # noqa: S101 - foreign key
    count = (
        _would_export(session, request, affair) if request.state == ExportState.REQUESTED else None
    )
    return RequestView(
        request, affair, name(request.requested_by) or "", name(request.decided_by), count
    )


def export_requests(
    session: Session, context: Context, *, waiting: bool, limit: int = 200
) -> list[RequestView]:
    """``waiting``: every request awaiting a decision (managers); otherwise the actor's own.

    Neither list holds a number; the waiting list is a manager's, so it needs the right
    to decide (事業者編 別添1 物理的安全管理措置 c: take-outs are controlled).
    """
    query = select(ExportRequest).where(ExportRequest.organisation_id == context.organisation_id)
    if waiting:
        authorize(session, context, Permission.EXPORT_APPROVE)
        query = query.where(ExportRequest.state == ExportState.REQUESTED)
    else:
        # One's own requests name affairs and purposes, nothing of a person.
        authorize(session, context, Permission.AFFAIR_READ)
        query = query.where(ExportRequest.requested_by == context.actor_id)
    rows = session.scalars(query.order_by(ExportRequest.requested_at.desc()).limit(limit))
    return [_view(session, r) for r in rows]


def export_request(session: Session, context: Context, request_id: uuid.UUID) -> RequestView:
    """One request, for its requester or for someone who may decide it."""
    # The role first, so an intruder learns nothing about the request itself.
    authorize(session, context, Permission.AFFAIR_READ)
    request = _own_request(session, context, request_id)
    if request.requested_by != context.actor_id:
        authorize(session, context, Permission.EXPORT_APPROVE)
    return _view(session, request)

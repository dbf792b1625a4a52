"""持出し: an affair's numbers written to a protected file and recorded as a take-out.

age (https://age-encryption.org/v1) is an open format with independent tools
(age, rage); the recipient opens the file with their X25519 key (or a passphrase, for
:func:`export_affair`'s callers). A workbook may instead be encrypted as Excel does, under
a passphrase the vault generates (vault/takeout_file.py, vault/takeout_passphrase.py).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import pyrage
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
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
from mnvault.vault import (
    link_check,
    outside_takeout,
    takeout_file,
    takeout_passphrase,
    takeout_recipients,
)
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
    TakeOutRecipient,
)
from mnvault.vault.services import MY_NUMBER_FIELD
from mnvault.vault.takeout_file import COLUMNS, FileFormat, Header, Protection

EXPORT_COLUMNS = COLUMNS


@dataclass(frozen=True)
class ExportResult:
    take_out_id: str
    person_count: int
    sha256: str
    encrypted: bytes
    person_ids: tuple[uuid.UUID, ...] = ()  # who the file carried (an outside take-out's provision)
    file_name: str = ""  # e.g. mnvault-takeout-<id>.xlsx, or .csv.age


def export_affair(
    session: Session,
    envelope: Envelope,
    context: Context,
    *,
    purpose: str,
    passphrase: str | None = None,
    recipients: list[str] | None = None,
    workbook_passphrase: str | None = None,
    file_format: FileFormat = FileFormat.CSV,
    header: Header = Header.JAPANESE,
) -> ExportResult:
    """Every number held for the context's affair, encrypted to an age passphrase, age
    recipients, or (``workbook_passphrase``) an Excel workbook encrypted as Excel does;
    ``header``: Japanese labels for the first line and the kinds, or the codes.

    Only the persons inside the exporter's assignment to that affair are exported.
    """
    in_scope = visible_persons(session, context, Permission.EXPORT_CREATE)
    if not purpose.strip():
        raise InvalidInput("持出しの目的は必須です", "a purpose is required")
    without_number(purpose, "持出しの目的", "purpose")
    if [bool(passphrase), bool(recipients), bool(workbook_passphrase)].count(True) != 1:
        raise InvalidInput(
            "パスフレーズか受取人の公開鍵のどちらか一方を指定してください",
            "give either a passphrase or recipients' public keys",
        )
    if workbook_passphrase:
        file_format = FileFormat.XLSX
    age_recipients = [takeout_file.age_recipient(r) for r in recipients or []]
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
    table: list[tuple[str, ...]] = [takeout_file.header_row(header)]
    org = context.organisation_id.hex
    person_ids = []
    for person, ciphertext, kek_version, wrapped in rows:
        pid = person.id.hex
        dek = envelope.open_data_key(org, pid, WrappedKey(kek_version, wrapped))
        number = envelope.open_field(dek, org, pid, MY_NUMBER_FIELD, ciphertext).decode()
        # Names and references were typed by people: takeout_file keeps them from running
        # as formulas in the recipient's Excel.
        table.append(
            takeout_file.person_row(person.external_ref, person.kind, person.name, number, header)
        )
        person_ids.append(person.id)
    plaintext = takeout_file.write(table, file_format)
    del table
    if workbook_passphrase:
        encrypted = takeout_file.encrypt_workbook(plaintext, workbook_passphrase)
        method = "xlsx/ecma376-agile"
    elif passphrase:
        encrypted = pyrage.passphrase.encrypt(plaintext, passphrase)
        method = f"age/scrypt {file_format}"
    else:
        encrypted = pyrage.encrypt(plaintext, age_recipients)
        method = f"age/x25519 {file_format}"
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
    name = f"mnvault-takeout-{take_out.id}.{takeout_file.EXTENSIONS[file_format]}"
    if not workbook_passphrase:
        name += ".age"
    return ExportResult(
        str(take_out.id), len(person_ids), digest, encrypted, tuple(person_ids), name
    )


# -- the two-person workflow: request, approve, download --------------------------------


def request_export(
    session: Session, context: Context, *, purpose: str, recipient: str,
    outside: outside_takeout.OutsideRecipient | None = None,
) -> ExportRequest:  # fmt: skip
    """A clerk asks to take an affair's numbers out, encrypted to ``recipient``; for a
    recipient outside the organisation, ``outside`` names the provision it is."""
    return request_takeout(
        session, None, context, purpose=purpose, recipient=recipient, outside=outside
    ).request


@dataclass(frozen=True)
class NewRequest:
    request: ExportRequest
    # A workbook's passphrase, for the requester's eyes once; nowhere else in the clear.
    passphrase: str | None = None
    # The form was sent before: this is the request it made then (no passphrase again).
    repeated: bool = False


def _made_by_form(session: Session, context: Context, form_nonce: str) -> ExportRequest | None:
    return session.scalar(
        select(ExportRequest).where(
            ExportRequest.organisation_id == context.organisation_id,
            ExportRequest.requested_by == context.actor_id,
            ExportRequest.form_nonce == form_nonce,
        )
    )


def request_takeout(
    session: Session, envelope: Envelope | None, context: Context, *, purpose: str,
    protection: Protection = Protection.AGE, recipient: str = "",
    registered_recipient: uuid.UUID | None = None, file_format: FileFormat = FileFormat.CSV,
    outside: outside_takeout.OutsideRecipient | None = None, header: Header = Header.JAPANESE,
    form_nonce: str | None = None,
) -> NewRequest:  # fmt: skip
    """A clerk asks to take an affair's numbers out: to an age key typed (``recipient``)
    or registered (``registered_recipient``), or as an Excel workbook under a passphrase
    the vault generates and returns here, once (``envelope`` seals it until the download).
    For a recipient outside the organisation, ``outside`` names the provision it is.

    ``form_nonce``: the request form's one-time token. The form sent again (a second
    click, a reload) answers with the request it made (``repeated``), never a second."""
    authorize(session, context, Permission.EXPORT_CREATE)
    if form_nonce is not None and (made := _made_by_form(session, context, form_nonce)):
        return NewRequest(made, repeated=True)
    if not purpose.strip():
        raise InvalidInput("持出しの目的は必須です", "a purpose is required")
    without_number(purpose, "持出しの目的", "purpose")
    key = _key_for(
        session, context, envelope, protection=protection, recipient=recipient,
        registered_recipient=registered_recipient, file_format=file_format,
    )  # fmt: skip
    affair = get_affair(session, context.organisation_id, str(context.affair_code))
    request = ExportRequest(
        organisation_id=context.organisation_id, affair_id=affair.id, purpose=purpose.strip(),
        recipient=key, state=ExportState.REQUESTED, requested_by=context.actor_id,
        protection=protection.value, file_format=file_format.value,
        registered_recipient_id=registered_recipient, header=header.value,
        outside_provision=(
            outside_takeout.checked(session, context, affair, outside) if outside else None
        ),
        form_nonce=form_nonce,
    )  # fmt: skip
    try:
        # A savepoint: the same form sent twice at once makes one request; the other
        # waits on the unique index, then finds it.
        with session.begin_nested():
            session.add(request)
            session.flush()
    except IntegrityError:
        made = _made_by_form(session, context, form_nonce) if form_nonce else None
        if made is None:
            raise
        return NewRequest(made, repeated=True)
    passphrase = None
    if protection == Protection.EXCEL_PASSPHRASE:
        assert envelope is not None  # noqa: S101 - checked above
        passphrase = takeout_file.new_passphrase()
        takeout_passphrase.seal(envelope, request, passphrase)
    audit.record(
        session, context, AuditAction.EXPORT_REQUEST,
        details={
            "export_request_id": str(request.id), "protection": protection.value,
            "file_format": file_format.value, "header": header.value,
            "registered_recipient_id": str(registered_recipient) if registered_recipient else None,
        },
    )  # fmt: skip
    return NewRequest(request, passphrase)


def _key_for(
    session: Session, context: Context, envelope: Envelope | None, *, protection: Protection,
    recipient: str, registered_recipient: uuid.UUID | None, file_format: FileFormat,
) -> str | None:  # fmt: skip
    """The age key a request names (typed or registered); None for a workbook."""
    key: str | None = None
    if protection == Protection.AGE:
        if bool(recipient.strip()) == (registered_recipient is not None):
            raise InvalidInput(
                "受取人の公開鍵を入力するか、登録済みの受取人を一人選んでください",
                "type the recipient's public key or choose one registered recipient",
            )
        if registered_recipient is not None:
            key = takeout_recipients.usable(session, context, registered_recipient).public_key
        else:
            key = recipient.strip()
            takeout_file.age_recipient(key)
    else:
        if recipient.strip() or registered_recipient is not None:
            raise InvalidInput(
                "パスフレーズ付きの Excel には公開鍵を指定しません",
                "a passphrase-protected workbook takes no public key",
            )
        if file_format != FileFormat.XLSX:
            raise InvalidInput(
                "パスフレーズで保護できるのは Excel ファイルだけです",
                "only an Excel workbook is protected by a passphrase",
            )
        if envelope is None:
            raise TypeError("a workbook take-out needs the envelope to seal its passphrase")
    return key


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
    file_format = FileFormat(request.file_format)
    if request.protection == Protection.EXCEL_PASSPHRASE:
        secret = takeout_passphrase.take(envelope, request)
        result = export_affair(
            session, envelope, context.for_affair(affair.code), purpose=request.purpose,
            workbook_passphrase=secret, file_format=file_format, header=Header(request.header),
        )  # fmt: skip
        del secret
    else:
        assert request.recipient is not None  # noqa: S101 - an age request names its key
        result = export_affair(
            session, envelope, context.for_affair(affair.code), purpose=request.purpose,
            recipients=[request.recipient], file_format=file_format,
            header=Header(request.header),
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
    # The preview the approver decides on: the file's columns (never a number).
    columns: tuple[str, ...] = EXPORT_COLUMNS
    recipient_name: str | None = None  # a registered recipient's name

    @property
    def headings(self) -> tuple[str, ...]:
        """The file's first line, as it will be written (Japanese labels or codes)."""
        return takeout_file.header_row(Header(self.request.header))


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
    registered = (
        session.get(TakeOutRecipient, request.registered_recipient_id)
        if request.registered_recipient_id
        else None
    )
    return RequestView(
        request, affair, name(request.requested_by) or "", name(request.decided_by), count,
        recipient_name=registered.name if registered else None,
    )  # fmt: skip


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

"""The rules of outsourcing: 委託先の選定, 委託契約の締結, 取扱状況の把握, 再委託の許諾 and the end
of a contract (番号法第10条・第11条; 事業者編 第4-2-(1) 1B 必要かつ適切な監督, 2A 再委託の要件).

- A 委託先 is registered with the affairs (and SPI files) outsourced; it is selected when every
  item of the guideline's selection check is ticked; a contract is recorded only then, and
  only with every clause the guideline says a contract must hold.
- A 再委託 is recorded as the 委託先's request and gives no role until the client approves
  it; it never outlives the 委託 under it, and its affairs are among the 委託's.
- Ending a 委託 ends its 再委託, withdraws the roles it covered (ending.py) and opens the
  follow-up of the return or disposal of the SPI, closed by :func:`record_return`.
Every change is audited; no free text may hold a number (vault.freetext).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.affairs.services import get_affair, list_affairs
from mnvault.attachments import services as attachments
from mnvault.attachments.errors import AttachmentNotFound
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.crypto import Envelope
from mnvault.db.base import utcnow
from mnvault.orgs.codes import require_code
from mnvault.partners import checklists
from mnvault.partners.cover import is_current, today
from mnvault.partners.ending import withdraw_uncovered
from mnvault.partners.errors import (
    ContractIncomplete,
    InvalidPartner,
    PartnerNotFound,
    SelectionIncomplete,
    WrongState,
)
from mnvault.partners.models import Outsourcee, OutsourceeState, Supervision
from mnvault.partners.places import country_code
from mnvault.vault.freetext import optional_without_number
from mnvault.vault.models import SpiFile

S = OutsourceeState
SELECTION = checklists.SELECTION
REQUIRED_CLAUSES = checklists.REQUIRED_CLAUSES
DESIRABLE_CLAUSES = checklists.DESIRABLE_CLAUSES
SUPERVISION_KINDS = checklists.SUPERVISION_KINDS
STATE_LABELS = {
    S.SELECTING.value: ("選定中", "selecting"),
    S.CONTRACTED.value: ("契約中", "under contract"),
    S.REQUESTED.value: ("再委託の許諾待ち", "sub-outsourcing requested"),
    S.APPROVED.value: ("再委託許諾済み", "sub-outsourcing approved"),
    S.REFUSED.value: ("再委託不許諾", "sub-outsourcing refused"),
    S.ENDED.value: ("終了", "ended"),
}
# Owners of sealed attachments (mnvault.attachments)
CONTRACT, REPORT, RETURN = "outsourcee_contract", "outsourcee_report", "outsourcee_return"
SUPERVISION_DUE_DAYS = 365  # a report or check at least yearly unless the next one is set


@dataclass(frozen=True)
class Attention:
    title_ja: str
    title_en: str
    due: date | None
    link: str
    overdue: bool


@dataclass(frozen=True)
class Upload:
    """A file a person uploads (the contract, a report, a disposal certificate)."""

    filename: str
    data: bytes


def _text(value: str | None, ja: str, en: str, *, required: bool = False) -> str | None:
    value = (value or "").strip() or None
    if required and value is None:
        raise InvalidPartner(f"{ja}を入力してください", f"give the {en}")
    return optional_without_number(value, ja, en)


def _affairs(session: Session, context: Context, codes: Sequence[str]) -> list[str]:
    codes = sorted({c.strip() for c in codes if c.strip()})
    if not codes:
        raise InvalidPartner("委託する事務を選んでください", "choose the affairs outsourced")
    for code in codes:
        get_affair(session, context.organisation_id, code)
    return codes


def _files(session: Session, context: Context, ids: Sequence[uuid.UUID]) -> list[str]:
    wanted = set(ids)
    found = set(
        session.scalars(
            select(SpiFile.id).where(
                SpiFile.organisation_id == context.organisation_id, SpiFile.id.in_(wanted)
            )
        )
    )
    if found != wanted:
        raise InvalidPartner("特定個人情報ファイルが見つかりません", "no such SPI file")
    return sorted(str(i) for i in wanted)


def _code(value: str | None) -> str | None:
    return require_code(value) if value and value.strip() else None


def get(session: Session, context: Context, outsourcee_id: uuid.UUID) -> Outsourcee:
    authorize(session, context, Permission.PARTNER_READ)
    row = session.get(Outsourcee, outsourcee_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise PartnerNotFound()
    return row


def _managed(session: Session, context: Context, outsourcee_id: uuid.UUID) -> Outsourcee:
    authorize(session, context, Permission.PARTNER_MANAGE)
    return get(session, context, outsourcee_id)


def _record(
    session: Session, context: Context, action: AuditAction, row: Outsourcee, **details: object
) -> None:
    audit.record(
        session, context, action,
        details={"outsourcee_id": str(row.id), "organisation_code": row.organisation_code,
                 **details},
    )  # fmt: skip


def register(
    session: Session,
    context: Context,
    *,
    name: str,
    affair_codes: Sequence[str],
    organisation_code: str | None = None,
    country: str = "JP",
    spi_file_ids: Sequence[uuid.UUID] = (),
    note: str | None = None,
) -> Outsourcee:
    """A new 委託先, to be selected (事業者編 第4-2-(1) 1B ①委託先の適切な選定)."""
    authorize(session, context, Permission.PARTNER_MANAGE)
    row = Outsourcee(
        organisation_id=context.organisation_id,
        name=_text(name, "委託先の名称", "outsourcee's name", required=True),
        organisation_code=_code(organisation_code),
        country=country_code(country),
        state=S.SELECTING.value,
        affair_codes=_affairs(session, context, affair_codes),
        spi_file_ids=_files(session, context, spi_file_ids),
        note=_text(note, "備考", "note"),
        selection={},
        clauses={},
        created_by=context.actor_id,
    )
    session.add(row)
    session.flush()
    _record(session, context, AuditAction.PARTNER_CREATE, row, affairs=row.affair_codes)
    return row


def record_selection(
    session: Session, context: Context, outsourcee_id: uuid.UUID, *,
    checked: Sequence[str], note: str | None = None,
) -> Outsourcee:  # fmt: skip
    """Tick the selection items checked; the 委託先 is selected when all are ticked."""
    row = _managed(session, context, outsourcee_id)
    if row.parent_id is not None or row.state != S.SELECTING.value:
        raise WrongState()
    unknown = set(checked) - checklists.SELECTION_KEYS
    if unknown:
        raise InvalidPartner(
            f"不明な確認事項: {sorted(unknown)}", f"unknown items: {sorted(unknown)}"
        )
    row.selection = {k: k in checked for k, _, _ in checklists.SELECTION}
    row.selection_note = _text(note, "選定の所見", "selection note")
    complete = all(row.selection.values())
    row.selected_by = context.actor_id if complete else None
    row.selected_at = utcnow() if complete else None
    session.flush()
    _record(
        session, context, AuditAction.PARTNER_SELECT, row,
        checked=sorted(k for k, v in row.selection.items() if v), complete=complete,
    )  # fmt: skip
    return row


def selection_complete(row: Outsourcee) -> bool:
    return row.selected_at is not None


def missing_clauses(clauses: dict[str, bool]) -> list[str]:
    return [k for k, _, _ in checklists.REQUIRED_CLAUSES if not clauses.get(k)]


def _sealed(
    session: Session,
    envelope: Envelope | None,
    context: Context,
    owner: tuple[str, uuid.UUID],
    upload: Upload | None,
) -> tuple[uuid.UUID | None, str | None]:
    """Store an uploaded file sealed (mnvault.attachments); its id and SHA-256."""
    if upload is None:
        return None, None
    if envelope is None:  # a caller without the keyring keeps only the file's hash
        return None, hashlib.sha256(upload.data).hexdigest()
    row = attachments.store(
        session,
        envelope,
        context,
        owner=owner[0],
        owner_id=owner[1],
        filename=upload.filename,
        data=upload.data,
        allowed=attachments.DOCUMENTS,
    )
    return row.id, row.sha256


def record_contract(
    session: Session,
    context: Context,
    outsourcee_id: uuid.UUID,
    *,
    clauses: Sequence[str],
    start: date,
    end: date | None = None,
    contract: Upload | None = None,
    envelope: Envelope | None = None,
) -> Outsourcee:
    """The contract (②安全管理措置に関する委託契約の締結): only for a selected 委託先, and
    only with every required clause ticked."""
    row = _managed(session, context, outsourcee_id)
    if row.parent_id is not None or row.state != S.SELECTING.value:
        raise WrongState()
    if not selection_complete(row):
        raise SelectionIncomplete()
    unknown = set(clauses) - checklists.CLAUSE_KEYS
    if unknown:
        raise InvalidPartner(
            f"不明な条項: {sorted(unknown)}", f"unknown clauses: {sorted(unknown)}"
        )
    ticked = {k: k in clauses for k, _, _ in checklists.CLAUSES}
    missing = missing_clauses(ticked)
    if missing:
        names_ja = "、".join(ja for k, ja, _ in checklists.REQUIRED_CLAUSES if k in missing)
        names_en = ", ".join(en for k, _, en in checklists.REQUIRED_CLAUSES if k in missing)
        raise ContractIncomplete(f"欠けている条項: {names_ja}", f"missing: {names_en}")
    if end is not None and end < start:
        raise InvalidPartner("契約の終了日が開始日より前です", "the contract ends before it starts")
    row.clauses, row.contract_start, row.contract_end = ticked, start, end
    if contract is not None:
        row.contract_attachment_id, row.contract_sha256 = _sealed(
            session, envelope, context, (CONTRACT, row.id), contract
        )
    row.state = S.CONTRACTED.value
    row.contracted_by, row.contracted_at = context.actor_id, utcnow()
    session.flush()
    _record(
        session, context, AuditAction.PARTNER_CONTRACT, row,
        clauses=sorted(k for k, v in ticked.items() if v), start=start.isoformat(),
        end=end.isoformat() if end else None, sha256=row.contract_sha256,
        attachment_id=str(row.contract_attachment_id) if row.contract_attachment_id else None,
    )  # fmt: skip
    return row


def record_supervision(
    session: Session,
    context: Context,
    outsourcee_id: uuid.UUID,
    *,
    kind: str,
    performed_on: date,
    summary: str,
    findings: str | None = None,
    next_due: date | None = None,
    report: Upload | None = None,
    envelope: Envelope | None = None,
) -> Supervision:
    """③取扱状況の把握: a report received under the contract, or an on-site check."""
    row = _managed(session, context, outsourcee_id)
    if row.state not in (S.CONTRACTED.value, S.APPROVED.value, S.ENDED.value):
        raise WrongState()
    if kind not in checklists.SUPERVISION_KEYS:
        raise InvalidPartner("監督の種類が不明です", "unknown kind of supervision")
    if performed_on > today():
        raise InvalidPartner("実施日が未来です", "the date is in the future")
    record = Supervision(
        organisation_id=context.organisation_id,
        outsourcee_id=row.id,
        kind=kind,
        performed_on=performed_on,
        summary=_text(summary, "概要", "summary", required=True),
        findings=_text(findings, "所見", "findings"),
        next_due=next_due,
        recorded_by=context.actor_id,
    )
    session.add(record)
    session.flush()
    record.attachment_id, record.file_sha256 = _sealed(
        session, envelope, context, (REPORT, record.id), report
    )
    _record(
        session, context, AuditAction.PARTNER_SUPERVISE, row, supervision_id=str(record.id),
        kind=kind, performed_on=performed_on.isoformat(), sha256=record.file_sha256,
    )  # fmt: skip
    return record


def request_subcontract(
    session: Session,
    context: Context,
    parent_id: uuid.UUID,
    *,
    name: str,
    affair_codes: Sequence[str],
    organisation_code: str | None = None,
    country: str = "JP",
    note: str | None = None,
) -> Outsourcee:
    """Record a 委託先's request to sub-outsource (番号法第10条第1項). It gives nothing until
    the client approves; a 再委託先's own further 再委託 needs the same client's approval
    (第10条第2項, 事業者編 第4-2-(1) 2B), so a request may name a 再委託先 as its parent."""
    parent = _managed(session, context, parent_id)
    if not is_current(session, parent):
        raise WrongState(
            "現在有効な委託（又は許諾済みの再委託）にだけ再委託を依頼できます",
            "only a current outsourcing (or approved sub-outsourcing) can sub-outsource",
        )
    affairs = _affairs(session, context, affair_codes)
    if not set(affairs) <= set(parent.affair_codes):
        raise InvalidPartner(
            "再委託できるのは委託した事務の範囲内だけです",
            "only affairs outsourced to the 委託先 can be sub-outsourced",
        )
    row = Outsourcee(
        organisation_id=context.organisation_id,
        parent_id=parent.id,
        name=_text(name, "再委託先の名称", "sub-outsourcee's name", required=True),
        organisation_code=_code(organisation_code),
        country=country_code(country),
        state=S.REQUESTED.value,
        affair_codes=affairs,
        spi_file_ids=list(parent.spi_file_ids),
        note=_text(note, "備考", "note"),
        selection={},
        clauses={},
        requested_by=context.actor_id,
        requested_at=utcnow(),
        created_by=context.actor_id,
    )
    session.add(row)
    session.flush()
    _record(
        session, context, AuditAction.PARTNER_SUBCONTRACT_REQUEST, row,
        parent_id=str(parent.id), affairs=affairs,
    )  # fmt: skip
    return row


def decide_subcontract(
    session: Session, context: Context, outsourcee_id: uuid.UUID, *, approve: bool
) -> Outsourcee:
    """The client's (委託元's) 許諾, or its refusal."""
    row = _managed(session, context, outsourcee_id)
    if row.parent_id is None or row.state != S.REQUESTED.value:
        raise WrongState()
    row.state = (S.APPROVED if approve else S.REFUSED).value
    row.decided_by, row.decided_at = context.actor_id, utcnow()
    session.flush()
    action = (
        AuditAction.PARTNER_SUBCONTRACT_APPROVE
        if approve
        else AuditAction.PARTNER_SUBCONTRACT_REFUSE
    )
    _record(session, context, action, row)
    return row


def _children(session: Session, row: Outsourcee) -> list[Outsourcee]:
    return list(session.scalars(select(Outsourcee).where(Outsourcee.parent_id == row.id)))


def end(session: Session, context: Context, outsourcee_id: uuid.UUID, *, reason: str) -> Outsourcee:
    """End a 委託 (or a 再委託): its 再委託 end with it, the outside members it covered lose
    what nothing else covers, and the return or disposal of the SPI is due."""
    row = _managed(session, context, outsourcee_id)
    if row.ended_at is not None or row.state in (S.REFUSED.value,):
        raise WrongState()
    reason_text = _text(reason, "終了の理由", "reason for the end", required=True)
    now = utcnow()
    ended = []
    stack = [row]
    while stack:
        current = stack.pop()
        if current.ended_at is not None:
            continue
        current.ended_at, current.ended_by, current.end_reason = now, context.actor_id, reason_text
        was = current.state
        current.state = S.ENDED.value
        session.flush()
        ended.append((current, was))
        stack.extend(_children(session, current))
    for current, was in ended:
        withdrawn = (
            withdraw_uncovered(session, context, current.organisation_code)
            if current.organisation_code
            else []
        )
        _record(
            session, context, AuditAction.PARTNER_END, current, was=was,
            withdrawn_users=withdrawn, with_parent=current.id != row.id,
        )  # fmt: skip
    return row


RETURN_HOWS = (("returned", "返却", "returned"), ("disposed", "廃棄", "disposed of"))


def record_return(
    session: Session,
    context: Context,
    outsourcee_id: uuid.UUID,
    *,
    how: str,
    note: str | None = None,
    certificate: Upload | None = None,
    envelope: Envelope | None = None,
) -> Outsourcee:
    """契約終了後の特定個人情報の返却又は廃棄, confirmed (closes the follow-up)."""
    row = _managed(session, context, outsourcee_id)
    if row.ended_at is None or row.returned_at is not None:
        raise WrongState()
    if how not in {h for h, _, _ in RETURN_HOWS}:
        raise InvalidPartner("返却か廃棄かを選んでください", "choose returned or disposed")
    row.returned_how, row.returned_note = how, _text(note, "確認の内容", "note")
    row.returned_attachment_id, row.returned_sha256 = _sealed(
        session, envelope, context, (RETURN, row.id), certificate
    )
    row.returned_by, row.returned_at = context.actor_id, utcnow()
    session.flush()
    _record(session, context, AuditAction.PARTNER_RETURN, row, how=how, sha256=row.returned_sha256)
    return row


def listing(session: Session, context: Context) -> list[Outsourcee]:
    authorize(session, context, Permission.PARTNER_READ)
    return list(
        session.scalars(
            select(Outsourcee)
            .where(Outsourcee.organisation_id == context.organisation_id)
            .order_by(Outsourcee.created_at)
        )
    )


def supervisions(session: Session, context: Context, outsourcee_id: uuid.UUID) -> list[Supervision]:
    row = get(session, context, outsourcee_id)
    return list(
        session.scalars(
            select(Supervision)
            .where(Supervision.outsourcee_id == row.id)
            .order_by(Supervision.performed_on.desc())
        )
    )


def next_supervision_due(session: Session, row: Outsourcee) -> date | None:
    """When the next report or check is due: the one set, else a year after the last (or
    after the contract began)."""
    last = session.scalars(
        select(Supervision)
        .where(Supervision.outsourcee_id == row.id)
        .order_by(Supervision.performed_on.desc())
    ).first()
    if last is not None and last.next_due is not None:
        return last.next_due
    base = last.performed_on if last is not None else row.contract_start
    if base is None:
        return None
    return date.fromordinal(base.toordinal() + SUPERVISION_DUE_DAYS)


def attention(session: Session, context: Context) -> list[Attention]:
    """What needs doing about outsourcees (for managers and administrators): selections and
    contracts pending, 再委託 awaiting the client's decision, supervision due, contracts
    past their end date, and the return or disposal after an end."""
    rows = listing(session, context)
    on = today()
    out: list[Attention] = []
    for row in rows:
        link = f"/partners/{row.id}"
        if row.state == S.SELECTING.value:
            out.append(Attention(f"委託先の選定・契約が未了: {row.name}",
                                 f"outsourcee not yet selected/contracted: {row.name}",
                                 None, link, False))  # fmt: skip
        elif row.state == S.REQUESTED.value:
            out.append(Attention(f"再委託の許諾の判断待ち: {row.name}",
                                 f"sub-outsourcing awaits your decision: {row.name}",
                                 None, link, False))  # fmt: skip
        elif row.ended_at is not None and row.returned_at is None:
            due = row.ended_at.date()
            out.append(Attention(f"委託終了後の返却・廃棄の確認: {row.name}",
                                 f"confirm the return or disposal after the end: {row.name}",
                                 due, link, True))  # fmt: skip
        elif row.state == S.CONTRACTED.value:
            if row.contract_end is not None and row.contract_end < on:
                out.append(Attention(f"契約期間が終了しています（終了の記録を）: {row.name}",
                                     f"the contract's term has passed (record the end): {row.name}",
                                     row.contract_end, link, True))  # fmt: skip
            due_on = next_supervision_due(session, row)
            if due_on is not None and due_on <= on:
                out.append(Attention(f"委託先の取扱状況の把握（報告・実地調査）: {row.name}",
                                     f"supervision due (report or on-site check): {row.name}",
                                     due_on, link, due_on < on))  # fmt: skip
    return out


def current(session: Session, row: Outsourcee) -> bool:
    return is_current(session, row)


def local_date(value: datetime | None) -> str:
    return value.date().isoformat() if value is not None else ""


def open_file(
    session: Session, envelope: Envelope, context: Context, attachment_id: uuid.UUID
) -> tuple[str, str, bytes]:
    """A contract, report or certificate of this organisation's register: its name, media
    type and content. It holds no number by the contract's own terms; read access is
    partner:read."""
    authorize(session, context, Permission.PARTNER_READ)
    try:
        row, data = attachments.open(
            session, envelope, context, attachment_id, owner=(CONTRACT, REPORT, RETURN)
        )
    except AttachmentNotFound:
        raise PartnerNotFound() from None
    return row.filename, row.media_type, data


@dataclass(frozen=True)
class AffairChoice:
    code: str
    name_ja: str
    name_en: str


def affair_choices(session: Session, context: Context) -> list[AffairChoice]:
    """The affairs one may outsource."""
    authorize(session, context, Permission.PARTNER_READ)
    return [
        AffairChoice(a.code, a.name_ja, a.name_en)
        for a in list_affairs(session, context.organisation_id)
    ]


def children(session: Session, context: Context, outsourcee_id: uuid.UUID) -> list[Outsourcee]:
    """The 再委託 requested under a 委託先 (or under a 再委託先)."""
    row = get(session, context, outsourcee_id)
    return _children(session, row)

"""The SPI file register (特定個人情報ファイル台帳), completed (issue #16).

事業者編 別添1 2C c 取扱状況を確認する手段の整備 (手法の例示: 種類・名称, 責任者・取扱部署,
利用目的, 削除・廃棄状況, アクセス権を有する者) and 行政機関等編 別添1 2C c (名称, 組織の名称,
利用目的, 記録される項目及び本人の範囲, 収集方法). The access-right holders are computed live
from the assignments and the disposal status from the disposal records, never typed; the
register holds no number (「取扱状況を確認するための記録等には、特定個人情報等は記載しない」).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault import local_time
from mnvault.access.context import Context
from mnvault.access.models import Assignment, Membership, User
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.affairs.models import Affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.disposal.models import BatchState, DisposalBatch, DisposalBatchPerson, MemberState
from mnvault.orgs.models import Department
from mnvault.partners.errors import InvalidPartner, PartnerNotFound
from mnvault.spreadsheet import neutralise
from mnvault.vault.freetext import optional_without_number, without_number
from mnvault.vault.models import SpiFile

KINDS = (("electronic", "電子", "electronic"), ("paper", "紙", "paper"))


@dataclass(frozen=True)
class Holder:
    user_id: uuid.UUID
    display_name: str
    affair_code: str


@dataclass(frozen=True)
class Disposal:
    disposed: int  # persons whose numbers were disposed of for the file's affairs
    pending: int  # persons in batches planned or confirmed, not yet run
    last_at: datetime | None


@dataclass(frozen=True)
class Entry:
    id: uuid.UUID
    kind: str
    form: str | None
    name: str
    purpose: str
    affair_codes: tuple[str, ...]
    responsible: str | None
    department: str | None
    items: tuple[str, ...]
    person_range: str | None
    collection_method: str | None
    holders: tuple[Holder, ...]
    disposal: Disposal


def _file(session: Session, context: Context, spi_file_id: uuid.UUID) -> SpiFile:
    row = session.get(SpiFile, spi_file_id)
    if row is None or row.organisation_id != context.organisation_id:
        raise PartnerNotFound("特定個人情報ファイル", "SPI file")
    return row


def describe(
    session: Session,
    context: Context,
    spi_file_id: uuid.UUID,
    *,
    kind: str,
    form: str | None,
    items: Sequence[str],
    person_range: str | None,
    collection_method: str | None,
    responsible_user_id: uuid.UUID | None,
    department_id: uuid.UUID | None,
) -> SpiFile:
    """Complete a file's entry. The responsible person is chosen among the organisation's
    members (not the administrator registering it by default)."""
    authorize(session, context, Permission.SPI_FILE_MANAGE)
    row = _file(session, context, spi_file_id)
    if kind not in {k for k, _, _ in KINDS}:
        raise InvalidPartner("種類は電子か紙です", "the kind is electronic or paper")
    if responsible_user_id is not None and not session.scalar(
        select(Membership.id).where(
            Membership.user_id == responsible_user_id,
            Membership.organisation_id == context.organisation_id,
        )
    ):
        raise InvalidPartner("責任者はこの組織の利用者から選んでください",
                             "choose the responsible person among the members")  # fmt: skip
    if department_id is not None:
        department = session.get(Department, department_id)
        if department is None or department.organisation_id != context.organisation_id:
            raise PartnerNotFound("部署", "department")
    cleaned = [without_number(i.strip(), "記録項目", "item") for i in items if i.strip()]
    row.kind = kind
    row.form = optional_without_number((form or "").strip() or None, "形態", "form")
    row.items = cleaned
    row.person_range = optional_without_number(
        (person_range or "").strip() or None, "本人の範囲", "range of persons"
    )
    row.collection_method = optional_without_number(
        (collection_method or "").strip() or None, "収集方法", "collection method"
    )
    row.responsible_user_id, row.department_id = responsible_user_id, department_id
    session.flush()
    audit.record(
        session, context, AuditAction.SPI_FILE_UPDATE, spi_file_id=row.id,
        details={"kind": kind, "items": len(cleaned),
                 "responsible_user_id": str(responsible_user_id) if responsible_user_id else None},
    )  # fmt: skip
    return row


@dataclass(frozen=True)
class Choice:
    id: uuid.UUID
    label: str


@dataclass(frozen=True)
class Choices:
    """Whom and which department a file's entry may name."""

    members: tuple[Choice, ...]
    departments: tuple[Choice, ...]


def choices(session: Session, context: Context) -> Choices:
    authorize(session, context, Permission.SPI_FILE_MANAGE)
    org = context.organisation_id
    members = session.execute(
        select(User.id, User.display_name)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == org, User.is_active.is_(True))
        .distinct()
        .order_by(User.display_name)
    ).all()
    departments = session.execute(
        select(Department.id, Department.name)
        .where(Department.organisation_id == org)
        .order_by(Department.code)
    ).all()
    return Choices(
        tuple(Choice(i, n) for i, n in members), tuple(Choice(i, n) for i, n in departments)
    )


def holders(session: Session, organisation_id: uuid.UUID, row: SpiFile) -> list[Holder]:
    """Who can reach the file now: assignments to one of its affairs whose scope names the
    file or no file at all, held by a user with a role here who is active."""
    found = session.execute(
        select(Assignment, Affair.code, User)
        .join(Affair, Affair.id == Assignment.affair_id)
        .join(User, User.id == Assignment.user_id)
        .where(
            Assignment.organisation_id == organisation_id,
            Affair.code.in_(row.affair_codes),
            User.is_active.is_(True),
        )
    ).all()
    members = set(
        session.scalars(
            select(Membership.user_id).where(Membership.organisation_id == organisation_id)
        )
    )
    out = [
        Holder(user.id, user.display_name, code)
        for assignment, code, user in found
        if user.id in members
        and (not assignment.spi_file_ids or str(row.id) in assignment.spi_file_ids)
    ]
    return sorted(out, key=lambda h: (h.display_name, h.affair_code))


def disposal(session: Session, organisation_id: uuid.UUID, row: SpiFile) -> Disposal:
    """From the disposal batches: persons disposed of, and pending, for the file's affairs."""
    affairs = set(row.affair_codes)
    found = session.execute(
        select(DisposalBatchPerson, DisposalBatch)
        .join(DisposalBatch, DisposalBatch.id == DisposalBatchPerson.batch_id)
        .where(DisposalBatch.organisation_id == organisation_id)
    ).all()
    disposed = pending = 0
    last: datetime | None = None
    for member, batch in found:
        if not affairs & set(member.affair_codes.split(",")):
            continue
        if member.state == MemberState.DISPOSED:
            disposed += 1
            if batch.executed_at is not None and (last is None or batch.executed_at > last):
                last = batch.executed_at
        elif batch.state in (BatchState.PLANNED, BatchState.CONFIRMED):
            pending += 1
    return Disposal(disposed, pending, last)


def register(session: Session, context: Context) -> list[Entry]:
    """Every file of the organisation, with its live holders and disposal status."""
    authorize(session, context, Permission.PARTNER_READ)
    org = context.organisation_id
    out = []
    for row in session.scalars(
        select(SpiFile).where(SpiFile.organisation_id == org).order_by(SpiFile.name)
    ):
        responsible = (
            session.get(User, row.responsible_user_id) if row.responsible_user_id else None
        )
        department = session.get(Department, row.department_id) if row.department_id else None
        out.append(
            Entry(
                id=row.id,
                kind=row.kind,
                form=row.form,
                name=row.name,
                purpose=row.purpose,
                affair_codes=tuple(row.affair_codes),
                responsible=responsible.display_name if responsible else None,
                department=department.name if department else None,
                items=tuple(row.items or ()),
                person_range=row.person_range,
                collection_method=row.collection_method,
                holders=tuple(holders(session, org, row)),
                disposal=disposal(session, org, row),
            )
        )
    return out


HEADER = [
    "種類 / kind", "形態 / form", "名称 / name", "利用目的 / purpose", "事務 / affairs",
    "責任者 / responsible", "取扱部署 / department", "記録項目 / items",
    "本人の範囲 / persons", "収集方法 / collection", "アクセス権を有する者 / access holders",
    "削除・廃棄済み / disposed", "削除・廃棄予定 / pending", "最終削除・廃棄 / last disposal",
]  # fmt: skip


def rows(entries: Sequence[Entry]) -> list[list[str]]:
    return [
        [
            e.kind,
            e.form or "",
            e.name,
            e.purpose,
            ", ".join(e.affair_codes),
            e.responsible or "",
            e.department or "",
            "、".join(e.items),
            e.person_range or "",
            e.collection_method or "",
            "; ".join(f"{h.display_name} ({h.affair_code})" for h in e.holders),
            str(e.disposal.disposed),
            str(e.disposal.pending),
            local_time.shown(e.disposal.last_at),  # the default zone: rows know no organisation
        ]
        for e in entries
    ]


def to_csv(entries: Sequence[Entry]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in rows(entries):
        writer.writerow([neutralise(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(entries: Sequence[Entry]) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 - only this format needs it

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("特定個人情報ファイル台帳")
    sheet.append(HEADER)
    for row in rows(entries):
        sheet.append([neutralise(cell) for cell in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

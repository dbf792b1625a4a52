"""The organisation's register of take-out recipients: 税理士, 給与計算の委託先, 市区町村…

Each has a name, a kind and an age public key. A manager (who approves take-outs) keeps
the register, every change audited; a clerk picks a name when requesting a take-out,
and the request copies the key, so a later removal does not change what was approved.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.db.base import utcnow
from mnvault.vault.errors import InvalidInput, NotFound
from mnvault.vault.freetext import without_number
from mnvault.vault.models import TakeOutRecipient, TakeOutRecipientKind
from mnvault.vault.takeout_file import age_recipient

KIND_LABELS = {
    TakeOutRecipientKind.TAX_ACCOUNTANT: ("税理士", "tax accountant"),
    TakeOutRecipientKind.PAYROLL_OUTSOURCER: ("給与計算の委託先", "payroll outsourcer"),
    TakeOutRecipientKind.MUNICIPALITY: ("市区町村", "municipality"),
    TakeOutRecipientKind.OTHER: ("その他", "other"),
}


def recipients(session: Session, context: Context) -> list[TakeOutRecipient]:
    """The registered recipients still in use, by name (their keys are public)."""
    authorize(session, context, Permission.AFFAIR_READ)
    return list(
        session.scalars(
            select(TakeOutRecipient)
            .where(
                TakeOutRecipient.organisation_id == context.organisation_id,
                TakeOutRecipient.removed_at.is_(None),
            )
            .order_by(TakeOutRecipient.name)
        )
    )


def add_recipient(
    session: Session, context: Context, *, name: str, kind: str, public_key: str
) -> TakeOutRecipient:
    """A manager registers a recipient; the key must be an age X25519 public key."""
    authorize(session, context, Permission.EXPORT_APPROVE)
    name = name.strip()
    if not name or len(name) > 200:
        raise InvalidInput(
            "受取人の名前は必須です（200文字まで）", "a name is required (200 characters at most)"
        )
    without_number(name, "受取人の名前", "recipient name")
    try:
        kind_code = TakeOutRecipientKind(kind)
    except ValueError:
        raise InvalidInput("受取人の種別が正しくありません", "invalid recipient kind") from None
    key = public_key.strip()
    age_recipient(key)  # refuses a malformed key with a bilingual message
    entry = TakeOutRecipient(
        organisation_id=context.organisation_id, name=name, kind=kind_code.value,
        public_key=key, created_by=context.actor_id,
    )  # fmt: skip
    session.add(entry)
    session.flush()
    audit.record(
        session, context, AuditAction.TAKEOUT_RECIPIENT_ADD,
        details={"recipient_id": str(entry.id), "kind": entry.kind, "name": entry.name},
    )  # fmt: skip
    return entry


def remove_recipient(session: Session, context: Context, recipient_id: uuid.UUID) -> None:
    """A manager retires a recipient: no new request names it; past requests keep the key."""
    authorize(session, context, Permission.EXPORT_APPROVE)
    entry = usable(session, context, recipient_id)
    entry.removed_at = utcnow()
    entry.removed_by = context.actor_id
    audit.record(
        session, context, AuditAction.TAKEOUT_RECIPIENT_REMOVE,
        details={"recipient_id": str(entry.id)},
    )  # fmt: skip


def usable(session: Session, context: Context, recipient_id: uuid.UUID) -> TakeOutRecipient:
    entry = session.get(TakeOutRecipient, recipient_id)
    if (
        entry is None
        or entry.organisation_id != context.organisation_id
        or entry.removed_at is not None
    ):
        raise NotFound(f"登録済みの受取人 {recipient_id}", f"registered recipient {recipient_id}")
    return entry

"""Withdrawing one affair from a person's number, when it was acquired for it by mistake.

A number may be kept only for the affairs it is needed for (事業者編 第4-3-(3)B 保管制限と
廃棄) and used only within the purpose specified (第4-1-(1) 1 B 利用目的を超えた利用の禁止).
A number acquired for an affair the person never had is therefore withdrawn from that
affair while another still needs it. Two cases are not this service's:

- the last affair: the number is then not needed at all, and the answer is disposal
  (mnvault.disposal.batches.plan, with ``never_needed``);
- an affair the vault recorded the number leaving for (a provision, a take-out): the
  document filed carries it, and its statutory retention applies.

Once withdrawn, the affair no longer authorizes a use (services.use checks the affairs
held) and no longer holds the number back from its due date (disposal.due_sql reads
the same rows).
"""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import decide, person_resource
from mnvault.affairs.models import Affair
from mnvault.affairs.services import get_affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.audit.models import AuditEntry
from mnvault.numbers import redact
from mnvault.vault.errors import (
    AffairRetained,
    InvalidInput,
    LastAffair,
    NotHeld,
    PurposeMismatch,
)
from mnvault.vault.freetext import without_number
from mnvault.vault.models import (
    NumberRecord,
    NumberRecordAffair,
    Person,
    Provision,
    ProvisionPerson,
)
from mnvault.vault.services import _authorized_person

# Withdrawing an affair disposes of the number for that affair: the manager's duty that
# plans a disposal (policy table MANAGER_DUTIES), not a clerk's number work.
PERMISSION = Permission.DISPOSAL_RUN
REASON_MAX = 1000


def withdraw_affair(
    session: Session,
    context: Context,
    *,
    person_id: uuid.UUID,
    affair_code: str,
    reason: str,
) -> list[str]:
    """Remove ``affair_code`` from the affairs the number is held for; returns those left."""
    _authorized_person(session, context, PERMISSION, person_id)
    reason = reason.strip()
    if not reason:
        raise InvalidInput("取下げの理由は必須です", "a reason is required")
    without_number(reason, "取下げの理由", "reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            f"取下げの理由は{REASON_MAX}文字までです", f"a reason may be {REASON_MAX} characters"
        )
    if session.get(NumberRecord, person_id) is None:
        raise NotHeld()
    affair = get_affair(session, context.organisation_id, affair_code)
    held = session.get(NumberRecordAffair, (person_id, affair.id))
    if held is None:
        raise PurposeMismatch(affair_code, affair_code)
    if _affair_count(session, person_id) <= 1:
        raise LastAffair(affair_code, affair_code)
    if left_the_vault(session, person_id, affair):
        raise AffairRetained(affair_code, affair_code)
    session.delete(held)
    session.flush()
    remaining = _affair_codes(session, person_id)
    audit.record(
        session,
        context,
        AuditAction.NUMBER_WITHDRAW_AFFAIR,
        person_id=person_id,
        affair_code=affair_code,
        # A reason is typed by hand: a number typed into it never reaches the trail.
        details={"affair": affair_code, "reason": redact(reason), "remaining": remaining},
    )
    return remaining


def may_withdraw(session: Session, context: Context, person: Person) -> bool:
    """Whether to offer the form: an answer, not an attempt (nothing audited)."""
    return decide(session, context, PERMISSION, person_resource(person)).allowed


def _affair_count(session: Session, person_id: uuid.UUID) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(NumberRecordAffair)
            .where(NumberRecordAffair.person_id == person_id)
        )
        or 0
    )


def _affair_codes(session: Session, person_id: uuid.UUID) -> list[str]:
    return list(
        session.scalars(
            select(Affair.code)
            .join(NumberRecordAffair, NumberRecordAffair.affair_id == Affair.id)
            .where(NumberRecordAffair.person_id == person_id)
            .order_by(Affair.code)
        )
    )


def left_the_vault(session: Session, person_id: uuid.UUID, affair: Affair | None = None) -> bool:
    """Whether a provision (番号法第19条) or a take-out, for ``affair`` or for any affair,
    put the number on a document the law may require to be kept."""
    provision = select(ProvisionPerson.person_id).where(ProvisionPerson.person_id == person_id)
    export = select(AuditEntry.seq).where(
        AuditEntry.person_id == person_id,
        AuditEntry.action == str(AuditAction.EXPORT_CREATE),
        AuditEntry.outcome == str(Outcome.OK),
    )
    if affair is not None:
        provision = provision.join(Provision, Provision.id == ProvisionPerson.provision_id).where(
            Provision.affair_id == affair.id
        )
        export = export.where(AuditEntry.affair_code == affair.code)
    return (
        session.scalar(provision.limit(1)) is not None
        or session.scalar(export.limit(1)) is not None
    )

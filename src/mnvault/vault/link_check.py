"""The second check of a number linked to a person (紐付けの際の複数人による確認).

When the organisation requires it (orgs/linking.py; 事業者編 別添1 2B 手法の例示,
行政機関等編 別添1 2B 手法の例示 and 2C a), a number acquired, imported or corrected waits
("awaiting second check") until a different user confirms that the number and the person
go together: someone who may acquire numbers for one of the affairs it is held for (a second
clerk, or the manager — 「責任者による最終確認を含む」). Until then it is neither provided
(第19条) nor exported. The confirmation is audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, decide, organisation_resource, roles_of
from mnvault.affairs.models import Affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.db.base import utcnow
from mnvault.orgs import linking
from mnvault.vault.errors import (
    AwaitingLinkCheck,
    NoLinkCheckPending,
    NotFound,
    NotHeld,
    SelfLinkCheck,
)
from mnvault.vault.models import NumberCorrection, NumberRecord, NumberRecordAffair, Person


def mark(record: NumberRecord, session: Session) -> None:
    """After an acquisition or a correction: wait for the check if the organisation asks."""
    if linking.required(session, record.organisation_id):
        record.link_pending = True
        record.link_checked_by = record.link_checked_at = None


def mark_imported(
    session: Session, organisation_id: uuid.UUID, person_ids: Iterable[uuid.UUID | bytes]
) -> None:
    """The rows an import just inserted (the import writes them without the ORM)."""
    ids = [uuid.UUID(bytes=bytes(p)) if isinstance(p, bytes | memoryview) else p
           for p in person_ids]  # fmt: skip
    if ids and linking.required(session, organisation_id):
        session.execute(
            update(NumberRecord)
            .where(NumberRecord.person_id.in_(ids))
            .values(link_pending=True)
            .execution_options(synchronize_session=False)
        )


def refuse_pending(session: Session, person_ids: Sequence[uuid.UUID]) -> None:
    """Provision and export refuse a number still awaiting its check (ids only in the error)."""
    if not person_ids:
        return
    waiting = session.scalar(
        select(func.count())
        .select_from(NumberRecord)
        .where(NumberRecord.person_id.in_(list(person_ids)), NumberRecord.link_pending.is_(True))
    )
    if waiting:
        raise AwaitingLinkCheck(f"{waiting}件", f"{waiting} numbers")


def _linked_by(session: Session, record: NumberRecord) -> uuid.UUID:
    """Who made the link being checked: the last corrector, else the acquirer."""
    corrector = session.scalar(
        select(NumberCorrection.corrected_by)
        .where(NumberCorrection.person_id == record.person_id)
        .order_by(NumberCorrection.corrected_at.desc())
        .limit(1)
    )
    return corrector or record.acquired_by


def confirm(session: Session, context: Context, *, person_id: uuid.UUID) -> NumberRecord:
    """A second person confirms the link (audited). The context names the affair under
    which the confirmer acts; the number must be held for it."""
    from mnvault.vault.services import authorize_within_reach  # noqa: PLC0415 - it imports us

    person = session.get(Person, person_id)
    if person is None or person.organisation_id != context.organisation_id:
        authorize(session, context, Permission.NUMBER_ACQUIRE, organisation_resource(context))
        raise NotFound(f"対象者 {person_id}", f"person {person_id}")
    authorize_within_reach(session, context, Permission.NUMBER_ACQUIRE, person)
    record = session.get(NumberRecord, person_id)
    if record is None:
        raise NotHeld()
    held = session.scalar(
        select(func.count())
        .select_from(NumberRecordAffair)
        .join(Affair, Affair.id == NumberRecordAffair.affair_id)
        .where(NumberRecordAffair.person_id == person_id, Affair.code == context.affair_code)
    )
    if not held:
        raise NotFound(f"事務 {context.affair_code}", f"affair {context.affair_code}")
    if not record.link_pending:
        raise NoLinkCheckPending()
    if _linked_by(session, record) == context.actor_id:
        raise SelfLinkCheck()
    record.link_pending = False
    record.link_checked_by, record.link_checked_at = context.actor_id, utcnow()
    session.flush()
    audit.record(session, context, AuditAction.NUMBER_LINK_CHECK, person_id=person_id)
    return record


def awaiting(session: Session, organisation_id: uuid.UUID) -> int:
    """How many numbers of the organisation await a check (no authorization: a count)."""
    return (
        session.scalar(
            select(func.count())
            .select_from(NumberRecord)
            .where(
                NumberRecord.organisation_id == organisation_id,
                NumberRecord.link_pending.is_(True),
            )
        )
        or 0
    )


@dataclass(frozen=True)
class Attention:
    """For the dashboard (the lead wires it): numbers awaiting their second check."""

    title_ja: str
    title_en: str
    due: date | None
    link: str
    overdue: bool


def attention(session: Session, context: Context) -> list[Attention]:
    """Clerks and managers: how many numbers await a check (a count, never a number)."""
    resource = organisation_resource(context)
    if not decide(session, context, Permission.PERSON_READ, resource).allowed:
        if not roles_of(session, context.actor_id, context.organisation_id):
            # No role here at all: refused (and audited) like every other service.
            authorize(session, context, Permission.PERSON_READ, resource)
        return []  # a clerk with no assignment yet: nothing to check, not a refused board
    waiting = awaiting(session, context.organisation_id)
    if not waiting:
        return []
    return [
        Attention(
            f"紐付けの確認待ちの個人番号が{waiting}件あります（確認まで提供・持出し不可）",
            f"{waiting} numbers await a second check of their link (not provided or exported "
            "until then)",
            None, "/persons", False,
        )
    ]  # fmt: skip

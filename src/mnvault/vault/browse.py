"""Reading persons for the screens: search and filter a clerk's persons, a person's
history. Read-only; what a person may see is decided by ``visible_persons`` and
``summarise_person`` (which authorize), so nothing here widens anyone's view. What
belongs to one person takes the ``PersonSummary`` that ``summarise_person`` returned,
not an id: only a caller who was authorized (and audited) to read the person holds one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Select, desc, func, or_, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import User
from mnvault.access.permissions import Permission
from mnvault.access.services import (
    authorize,
    organisation_resource,
    person_resource,
    visible_persons,
)
from mnvault.affairs.models import Affair
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.audit.models import AuditEntry
from mnvault.audit.period import zone_of
from mnvault.db.base import utcnow
from mnvault.orgs.models import Department
from mnvault.vault.errors import NotFound
from mnvault.vault.models import (
    LifeStatus,
    NumberCorrection,
    NumberRecord,
    NumberRecordAffair,
    Person,
    PersonKind,
    Provision,
    ProvisionPerson,
    VerificationDocument,
)
from mnvault.vault.services import PersonSummary

PAGE = 50
HISTORY = 50


@dataclass(frozen=True)
class Filters:
    text: str = ""
    kind: str = ""
    department_id: uuid.UUID | None = None
    offset: int = 0
    status: str = ""  # a key of labels.PERSON_STATUSES, or "" for all
    size: int = 0  # rows per page; 0 for PAGE


@dataclass(frozen=True)
class Row:
    person: Person
    number_held: bool
    department: str | None
    acquired_for: tuple[str, ...] = ()
    # The day a disposal batch destroyed the number (廃棄済み), in the organisation's zone.
    disposed_on: date | None = None


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    total: int
    offset: int
    size: int = PAGE


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search(session: Session, context: Context, filters: Filters) -> Page:
    """Persons this actor may read, by name or external id, kind and department."""
    where = [visible_persons(session, context, Permission.PERSON_READ)]
    text = filters.text.strip()
    if text:
        pattern = _like(text.lower())
        where.append(
            or_(
                func.lower(Person.name).like(pattern, escape="\\"),
                func.lower(Person.external_ref).like(pattern, escape="\\"),
            )
        )
    if filters.kind:
        where.append(Person.kind == filters.kind)
    if filters.department_id:
        where.append(Person.department_id == filters.department_id)
    held = select(NumberRecord.person_id)
    if filters.status == "held":
        where.append(Person.id.in_(held))
    elif filters.status == "awaiting":
        where.append(Person.id.not_in(held))
    elif filters.status == "ended":
        # Ended by today: a retirement recorded ahead of its day is not an end yet.
        where.append(Person.relationship_end <= today_of(session, context))
    elif filters.status == "deceased":
        where.append(Person.life_status == LifeStatus.DECEASED.value)
    total = session.scalar(select(func.count()).select_from(Person).where(*where)) or 0
    offset = min(max(filters.offset, 0), 2**62)
    size = min(max(filters.size, 1), 500) if filters.size else PAGE
    rows = session.execute(
        select(Person, NumberRecord.person_id, Department.name)
        .outerjoin(NumberRecord, NumberRecord.person_id == Person.id)
        .outerjoin(Department, Department.id == Person.department_id)
        .where(*where)
        .order_by(Person.external_ref)
        .offset(offset)
        .limit(size)
    ).all()
    acquired = _acquired_for(session, [person.id for person, held, _ in rows if held is not None])
    gone = disposed_on(session, context, [person.id for person, held, _ in rows if held is None])
    return Page(
        [
            Row(person, held is not None, dept, acquired.get(person.id, ()), gone.get(person.id))
            for person, held, dept in rows
        ],
        int(total),
        offset,
        size,
    )


def _acquired_for(
    session: Session, person_ids: list[uuid.UUID]
) -> dict[uuid.UUID, tuple[str, ...]]:
    """The affairs each held number was acquired for, as a person's details say them."""
    if not person_ids:
        return {}
    found: dict[uuid.UUID, list[str]] = {}
    for person_id, code in session.execute(
        select(NumberRecordAffair.person_id, Affair.code)
        .join(Affair, Affair.id == NumberRecordAffair.affair_id)
        .where(NumberRecordAffair.person_id.in_(person_ids))
        .order_by(Affair.code)
    ):
        found.setdefault(person_id, []).append(code)
    return {person_id: tuple(codes) for person_id, codes in found.items()}


def departments(session: Session, context: Context) -> list[Department]:
    """The organisation's departments, for the persons filter: its readers only."""
    authorize(session, context, Permission.PERSON_READ, organisation_resource(context))
    return list(
        session.scalars(
            select(Department)
            .where(Department.organisation_id == context.organisation_id)
            .order_by(Department.code)
        )
    )


EMPLOYEE_CHOICES = 500


@dataclass(frozen=True)
class Choice:
    external_ref: str
    name: str


def employee_choices(
    session: Session, context: Context, *, limit: int = EMPLOYEE_CHOICES
) -> list[Choice]:
    """The employees this actor may read, still employed and alive, for a dependant's
    form to pick from: 社員番号等 and name, never a number."""
    where = [
        visible_persons(session, context, Permission.PERSON_READ),
        Person.kind == PersonKind.EMPLOYEE.value,
        Person.life_status != LifeStatus.DECEASED.value,
        or_(
            Person.relationship_end.is_(None), Person.relationship_end > today_of(session, context)
        ),
    ]
    rows = session.execute(
        select(Person.external_ref, Person.name)
        .where(*where)
        .order_by(Person.external_ref)
        .limit(limit)
    )
    return [Choice(ref, name) for ref, name in rows]


@dataclass(frozen=True)
class Event:
    occurred_at: datetime
    action: str
    outcome: str
    affair_code: str | None
    actor: str | None


@dataclass(frozen=True)
class Correction:
    corrected_at: datetime
    reason: str
    corrected_by: str | None


def history(session: Session, context: Context, person_id: uuid.UUID) -> list[Event]:
    """What was done with this person, newest first (the screen calls ``summarise_person``
    first, which audits the reading; this authorizes again so it is safe on its own)."""
    person = session.get(Person, person_id)
    if person is None or person.organisation_id != context.organisation_id:
        raise NotFound(f"対象者 {person_id}", f"person {person_id}")
    authorize(session, context, Permission.PERSON_READ, person_resource(person))
    rows = session.execute(
        select(AuditEntry, User.display_name)
        .outerjoin(User, User.id == AuditEntry.actor_id)
        .where(
            AuditEntry.organisation_id == context.organisation_id,
            AuditEntry.person_id == person_id,
            AuditEntry.action != "person:read",
        )
        .order_by(desc(AuditEntry.seq))
        .limit(HISTORY)
    )
    return [Event(e.occurred_at, e.action, e.outcome, e.affair_code, name) for e, name in rows]


def corrections(session: Session, summary: PersonSummary) -> list[Correction]:
    """Corrections of this person's number (reasons, not numbers)."""
    person_id = summary.person.id
    rows = session.execute(
        select(NumberCorrection, User.display_name)
        .outerjoin(User, User.id == NumberCorrection.corrected_by)
        .where(NumberCorrection.person_id == person_id)
        .order_by(desc(NumberCorrection.corrected_at))
    )
    return [Correction(c.corrected_at, c.reason, name) for c, name in rows]


@dataclass(frozen=True)
class Document:
    id: uuid.UUID
    check: str
    content_type: str
    size_bytes: int
    uploaded_at: datetime


def documents(session: Session, summary: PersonSummary) -> list[Document]:
    """What verification documents are kept (never their content)."""
    person_id = summary.person.id
    rows = session.scalars(
        select(VerificationDocument)
        .where(VerificationDocument.person_id == person_id)
        .order_by(VerificationDocument.uploaded_at)
    )
    return [Document(d.id, d.check, d.content_type, d.size_bytes, d.uploaded_at) for d in rows]


@dataclass(frozen=True)
class ProvisionRow:
    provided_at: datetime
    affair_code: str
    recipient_kind: str
    recipient_name: str
    legal_basis: str
    method: str
    provided_by: str | None
    # None on a row stored before the items of 番号法第19条 were a table: its free-text
    # legal_basis is shown as it was, marked as a legacy basis.
    article19_item: int | None = None
    consent_given_on: date | None = None
    consent_recipient: str | None = None
    consent_data: str | None = None
    item16_condition: str | None = None

    @property
    def legacy_basis(self) -> bool:
        return self.article19_item is None


def provisions(session: Session, summary: PersonSummary) -> list[ProvisionRow]:
    """Provisions (提供) that named this person, newest first."""
    person_id = summary.person.id
    rows = session.execute(
        select(Provision, Affair.code, User.display_name)
        .join(ProvisionPerson, ProvisionPerson.provision_id == Provision.id)
        .join(Affair, Affair.id == Provision.affair_id)
        .outerjoin(User, User.id == Provision.provided_by)
        .where(ProvisionPerson.person_id == person_id)
        .order_by(desc(Provision.provided_at))
    )
    return [
        ProvisionRow(p.provided_at, code, p.recipient_kind, p.recipient_name, p.legal_basis,
                     p.method, name, p.article19_item, p.consent_given_on, p.consent_recipient,
                     p.consent_data, p.item16_condition)
        for p, code, name in rows
    ]  # fmt: skip


def awaiting_verification(session: Session, context: Context, *, limit: int = 10) -> list[Person]:
    """Persons inside the actor's assignments whose number is not acquired yet: the
    clerk's to-do list (本人確認 and 取得, 番号法第16条). Oldest first, so no one waits
    forever behind newcomers. Not those whose relationship has ended, the deceased, nor
    those whose number a disposal destroyed: their number is no longer to be acquired
    (事業者編 第4-3-(3) 必要な限度を超えて取得しない; issue #18)."""
    scope = visible_persons(session, context)
    today = today_of(session, context)
    return list(
        session.scalars(
            select(Person)
            .outerjoin(NumberRecord, NumberRecord.person_id == Person.id)
            .where(
                scope,
                NumberRecord.person_id.is_(None),
                Person.life_status != LifeStatus.DECEASED.value,
                or_(Person.relationship_end.is_(None), Person.relationship_end > today),
                Person.id.not_in(_disposed(context.organisation_id)),
            )
            .order_by(Person.created_at, Person.external_ref)
            .limit(limit)
        )
    )


def today_of(session: Session, context: Context) -> date:
    """Today in the organisation's time zone (an end date is a local day)."""
    return utcnow().astimezone(zone_of(session, context.organisation_id)).date()


def _disposed(organisation_id: uuid.UUID) -> Select[uuid.UUID | None]:
    """Persons whose number a disposal destroyed: the trail's number:dispose entries (the
    disposal keeps no number and the vault no other mark of it)."""
    return select(AuditEntry.person_id).where(
        AuditEntry.organisation_id == organisation_id,
        AuditEntry.action == str(AuditAction.NUMBER_DISPOSE),
        AuditEntry.outcome == str(Outcome.OK),
        AuditEntry.person_id.is_not(None),
    )


def disposed_on(
    session: Session, context: Context, person_ids: list[uuid.UUID]
) -> dict[uuid.UUID, date]:
    """The local day each of these persons' numbers was disposed of, for those disposed
    (the caller has authorized reading them; without a number held)."""
    if not person_ids:
        return {}
    zone = zone_of(session, context.organisation_id)
    rows = session.execute(
        select(AuditEntry.person_id, func.max(AuditEntry.occurred_at))
        .where(
            AuditEntry.organisation_id == context.organisation_id,
            AuditEntry.action == str(AuditAction.NUMBER_DISPOSE),
            AuditEntry.outcome == str(Outcome.OK),
            AuditEntry.person_id.in_(person_ids),
        )
        .group_by(AuditEntry.person_id)
    )
    return {
        person_id: _aware(when).astimezone(zone).date()
        for person_id, when in rows
        if person_id is not None and when is not None
    }


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Relative:
    id: uuid.UUID
    external_ref: str
    name: str
    kind: str


@dataclass(frozen=True)
class HrRecord:
    """The HR facts a person's page shows beside the number: department, the employee a
    dependant belongs to, an employee's dependants (those the reader may read), and the
    day a disposal destroyed the number."""

    department: str | None
    employee: Relative | None
    dependants: list[Relative]
    disposed_on: date | None


def hr_record(session: Session, context: Context, summary: PersonSummary) -> HrRecord:
    person = summary.person
    department = session.get(Department, person.department_id) if person.department_id else None
    scope = visible_persons(session, context)

    def relative(row: Person) -> Relative:
        return Relative(row.id, row.external_ref, row.name, row.kind)

    employee = None
    if person.related_person_id is not None:
        found = session.scalar(select(Person).where(scope, Person.id == person.related_person_id))
        employee = relative(found) if found is not None else None
    dependants = [
        relative(row)
        for row in session.scalars(
            select(Person)
            .where(scope, Person.related_person_id == person.id)
            .order_by(Person.external_ref)
        )
    ]
    gone = None if summary.number_held else disposed_on(session, context, [person.id])
    return HrRecord(
        department.name if department else None, employee, dependants,
        gone.get(person.id) if gone else None,
    )  # fmt: skip

"""Disposal batches: plan, confirm, run (delete, record, rotate the KEK), cancel.

A run deletes each person's ciphertext, blind index and wrapped data key, records the
disposal without the number (事業者編 別添1 2E d 削除・廃棄の記録), and then rotates the
KEK, re-wraps the remaining keys and destroys the old version, so that backups taken
before the run cannot decrypt the disposed numbers either. A batch may be planned for a
chosen time (the end of a month or a fiscal year: 事業者編 第4-3-(3)B allows disposal at
such intervals), and a manager confirms it (required for small businesses).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import LargeBinary, case, delete, func, insert, literal, select, type_coerce, update
from sqlalchemy.orm import Session, sessionmaker

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource, person_resource
from mnvault.affairs.models import Affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.db.base import GUID, utcnow
from mnvault.db.bulk import Adapt, insert_rows
from mnvault.db.engine import unit_of_work
from mnvault.disposal import services as retention
from mnvault.disposal.due import RuleBook, keep_until, statutory_hold
from mnvault.disposal.due_sql import due_condition, due_person_ids
from mnvault.disposal.errors import (
    NeedsConfirmation,
    NotDue,
    NothingToDispose,
    NotYetScheduled,
    StatutoryRetention,
    WrongBatchState,
)
from mnvault.disposal.models import BatchState, DisposalBatch, DisposalBatchPerson, MemberState
from mnvault.keys import services as keys
from mnvault.vault.errors import InvalidInput, NotFound
from mnvault.vault.models import DataKey, NumberRecord, NumberRecordAffair, Person

AUDIT_CHUNK = 20_000
METHOD = (
    "crypto_erase: ciphertext, blind index and wrapped data key deleted; "
    "KEK rotated and the old version destroyed"
)


@dataclass(frozen=True, slots=True)
class Member:
    person_id: uuid.UUID
    affairs: tuple[str, ...]


def plan(
    session: Session,
    context: Context,
    *,
    today: date,
    reason: str,
    person_ids: Sequence[uuid.UUID] | None = None,
    scheduled_for: datetime | None = None,
    early_reason: str | None = None,
) -> DisposalBatch:
    """A batch of every number due by ``today``, or of the persons named.

    A named person whose number is not due needs ``early_reason``, and cannot be taken
    while the law requires the document to be kept."""
    authorize(session, context, Permission.DISPOSAL_RUN, organisation_resource(context))
    if not reason.strip():
        raise InvalidInput("廃棄の理由は必須です", "a reason is required")
    early = (early_reason or "").strip() or None
    named = (
        None
        if person_ids is None
        else _named(session, context, list(dict.fromkeys(person_ids)), today, early)
    )
    if named == []:
        raise NothingToDispose()
    required = retention.confirmation_required(session, context.organisation_id)
    batch = DisposalBatch(
        organisation_id=context.organisation_id,
        state=BatchState.PLANNED if required else BatchState.CONFIRMED,
        reason=reason.strip(),
        early_reason=early,
        method=METHOD,
        scheduled_for=scheduled_for,
        planned_by=context.actor_id,
        confirmation_required=required,
    )
    session.add(batch)
    session.flush()
    if named is None:
        book = retention.rule_book(session, context.organisation_id)
        batch.person_count = _insert_due(session, context, batch.id, book, today)
    else:
        _insert_members(session, batch.id, named)
        batch.person_count = len(named)
    if batch.person_count == 0:
        raise NothingToDispose()
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.DISPOSAL_PLAN,
        details={
            "batch_id": str(batch.id),
            "persons": batch.person_count,
            "scheduled_for": scheduled_for.isoformat() if scheduled_for else None,
            "early": early is not None,
        },
    )
    return batch


def _named(
    session: Session,
    context: Context,
    person_ids: list[uuid.UUID],
    today: date,
    early: str | None,
) -> list[Member]:
    for person_id in person_ids:
        person = session.get(Person, person_id)
        if person is None or person.organisation_id != context.organisation_id:
            raise NotFound(f"本人 {person_id}", f"person {person_id}")
        authorize(session, context, Permission.DISPOSAL_RUN, person_resource(person))
    book = retention.rule_book(session, context.organisation_id)
    law = retention.statutory_book()
    held = {
        h.person_id: h for h in retention.holdings(session, context.organisation_id, person_ids)
    }
    members = []
    for person_id in person_ids:
        holding = held.get(person_id)
        if holding is None:
            raise NothingToDispose(f"本人 {person_id}", f"person {person_id}")
        until = keep_until(holding.affairs, book, holding.facts)
        if until is None or until >= today:
            if early is None:
                raise NotDue(f"本人 {person_id}", f"person {person_id}")
            hold = statutory_hold(holding.affairs, law, holding.facts, today)
            if hold is not None:
                raise StatutoryRetention(f"{hold}まで", f"until {hold}")
        members.append(Member(person_id, holding.affairs))
    return members


def _insert_members(session: Session, batch_id: uuid.UUID, members: list[Member]) -> None:
    table = DisposalBatchPerson.__table__
    adapt = Adapt(session, table)  # type: ignore[arg-type]
    as_uuid = adapt.uuid()
    batch = as_uuid(batch_id)
    rows = [
        (batch, as_uuid(m.person_id), MemberState.PLANNED, ",".join(m.affairs)) for m in members
    ]
    insert_rows(session, table, ("batch_id", "person_id", "state", "affair_codes"), rows)  # type: ignore[arg-type]


def _insert_due(
    session: Session, context: Context, batch_id: uuid.UUID, book: RuleBook, today: date
) -> int:
    """Every due person straight from the database into the batch (INSERT … SELECT)."""
    due = select(
        literal(batch_id, GUID()),
        Person.id,
        literal(MemberState.PLANNED),
        func.aggregate_strings(Affair.code, ","),
    ).select_from(Person)
    due = (
        due.join(NumberRecordAffair, NumberRecordAffair.person_id == Person.id)
        .join(Affair, Affair.id == NumberRecordAffair.affair_id)
        .where(Person.organisation_id == context.organisation_id, due_condition(book, today))
        .group_by(Person.id)
    )
    session.execute(
        insert(DisposalBatchPerson).from_select(
            ["batch_id", "person_id", "state", "affair_codes"], due
        )
    )
    # Counted, not taken from rowcount: drivers differ on INSERT … SELECT.
    count = session.scalar(select(func.count()).where(DisposalBatchPerson.batch_id == batch_id))
    return int(count or 0)


def _batch(session: Session, context: Context, batch_id: uuid.UUID) -> DisposalBatch:
    batch = session.get(DisposalBatch, batch_id)
    if batch is None or batch.organisation_id != context.organisation_id:
        raise NotFound(f"廃棄バッチ {batch_id}", f"disposal batch {batch_id}")
    return batch


def confirm(session: Session, context: Context, *, batch_id: uuid.UUID) -> DisposalBatch:
    """責任者の確認 (別添1 2E d 中小規模事業者; seed 図表2-2 (5)④), recorded."""
    authorize(session, context, Permission.DISPOSAL_CONFIRM, organisation_resource(context))
    batch = _batch(session, context, batch_id)
    if batch.state != BatchState.PLANNED:
        raise WrongBatchState(batch.state, batch.state)
    batch.state = BatchState.CONFIRMED
    batch.confirmed_by, batch.confirmed_at = context.actor_id, utcnow()
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.DISPOSAL_CONFIRM,
        details={"batch_id": str(batch.id), "persons": batch.person_count},
    )
    return batch


def cancel(session: Session, context: Context, *, batch_id: uuid.UUID) -> DisposalBatch:
    authorize(session, context, Permission.DISPOSAL_RUN, organisation_resource(context))
    batch = _batch(session, context, batch_id)
    if batch.state not in {BatchState.PLANNED, BatchState.CONFIRMED}:
        raise WrongBatchState(batch.state, batch.state)
    batch.state = BatchState.CANCELLED
    session.flush()
    audit.record(session, context, AuditAction.DISPOSAL_CANCEL, details={"batch_id": str(batch.id)})
    return batch


def run(
    sessions: sessionmaker[Session],
    keyring: keys.RotatingKeyring,
    context: Context,
    *,
    batch_id: uuid.UUID,
    now: datetime | None = None,
    rotate: bool = True,
    progress: keys.Progress | None = None,
) -> DisposalBatch:
    """Delete the batch's numbers, then rotate the KEK; re-running finishes the rotation."""
    now = now or utcnow()
    with unit_of_work(sessions) as session:
        authorize(session, context, Permission.DISPOSAL_RUN, organisation_resource(context))
        batch = _batch(session, context, batch_id)
        if batch.state in {BatchState.PLANNED}:
            raise NeedsConfirmation()
        if batch.state in {BatchState.CANCELLED, BatchState.COMPLETED}:
            raise WrongBatchState(batch.state, batch.state)
        if batch.state == BatchState.CONFIRMED:
            if batch.scheduled_for is not None and now < batch.scheduled_for:
                raise NotYetScheduled(str(batch.scheduled_for), str(batch.scheduled_for))
            _delete(session, context, batch, now, keyring.current_kek_version)
        executed_at = batch.executed_at
    if not rotate:
        return batch
    result = keys.run_rotation(
        sessions,
        keyring,
        context,
        reason=f"disposal batch {batch_id}",
        not_before=executed_at,
        progress=progress,
    )
    with unit_of_work(sessions) as session:
        # Every batch run before this rotation began is now beyond every backup's reach.
        for done in session.scalars(
            select(DisposalBatch).where(
                DisposalBatch.state == BatchState.EXECUTED,
                DisposalBatch.executed_at <= result.started_at,
            )
        ):
            done.state = BatchState.COMPLETED
            done.rotation_completed_at = result.finished_at
            done.kek_versions_destroyed = result.destroyed_versions
        return _batch(session, context, batch_id)


def _delete(
    session: Session, context: Context, batch: DisposalBatch, now: datetime, kek_version: int
) -> None:
    members = (DisposalBatchPerson.batch_id == batch.id,)
    no_sync = {"synchronize_session": False}
    outcome: Any = MemberState.DISPOSED
    if batch.early_reason is None:
        # Re-checked at run time: a person rehired or given a new affair since the plan
        # still needs the number, and keeps it. One pass decides both outcomes.
        book = retention.rule_book(session, batch.organisation_id)
        still_due = due_person_ids(batch.organisation_id, book, now.date())
        outcome = case(
            (DisposalBatchPerson.person_id.in_(still_due), MemberState.DISPOSED),
            else_=MemberState.KEPT,
        )
    session.execute(
        update(DisposalBatchPerson)
        .where(*members, DisposalBatchPerson.state == MemberState.PLANNED)
        .values(state=outcome),
        execution_options=no_sync,
    )
    disposed = select(DisposalBatchPerson.person_id).where(
        *members, DisposalBatchPerson.state == MemberState.DISPOSED
    )
    for table in (NumberRecordAffair, NumberRecord, DataKey):
        session.execute(
            delete(table).where(table.person_id.in_(disposed.scalar_subquery())),
            execution_options=no_sync,
        )
    # Raw ids (16 bytes on SQLite): a million UUID objects would cost seconds.
    ids = list(
        session.scalars(
            select(type_coerce(DisposalBatchPerson.person_id, LargeBinary)).where(
                *members, DisposalBatchPerson.state == MemberState.DISPOSED
            )
        )
    )
    for start in range(0, len(ids), AUDIT_CHUNK):  # bounded memory, one transaction
        audit.record_many(
            session,
            context,
            AuditAction.NUMBER_DISPOSE,
            ids[start : start + AUDIT_CHUNK],
            details={"batch_id": str(batch.id)},
        )
    batch.state = BatchState.EXECUTED
    # The real time, not the scheduling clock: the rotation that follows must start
    # after it for the completion to count.
    batch.executed_by, batch.executed_at = context.actor_id, utcnow()
    batch.disposed_count = len(ids)
    batch.kek_version_at_disposal = kek_version
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.DISPOSAL_EXECUTE,
        details={"batch_id": str(batch.id), "disposed": len(ids)},
    )


def members_of(
    session: Session, context: Context, *, batch_id: uuid.UUID
) -> tuple[DisposalBatch, list[DisposalBatchPerson]]:
    """The disposal record: the batch and its persons (by id) with their affairs."""
    authorize(session, context, Permission.DISPOSAL_READ, organisation_resource(context))
    batch = _batch(session, context, batch_id)
    members = list(
        session.scalars(
            select(DisposalBatchPerson)
            .where(DisposalBatchPerson.batch_id == batch_id)
            .order_by(DisposalBatchPerson.person_id)
        )
    )
    return batch, members


def list_batches(session: Session, context: Context) -> list[DisposalBatch]:
    authorize(session, context, Permission.DISPOSAL_READ, organisation_resource(context))
    return list(
        session.scalars(
            select(DisposalBatch)
            .where(DisposalBatch.organisation_id == context.organisation_id)
            .order_by(DisposalBatch.planned_at.desc())
        )
    )

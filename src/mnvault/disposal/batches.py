"""Disposal batches: plan, confirm, run (delete, record, rotate the KEK), cancel.

A run deletes each person's ciphertext, blind index, identity-document images and
wrapped data key, records the disposal without the number (事業者編 別添1 2E d
削除・廃棄の記録), and then rotates the KEK, re-wraps the remaining keys and destroys the
old version, so that backups taken before the run cannot decrypt the disposed numbers
either. A batch may be planned for a
chosen time (the end of a month or a fiscal year: 事業者編 第4-3-(3)B allows disposal at
such intervals), and a manager confirms it (required for small businesses).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import case, delete, func, insert, literal, not_, select, update
from sqlalchemy.orm import Session, sessionmaker

from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource, person_resource
from mnvault.affairs.models import Affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.context import unit_of_work
from mnvault.db.base import GUID, utcnow
from mnvault.db.bulk import Adapt, column_values, insert_rows
from mnvault.db.engine import bulk_sessions, check_references
from mnvault.disposal import confirmation
from mnvault.disposal import services as retention
from mnvault.disposal.due import RuleBook, keep_until, statutory_hold
from mnvault.disposal.due_sql import affair_passes, due_condition
from mnvault.disposal.errors import (
    NeedsConfirmation,
    NotDue,
    NothingToDispose,
    NotYetScheduled,
    NumberWasProvided,
    StatutoryRetention,
    WrongBatchState,
)
from mnvault.disposal.models import BatchState, DisposalBatch, DisposalBatchPerson, MemberState
from mnvault.keys import services as keys
from mnvault.vault.errors import InvalidInput, NotFound
from mnvault.vault.freetext import without_number
from mnvault.vault.models import (
    DataKey,
    NumberRecord,
    NumberRecordAffair,
    Person,
    VerificationDocument,
)
from mnvault.vault.withdrawal import left_the_vault

METHOD = (
    "crypto_erase: ciphertext, blind index, identity-document images and wrapped data key "
    "deleted; KEK rotated and the old version destroyed"
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
    never_needed: bool = False,
) -> DisposalBatch:
    """A batch of every number due by ``today``, or of the persons named.

    A named person whose number is not due (still needed by an affair, or inside its
    period) needs ``early_reason`` from a manager and the batch then always needs a
    manager's confirmation; none is taken while the law requires a document carrying the
    number to be kept, including a period that starts only when the relationship ends.

    ``never_needed``: the manager states that the number was never needed (acquired by
    mistake, for an affair the person never had), so no document carrying it was filed
    and no statutory period runs (事業者編 第4-3-(3)B: the period binds 「これらの書類等に
    記載された個人番号」). It is refused for a person whose number the vault provided or
    took out, the record that it did reach such a document."""
    authorize(session, context, Permission.DISPOSAL_RUN, organisation_resource(context))
    if not reason.strip():
        raise InvalidInput("廃棄の理由は必須です", "a reason is required")
    without_number(reason, "廃棄の理由", "reason")
    without_number(early_reason or "", "早期廃棄の理由", "early reason")
    if never_needed and person_ids is None:
        raise InvalidInput(
            "「取得の必要がなかった」廃棄は対象者を指定して行います",
            "a number that was never needed is disposed of by naming its persons",
        )
    if never_needed and not (early_reason or "").strip():
        raise InvalidInput(
            "「取得の必要がなかった」廃棄には理由（早期廃棄の理由）が必要です",
            "a number that was never needed is disposed of with a reason (early_reason)",
        )
    # Before the due test: a change committed after it is an audit entry after this seq.
    watermark = audit.hold_head(session)
    book = retention.rule_book(session, context.organisation_id)
    early = (early_reason or "").strip() or None
    named = (
        None
        if person_ids is None
        else _named(
            session,
            context,
            list(dict.fromkeys(person_ids)),
            today,
            early,
            never_needed=never_needed,
        )
    )
    if named == []:
        raise NothingToDispose()
    # Disposing before due is an exception to the rule table: a manager confirms it
    # even where the organisation has turned confirmation off.
    required = early is not None or retention.confirmation_required(
        session, context.organisation_id
    )
    batch = DisposalBatch(
        organisation_id=context.organisation_id,
        state=BatchState.PLANNED if required else BatchState.CONFIRMED,
        reason=reason.strip(),
        early_reason=early,
        never_needed=never_needed,
        method=METHOD,
        scheduled_for=scheduled_for,
        planned_by=context.actor_id,
        confirmation_required=required,
        due_by=today,
        rules_digest=retention.rule_book_digest(book),
        planned_seq=watermark,
    )
    session.add(batch)
    session.flush()
    if named is None:
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
            "never_needed": never_needed,
        },
    )
    return batch


def _named(
    session: Session,
    context: Context,
    person_ids: list[uuid.UUID],
    today: date,
    early: str | None,
    *,
    never_needed: bool = False,
) -> list[Member]:
    for person_id in person_ids:
        person = session.get(Person, person_id)
        if person is None or person.organisation_id != context.organisation_id:
            raise NotFound(f"対象者 {person_id}", f"person {person_id}")
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
            raise NothingToDispose(f"対象者 {person_id}", f"person {person_id}")
        until = keep_until(holding.affairs, book, holding.facts)
        if until is None or until >= today:
            # Still needed (a current employee, an open contract) or inside its period:
            # only a manager (DISPOSAL_RUN) with a recorded reason, confirmed by a
            # manager whatever the organisation's setting (see plan), and never while
            # the law requires the document kept — running or still to start.
            if early is None:
                raise NotDue(f"対象者 {person_id}", f"person {person_id}")
            if never_needed:
                _never_provided(session, person_id)
                members.append(Member(person_id, holding.affairs))
                continue
            hold = statutory_hold(holding.affairs, law, holding.facts, today)
            if hold is not None and hold.until is None:
                raise StatutoryRetention(
                    f"対象者 {person_id}: 保存期間は退職等の後に始まる; {hold.source}",
                    f"person {person_id}: the period starts after the relationship ends; "
                    f"{hold.source}",
                )
            if hold is not None:
                raise StatutoryRetention(
                    f"対象者 {person_id}: {hold.until}まで; {hold.source}",
                    f"person {person_id}: until {hold.until}; {hold.source}",
                )
        members.append(Member(person_id, holding.affairs))
    return members


def _never_provided(session: Session, person_id: uuid.UUID) -> None:
    """Refuse "never needed" for a number the vault recorded leaving it for an affair:
    a provision (番号法第19条) or a take-out puts it on a document the law may keep."""
    if left_the_vault(session, person_id):
        raise NumberWasProvided(f"対象者 {person_id}", f"person {person_id}")


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
    """Every due person straight from the database into the batch (INSERT … SELECT).

    The same test as :func:`due_condition`, grouped instead of correlated: one pass over
    the persons' affairs, a person kept when every affair row passes. A row per held
    affair makes "holds a number for at least one affair" the join itself, and saves the
    second and third look-up of each person's affairs the EXISTS form costs. The persons
    come from ix_persons_org_due, in id order: no table look-up, no sort to group."""
    every_affair_passes = func.min(case((affair_passes(book, today), 1), else_=0)) == 1
    due = (
        select(
            literal(batch_id, GUID()),
            Person.id,
            literal(MemberState.PLANNED),
            func.aggregate_strings(Affair.code, ","),
        )
        .select_from(Person)
        .join(NumberRecordAffair, NumberRecordAffair.person_id == Person.id)
        .join(Affair, Affair.id == NumberRecordAffair.affair_id)
        .where(Person.organisation_id == context.organisation_id)
        .group_by(Person.id)
        .having(every_affair_passes)
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


def confirm(
    session: Session, context: Context, *, batch_id: uuid.UUID, statement: str | None = None
) -> DisposalBatch:
    """責任者の確認 (別添1 2E d; seed 図表2-2 (5)④) by someone other than the planner,
    recorded; a small business's only responsible person confirms their own batch with
    ``statement`` (see confirmation.py)."""
    authorize(session, context, Permission.DISPOSAL_CONFIRM, organisation_resource(context))
    batch = _batch(session, context, batch_id)
    if batch.state != BatchState.PLANNED:
        raise WrongBatchState(batch.state, batch.state)
    recorded = confirmation.check(
        session, context, planned_by=batch.planned_by, statement=statement
    )
    batch.state = BatchState.CONFIRMED
    batch.confirmed_by, batch.confirmed_at = context.actor_id, utcnow()
    batch.confirmation_statement = recorded
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.DISPOSAL_CONFIRM,
        details={
            "batch_id": str(batch.id),
            "persons": batch.person_count,
            "self_confirmed": recorded is not None,
        },
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
    with unit_of_work(bulk_sessions(sessions)) as session:
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
    if batch.early_reason is None:
        _recheck(session, batch, now.date())
    session.execute(
        update(DisposalBatchPerson)
        .where(*members, DisposalBatchPerson.state == MemberState.PLANNED)
        .values(state=MemberState.DISPOSED),
        execution_options=no_sync,
    )
    disposed = (
        select(DisposalBatchPerson.person_id)
        .where(*members, DisposalBatchPerson.state == MemberState.DISPOSED)
        .scalar_subquery()
    )
    ids = column_values(
        session,
        DisposalBatchPerson.__table__,  # type: ignore[arg-type]
        "person_id",
        {"batch_id": batch.id, "state": MemberState.DISPOSED},
    )
    documents = 0

    def delete_numbers() -> None:
        nonlocal documents
        # The document images go with the number (issue #5): they show it, and their
        # rows would otherwise keep pointing at the person. Correlated, so that it
        # costs what the (usually few) documents cost, not what the batch does.
        member = (
            select(DisposalBatchPerson.person_id)
            .where(
                *members,
                DisposalBatchPerson.state == MemberState.DISPOSED,
                DisposalBatchPerson.person_id == VerificationDocument.person_id,
            )
            .exists()
        )
        result = session.execute(
            delete(VerificationDocument).where(member), execution_options=no_sync
        )
        documents = int(getattr(result, "rowcount", 0) or 0)
        for table in (NumberRecordAffair, NumberRecord, DataKey):
            session.execute(
                delete(table).where(table.person_id.in_(disposed)), execution_options=no_sync
            )

    # One entry per person ("was this person's number disposed, when, by whom"), built
    # and chained in another thread while this one deletes.
    audit.record_many(
        session,
        context,
        AuditAction.NUMBER_DISPOSE,
        ids,
        details={"batch_id": str(batch.id)},
        meanwhile=delete_numbers,
    )
    batch.state = BatchState.EXECUTED
    # The real time, not the scheduling clock: the rotation that follows must start
    # after it for the completion to count.
    batch.executed_by, batch.executed_at = context.actor_id, utcnow()
    batch.disposed_count = len(ids)
    batch.kek_version_at_disposal = kek_version
    session.flush()
    # This transaction ran without row-by-row foreign-key enforcement (bulk_sessions).
    check_references(session, deleted_from=_DELETED_FROM, written=[DisposalBatch.__tablename__])
    audit.record(
        session,
        context,
        AuditAction.DISPOSAL_EXECUTE,
        details={"batch_id": str(batch.id), "disposed": len(ids), "documents": documents},
    )


_DELETED_FROM = [
    t.__tablename__ for t in (VerificationDocument, NumberRecordAffair, NumberRecord, DataKey)
]


def _recheck(session: Session, batch: DisposalBatch, today: date) -> None:
    """Members no longer due at run time (rehired, a new affair, an event recorded, the
    number gone meanwhile) are kept, in one set-based statement.

    Only the persons whose facts changed since the plan are tested again, when the plan's
    test still holds for the rest: being due only grows with the day, and every change to
    a person's facts is an audit entry naming them (DESIGN.md §3, invariant 1), after the
    plan's seq. Everyone is tested again when the rules changed, when the plan was made
    for a later day than today, or when the batch does not say (an older batch)."""
    organisation_id = batch.organisation_id
    book = retention.rule_book(session, organisation_id)
    unchanged = (
        batch.due_by is not None
        and batch.due_by <= today
        and batch.planned_seq is not None
        and batch.rules_digest == retention.rule_book_digest(book)
    )
    suspects = select(Person.id).where(Person.organisation_id == organisation_id)
    if unchanged:
        touched = select(AuditEntry.person_id).where(
            AuditEntry.seq > batch.planned_seq,
            AuditEntry.organisation_id == organisation_id,
            AuditEntry.person_id.is_not(None),
        )
        suspects = suspects.where(Person.id.in_(touched))
    no_longer_due = suspects.where(not_(due_condition(book, today)))
    session.execute(
        update(DisposalBatchPerson)
        .where(
            DisposalBatchPerson.batch_id == batch.id,
            DisposalBatchPerson.state == MemberState.PLANNED,
            DisposalBatchPerson.person_id.in_(no_longer_due),
        )
        .values(state=MemberState.KEPT),
        execution_options={"synchronize_session": False},
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

"""Retention rules, retention events, the due list, reminders and the confirmation setting.

Sources: 事業者編 第4-3-(3)B 保管制限と廃棄 (keep only while needed, then delete as soon
as possible); 別添1 2E d (削除・廃棄の記録; 中小規模事業者: 責任ある立場の者が確認);
seed 図表2-2 (5)④.
"""

from __future__ import annotations

import functools
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, select
from sqlalchemy.orm import Session

from mnvault import local_time
from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, organisation_resource, person_resource
from mnvault.affairs.models import Affair
from mnvault.affairs.services import get_affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.disposal import rules as statutory
from mnvault.disposal.due import PersonFacts, RuleBook, dependant_facts, keep_until
from mnvault.disposal.due_sql import due_condition
from mnvault.disposal.errors import (
    BelowStatutoryMinimum,
    InvalidRule,
    LooserNeedsReason,
    SettingLocked,
)
from mnvault.disposal.models import (
    BatchState,
    DisposalBatch,
    DisposalBatchPerson,
    DisposalSetting,
    MemberState,
    RetentionEvent,
    RetentionRule,
)
from mnvault.disposal.rules import Event, Rule, Start
from mnvault.orgs.standing import relief_applies
from mnvault.vault.errors import NotFound
from mnvault.vault.freetext import without_number
from mnvault.vault.models import NumberRecordAffair, Person, PersonKind

# Two reference dates, early and late in a year, so that rules starting on a deadline of
# the following year compare fairly with rules counting from the event's day.
_REFERENCE_DAYS = (date(2020, 1, 5), date(2020, 12, 20))
DEFAULT_LEAD_DAYS = 30


# -- rules ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RuleInForce:
    rule: Rule
    origin: str  # "statutory" or "organisation"
    looser_reason: str | None = None


def _as_rule(row: RetentionRule) -> Rule:
    return Rule(
        row.affair_code,
        row.document_kind,
        Event(row.event),
        Start(row.start),
        row.years,
        row.months,
        row.source,
        False,
    )


def rules_in_force(session: Session, organisation_id: uuid.UUID) -> list[RuleInForce]:
    """The statutory table with the organisation's own rules in place of the ones they
    replace (same affair and document kind) and beside the ones they add."""
    own = {
        (row.affair_code, row.document_kind): row
        for row in session.scalars(
            select(RetentionRule).where(RetentionRule.organisation_id == organisation_id)
        )
    }
    result = []
    for rule in statutory.STATUTORY:
        row = own.pop((rule.affair_code, rule.document_kind), None)
        if row is None:
            result.append(RuleInForce(rule, "statutory"))
        else:
            result.append(RuleInForce(_as_rule(row), "organisation", row.looser_reason))
    result.extend(
        RuleInForce(_as_rule(row), "organisation", row.looser_reason) for row in own.values()
    )
    return result


def rule_book(session: Session, organisation_id: uuid.UUID) -> RuleBook:
    book: dict[str, list[Rule]] = defaultdict(list)
    for entry in rules_in_force(session, organisation_id):
        book[entry.rule.affair_code].append(entry.rule)
    return dict(book)


def rule_book_digest(book: RuleBook) -> str:
    """Changes when any rule in force changes (the organisation's, or the law's table in
    a new release): a batch planned under other rules is re-checked in full."""
    text = repr(sorted((code, tuple(rules)) for code, rules in book.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def statutory_book() -> RuleBook:
    book: dict[str, list[Rule]] = defaultdict(list)
    for rule in statutory.STATUTORY:
        book[rule.affair_code].append(rule)
    return dict(book)


def list_rules(session: Session, context: Context) -> list[RuleInForce]:
    authorize(session, context, Permission.DISPOSAL_READ, organisation_resource(context))
    return rules_in_force(session, context.organisation_id)


def _law_for(affair_code: str, document_kind: str) -> Rule:
    for rule in statutory.statutory_rules(affair_code):
        if rule.document_kind == document_kind:
            return rule
    return statutory.fallback_rule(affair_code)


def compare_with_law(candidate: Rule) -> tuple[bool, bool]:
    """(keeps longer than the law somewhere, keeps shorter somewhere), on reference dates."""
    law = _law_for(candidate.affair_code, candidate.document_kind)
    longer = shorter = False
    for day in _REFERENCE_DAYS:
        mine, theirs = candidate.keep_until(day), law.keep_until(day)
        longer |= mine > theirs
        shorter |= mine < theirs
    # A rule counting from another event is not comparable date for date; it is
    # treated as keeping longer, so that it needs a reason.
    same_event = candidate.event is law.event
    return longer or not same_event, shorter and same_event


def add_rule(
    session: Session,
    context: Context,
    *,
    affair_code: str,
    event: Event,
    start: Start,
    years: int,
    months: int = 0,
    source: str,
    document_kind: str = "",
    looser_reason: str | None = None,
) -> RetentionRule:
    """An organisation's own rule. Stricter (shorter) rules are accepted unless the law
    requires keeping the document that long; looser ones only with a reason."""
    authorize(session, context, Permission.RETENTION_MANAGE, organisation_resource(context))
    get_affair(session, context.organisation_id, affair_code)  # unknown affair: an error
    if years < 0 or months < 0 or years * 12 + months > 100 * 12:
        raise InvalidRule("年数・月数は0以上100年以内", "years and months: 0 to 100 years")
    if not source.strip():
        raise InvalidRule("根拠（規程・法令）は必須です", "a source (rule or law) is required")
    without_number(source, "根拠", "source")
    without_number(document_kind, "書類の種類", "document kind")
    without_number(looser_reason or "", "長く保存する理由", "reason")
    candidate = Rule(
        affair_code, document_kind.strip(), event, start, years, months, source.strip(), False
    )
    law = _law_for(affair_code, candidate.document_kind)
    longer, shorter = compare_with_law(candidate)
    if shorter and law.mandatory:
        raise BelowStatutoryMinimum(law.source, law.source)
    reason = (looser_reason or "").strip() or None
    if longer and reason is None:
        raise LooserNeedsReason(law.source, law.source)
    row = session.scalar(
        select(RetentionRule).where(
            RetentionRule.organisation_id == context.organisation_id,
            RetentionRule.affair_code == affair_code,
            RetentionRule.document_kind == candidate.document_kind,
        )
    )
    if row is None:
        row = RetentionRule(
            organisation_id=context.organisation_id,
            affair_code=affair_code,
            document_kind=candidate.document_kind,
        )
        session.add(row)
    row.event, row.start, row.years, row.months = event.value, start.value, years, months
    row.source, row.looser_reason, row.created_by = candidate.source, reason, context.actor_id
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.RETENTION_RULE_CREATE,
        details={
            "affair": affair_code,
            "document_kind": candidate.document_kind,
            "event": event.value,
            "start": start.value,
            "years": years,
            "months": months,
            "looser": longer,
        },
    )
    return row


# -- events --------------------------------------------------------------------------------


def record_event(
    session: Session, context: Context, *, person_id: uuid.UUID, event: Event, occurred_on: date
) -> RetentionEvent:
    """A dated event a rule counts from (last filing, last declaration's deadline, death)."""
    person = session.get(Person, person_id)
    if person is None or person.organisation_id != context.organisation_id:
        authorize(
            session,
            context,
            Permission.PERSON_UPDATE,
            organisation_resource(context),
            person_id=person_id,
        )
        raise NotFound(f"対象者 {person_id}", f"person {person_id}")
    authorize(session, context, Permission.PERSON_UPDATE, person_resource(person))
    row = session.get(RetentionEvent, (person_id, event.value))
    if row is None:
        row = RetentionEvent(person_id=person_id, event=event.value)
        session.add(row)
    row.occurred_on, row.recorded_by = occurred_on, context.actor_id
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.RETENTION_EVENT_RECORD,
        person_id=person_id,
        details={"event": event.value, "occurred_on": occurred_on.isoformat()},
    )
    return row


# -- due -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holding:
    """A held number, as far as retention is concerned (never the number itself)."""

    person_id: uuid.UUID
    external_ref: str
    kind: str
    life_status: str
    affairs: tuple[str, ...]
    facts: PersonFacts


@dataclass(frozen=True, slots=True)
class DueItem:
    person_id: uuid.UUID
    external_ref: str
    kind: str
    life_status: str
    affairs: tuple[str, ...]
    keep_until: date

    @property
    def due_on(self) -> date:
        return self.keep_until + timedelta(days=1)


_HeldRows = Select[uuid.UUID, str, str, str, date | None, str, uuid.UUID | None]
_EventRows = Select[uuid.UUID, str, date]


@functools.lru_cache(maxsize=64)
def _statements(where: ColumnElement[bool] | None) -> tuple[_HeldRows, _EventRows]:
    """The holdings query and its events query, for one ``where`` (the due condition is kept
    per rule book and day: due_sql). The same statement object each time: SQLAlchemy keeps
    its cache key on it, which for the due condition's tree was half the query's time
    (issue #12, the dashboard). The organisation is a bound parameter."""
    organisation: BindParameter[uuid.UUID] = bindparam("organisation_id")
    query = (
        select(
            Person.id,
            Person.external_ref,
            Person.kind,
            Person.life_status,
            Person.relationship_end,
            Affair.code,
            Person.related_person_id,
        )
        .join(NumberRecordAffair, NumberRecordAffair.person_id == Person.id)
        .join(Affair, Affair.id == NumberRecordAffair.affair_id)
        .where(Person.organisation_id == organisation)
    )
    if where is not None:
        query = query.where(where)
    events_query = (
        select(RetentionEvent.person_id, RetentionEvent.event, RetentionEvent.occurred_on)
        .join(Person, Person.id == RetentionEvent.person_id)
        .where(Person.organisation_id == organisation)
    )
    return query, events_query


def holdings(
    session: Session,
    organisation_id: uuid.UUID,
    person_ids: Sequence[uuid.UUID] | None = None,
    *,
    where: ColumnElement[bool] | None = None,
) -> list[Holding]:
    """Held numbers of the persons named, or of those ``where`` selects."""
    if person_ids is None:
        query, events_query = _statements(where)
    else:
        query, events_query = _statements(None)
        query = query.where(Person.id.in_(person_ids))
        events_query = events_query.where(RetentionEvent.person_id.in_(person_ids))
        if where is not None:
            query = query.where(where)
    bound = {"organisation_id": organisation_id}
    events: dict[uuid.UUID, dict[str, date]] = defaultdict(dict)
    for person_id, event, occurred_on in session.execute(events_query, bound):
        events[person_id][event] = occurred_on
    grouped: dict[uuid.UUID, list[str]] = defaultdict(list)
    first: dict[uuid.UUID, tuple[str, str, str, date | None, uuid.UUID | None]] = {}
    for person_id, ref, kind, life, end, code, related in session.execute(query, bound):
        grouped[person_id].append(code)
        first.setdefault(person_id, (ref, kind, life, end, related))
    employees = _employees_of(session, [f for f in first.values() if _follows(f[1], f[3], f[4])])
    result = []
    for person_id, codes in grouped.items():
        ref, kind, life, end, related = first[person_id]
        facts = PersonFacts(end, life == "deceased", events.get(person_id, {}))
        if _follows(kind, end, related):
            facts = dependant_facts(facts, employees.get(related))
        result.append(Holding(person_id, ref, kind, life, tuple(sorted(codes)), facts))
    return result


def _follows(kind: str, end: date | None, related: uuid.UUID | None) -> bool:
    return kind == PersonKind.DEPENDENT.value and end is None and related is not None


def _employees_of(
    session: Session, dependants: Sequence[tuple[str, str, str, date | None, uuid.UUID | None]]
) -> dict[uuid.UUID | None, PersonFacts]:
    """The employees' facts a dependant's rules follow (due.dependant_facts)."""
    ids = sorted({d[4] for d in dependants if d[4] is not None})
    found: dict[uuid.UUID | None, PersonFacts] = {}
    for chunk in (ids[i : i + 500] for i in range(0, len(ids), 500)):
        ends = session.execute(
            select(Person.id, Person.relationship_end).where(Person.id.in_(chunk))
        )
        deadlines: dict[uuid.UUID, date] = {
            person_id: on
            for person_id, on in session.execute(
                select(RetentionEvent.person_id, RetentionEvent.occurred_on).where(
                    RetentionEvent.person_id.in_(chunk),
                    RetentionEvent.event == Event.SUBMISSION_DEADLINE.value,
                )
            )
        }
        for employee_id, end in ends:
            events = {}
            if employee_id in deadlines:
                events[Event.SUBMISSION_DEADLINE.value] = deadlines[employee_id]
            found[employee_id] = PersonFacts(end, False, events)
    return found


def due_items(
    session: Session, organisation_id: uuid.UUID, *, by: date, book: RuleBook | None = None
) -> list[DueItem]:
    """Numbers that may be kept no later than ``by - 1 day``, i.e. due on or before ``by``.

    The database picks the persons (due_sql); the dates shown come from the same rules
    evaluated here, once per distinct combination of affairs and dates."""
    book = rule_book(session, organisation_id) if book is None else book
    memo: dict[tuple[object, ...], date | None] = {}
    items = []
    for holding in holdings(session, organisation_id, where=due_condition(book, by)):
        facts = holding.facts
        key = (
            holding.affairs,
            facts.relationship_end,
            facts.deceased,
            *sorted(facts.events.items()),
        )
        if key not in memo:
            memo[key] = keep_until(holding.affairs, book, facts)
        until = memo[key]
        if until is None:  # cannot happen while due_sql and due agree; never dispose then
            continue
        items.append(
            DueItem(
                holding.person_id,
                holding.external_ref,
                holding.kind,
                holding.life_status,
                holding.affairs,
                until,
            )
        )
    items.sort(key=lambda item: (item.keep_until, item.external_ref))
    return items


def due_list(
    session: Session, context: Context, *, today: date, within_days: int = 0
) -> list[DueItem]:
    """`mnvault dispose due`: due now, or within the next ``within_days`` days."""
    authorize(session, context, Permission.DISPOSAL_READ, organisation_resource(context))
    if within_days < 0:
        raise InvalidRule("日数は0以上", "days must not be negative")
    items = due_items(session, context.organisation_id, by=today + timedelta(days=within_days + 1))
    audit.record(
        session,
        context,
        AuditAction.DISPOSAL_DUE_LIST,
        details={"today": today.isoformat(), "within_days": within_days, "count": len(items)},
    )
    return items


# -- reminders -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Notice:
    kind: str  # overdue, due_soon, awaiting_confirmation, scheduled, rotation_pending
    count: int
    date: date | None
    message_ja: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.message_ja} / {self.message_en}"


def reminders(
    session: Session, context: Context, *, today: date, lead_days: int = DEFAULT_LEAD_DAYS
) -> list[Notice]:
    """What a manager should see: numbers due or about to be, batches waiting on them."""
    authorize(session, context, Permission.DISPOSAL_READ, organisation_resource(context))
    items = due_items(session, context.organisation_id, by=today + timedelta(days=lead_days + 1))
    overdue = [i for i in items if i.due_on <= today]
    soon = [i for i in items if i.due_on > today]
    planned = _planned_persons(session, context.organisation_id)
    overdue = [i for i in overdue if i.person_id not in planned]
    notices = []
    if overdue:
        since = overdue[0].due_on
        notices.append(
            Notice(
                "overdue",
                len(overdue),
                since,
                f"{len(overdue)}件の個人番号が廃棄対象日を過ぎています（{local_time.day(since)}から）",
                f"{len(overdue)} numbers are due for disposal (since {local_time.day(since)})",
            )
        )
    if soon:
        first = soon[0].due_on
        shown = local_time.day(first)
        notices.append(
            Notice(
                "due_soon",
                len(soon),
                first,
                f"{lead_days}日以内に{len(soon)}件の個人番号が廃棄対象日を迎えます（最初は{shown}）",
                f"{len(soon)} numbers fall due within {lead_days} days (first on {shown})",
            )
        )
    for batch in session.scalars(
        select(DisposalBatch)
        .where(
            DisposalBatch.organisation_id == context.organisation_id,
            DisposalBatch.state.in_(
                [BatchState.PLANNED, BatchState.CONFIRMED, BatchState.EXECUTED]
            ),
        )
        .order_by(DisposalBatch.planned_at)
    ):
        notices.append(_batch_notice(batch))
    audit.record(
        session, context, AuditAction.DISPOSAL_DUE_LIST, details={"reminders": len(notices)}
    )
    return notices


def _planned_persons(session: Session, organisation_id: uuid.UUID) -> set[uuid.UUID]:
    return set(
        session.scalars(
            select(DisposalBatchPerson.person_id)
            .join(DisposalBatch, DisposalBatch.id == DisposalBatchPerson.batch_id)
            .where(
                DisposalBatch.organisation_id == organisation_id,
                DisposalBatch.state.in_([BatchState.PLANNED, BatchState.CONFIRMED]),
                DisposalBatchPerson.state == MemberState.PLANNED,
            )
        )
    )


def _batch_notice(batch: DisposalBatch) -> Notice:
    when = batch.scheduled_for.date() if batch.scheduled_for else None
    if batch.state == BatchState.PLANNED:
        return Notice(
            "awaiting_confirmation",
            batch.person_count,
            when,
            f"廃棄バッチ {batch.id}（{batch.person_count}件）が責任者の確認を待っています",
            f"disposal batch {batch.id} ({batch.person_count}) awaits a manager's confirmation",
        )
    if batch.state == BatchState.CONFIRMED:
        return Notice(
            "scheduled",
            batch.person_count,
            when,
            f"廃棄バッチ {batch.id}（{batch.person_count}件）は {when or '随時'} に実行予定です",
            f"disposal batch {batch.id} ({batch.person_count}) is to run {when or 'any time'}",
        )
    return Notice(
        "rotation_pending",
        batch.disposed_count,
        None,
        f"廃棄バッチ {batch.id} の鍵ローテーションが未完了です（mnvault dispose run で再開）",
        f"the key rotation after disposal batch {batch.id} has not completed "
        "(resume with `mnvault dispose run`)",
    )


# -- confirmation setting ----------------------------------------------------------------


def confirmation_required(session: Session, organisation_id: uuid.UUID) -> bool:
    """Small businesses: always (別添1 2E d 中小規模事業者, while their answers keep them one,
    orgs/standing.py); others: their setting, on unless turned off."""
    if relief_applies(session, organisation_id):
        return True
    setting = session.get(DisposalSetting, organisation_id)
    return True if setting is None else setting.confirmation_required


def set_confirmation_required(session: Session, context: Context, *, required: bool) -> None:
    authorize(session, context, Permission.ORGANISATION_MANAGE, organisation_resource(context))
    if not required and relief_applies(session, context.organisation_id):
        raise SettingLocked()
    setting = session.get(DisposalSetting, context.organisation_id)
    if setting is None:
        setting = DisposalSetting(organisation_id=context.organisation_id)
        session.add(setting)
    setting.confirmation_required, setting.updated_by = required, context.actor_id
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.DISPOSAL_SETTINGS_UPDATE,
        details={"confirmation_required": required},
    )


def affair_codes_of(holding_affairs: Iterable[str]) -> str:
    return ",".join(sorted(holding_affairs))

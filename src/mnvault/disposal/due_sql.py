"""The due test as one SQL condition on persons, so a million rows never leave the database.

A rule's last day of keeping grows with its event's date, so for a day ``by`` there is a
threshold: the number is due under that rule exactly when the event happened before it.
A person is due when they hold a number for at least one affair and every affair they
hold it for passes all its rules (same semantics as :func:`mnvault.disposal.due.keep_until`,
which the tests compare it with).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, false, func, not_, or_, select
from sqlalchemy.orm import aliased

from mnvault.affairs.models import Affair
from mnvault.disposal.due import RuleBook
from mnvault.disposal.models import RetentionEvent
from mnvault.disposal.rules import Event, Rule, fallback_rule
from mnvault.vault.models import NumberRecordAffair, Person, PersonKind

# Longer than any rule (100 years) plus its start offset (to the next January).
_SPAN_DAYS = 102 * 366


def threshold(rule: Rule, by: date) -> date:
    """The earliest event date whose number is still kept on ``by - 1`` or later."""
    lo, hi = by.toordinal() - _SPAN_DAYS, by.toordinal() + 1
    while lo < hi:
        mid = (lo + hi) // 2
        if rule.keep_until(date.fromordinal(mid)) < by:
            lo = mid + 1
        else:
            hi = mid
    return date.fromordinal(lo)


def _event(event: Event, person_id: ColumnElement[Any] | None = None) -> ColumnElement[Any]:
    return (
        select(RetentionEvent.occurred_on)
        .where(
            RetentionEvent.person_id == (Person.id if person_id is None else person_id),
            RetentionEvent.event == event.value,
        )
        .correlate(Person)
        .scalar_subquery()
    )


# A dependant without an end of their own follows the employee (due.dependant_facts).
_FOLLOWS_EMPLOYEE = and_(
    Person.kind == PersonKind.DEPENDENT.value,
    Person.related_person_id.is_not(None),
    Person.relationship_end.is_(None),
)


def _employee_end() -> ColumnElement[Any]:
    employee = aliased(Person)
    return (
        select(employee.relationship_end)
        .where(employee.id == Person.related_person_id)
        .correlate(Person)
        .scalar_subquery()
    )


def _end() -> ColumnElement[Any]:
    return func.coalesce(Person.relationship_end, case((_FOLLOWS_EMPLOYEE, _employee_end())))


def _anchor(event: Event) -> ColumnElement[Any]:
    if event is Event.RELATIONSHIP_END:
        return _end()
    if event is Event.SUBMISSION_DEADLINE:
        inherited = case((_FOLLOWS_EMPLOYEE, _event(event, Person.related_person_id.expression)))
        return func.coalesce(_event(event), inherited, _end())
    if event is Event.DEATH:
        return func.coalesce(
            _event(event),
            case((Person.life_status == "deceased", _end())),
        )
    return _event(event)


def _passes(rules: Sequence[Rule], by: date) -> ColumnElement[bool]:
    # Never NULL: a missing event is "not yet", i.e. false, not unknown.
    parts = []
    for rule in rules:
        anchor = _anchor(rule.event)
        parts.append(and_(anchor.is_not(None), anchor < threshold(rule, by)))
    return and_(*parts) if parts else false()


# The condition is large (every affair's rules, each with correlated subqueries) and Python
# builds it in about 25 ms, twice per dashboard (issue #12: the dashboard was 130 ms of CPU a
# load). An expression is immutable and may be executed again, so one is kept per rule book
# and day; a changed rule is a different key.
FrozenBook = tuple[tuple[str, tuple[Rule, ...]], ...]


def _frozen(book: RuleBook) -> FrozenBook:
    return tuple(sorted((code, tuple(rules)) for code, rules in book.items()))


def affair_passes(book: RuleBook, by: date) -> ColumnElement[bool]:
    """For a row joining a person (Person) to one affair (Affair) they hold the number
    for: that affair no longer needs it on ``by``. Never NULL."""
    return _affair_passes(_frozen(book), by)


@functools.lru_cache(maxsize=64)
def _affair_passes(frozen: FrozenBook, by: date) -> ColumnElement[bool]:
    book = dict(frozen)
    codes = sorted(book)
    return or_(
        *(and_(Affair.code == code, _passes(book[code], by)) for code in codes),
        and_(Affair.code.not_in(codes), _passes([fallback_rule("*")], by)),
    )


def due_condition(book: RuleBook, by: date) -> ColumnElement[bool]:
    """Persons (in the FROM of the caller) whose numbers are due on or before ``by``."""
    return _due_condition(_frozen(book), by)


@functools.lru_cache(maxsize=64)
def _due_condition(frozen: FrozenBook, by: date) -> ColumnElement[bool]:
    fine = _affair_passes(frozen, by)
    # Correlated to the person only: the caller may join these very tables itself.
    held = (
        select(NumberRecordAffair.person_id)
        .where(NumberRecordAffair.person_id == Person.id)
        .correlate(Person)
        .exists()
    )
    blocked = (
        select(NumberRecordAffair.person_id)
        .join(Affair, Affair.id == NumberRecordAffair.affair_id)
        .where(NumberRecordAffair.person_id == Person.id, not_(fine))
        .correlate(Person)
        .exists()
    )
    return and_(held, not_(blocked))


def due_person_ids(organisation_id: uuid.UUID, book: RuleBook, by: date) -> Select[uuid.UUID]:
    return select(Person.id).where(
        Person.organisation_id == organisation_id, due_condition(book, by)
    )

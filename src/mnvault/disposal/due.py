"""When a number falls due: the latest date any of its affairs still needs it.

Pure functions over the facts of one person; the services load the facts and the rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from mnvault.disposal.rules import Event, Rule, fallback_rule

# affair code -> the rules in force for it (statutory, or the organisation's own)
RuleBook = Mapping[str, Sequence[Rule]]


@dataclass(frozen=True, slots=True)
class PersonFacts:
    relationship_end: date | None
    deceased: bool
    events: Mapping[str, date] = field(default_factory=dict)


def dependant_facts(own: PersonFacts, employee: PersonFacts | None) -> PersonFacts:
    """A dependant's facts as the rules read them (所得税法施行規則第76条の3; 事業者編
    第4-3-(3)B): without an end of their own, a dependant's number is needed as long as the
    employee's, and the last 申告書 naming them is the employee's last one unless their own
    is recorded. An end recorded for the dependant (no longer named) is theirs alone."""
    if own.relationship_end is not None or employee is None:
        return own
    events = dict(own.events)
    inherited = employee.events.get(Event.SUBMISSION_DEADLINE.value)
    if inherited is not None:
        events.setdefault(Event.SUBMISSION_DEADLINE.value, inherited)
    return PersonFacts(employee.relationship_end, own.deceased, events)


def event_date(event: Event, facts: PersonFacts) -> date | None:
    """The date a rule counts from, or None while it has not happened."""
    if event is Event.RELATIONSHIP_END:
        return facts.relationship_end
    if event is Event.DEATH:
        recorded = facts.events.get(Event.DEATH.value)
        return recorded or (facts.relationship_end if facts.deceased else None)
    if event is Event.SUBMISSION_DEADLINE:
        # The last declaration is the one for the year the relationship ended, unless
        # a later or earlier one was recorded.
        return facts.events.get(Event.SUBMISSION_DEADLINE.value) or facts.relationship_end
    return facts.events.get(Event.LAST_FILING.value)


def rules_for(book: RuleBook, affair_code: str) -> Sequence[Rule]:
    return book.get(affair_code) or (fallback_rule(affair_code),)


def keep_until(affair_codes: Iterable[str], book: RuleBook, facts: PersonFacts) -> date | None:
    """The last day the number may be kept; None while some affair still needs it."""
    latest: date | None = None
    for code in affair_codes:
        for rule in rules_for(book, code):
            on = event_date(rule.event, facts)
            if on is None:
                return None
            until = rule.keep_until(on)
            if latest is None or until > latest:
                latest = until
    return latest


@dataclass(frozen=True, slots=True)
class Hold:
    """A period the law requires a document carrying the number to be kept.

    ``until`` is None while the period has not even started: its event (retirement,
    the end of the last declaration's year) is still to come, so the documents filed
    so far must be kept for the whole period after it."""

    until: date | None
    source: str


def statutory_hold(
    affair_codes: Iterable[str], statutory: RuleBook, facts: PersonFacts, today: date
) -> Hold | None:
    """The law's hold on a number, if one is running or still to start.

    A careful HR user does not expect a current employee's number to be disposable
    while the 扶養控除等申告書 already submitted must be kept (所得税法施行規則第76条の3)
    merely because the seven years count from a deadline after the employment ends."""
    latest: Hold | None = None
    for code in affair_codes:
        for rule in statutory.get(code, ()):
            if not rule.mandatory:
                continue
            on = event_date(rule.event, facts)
            if on is None:
                return Hold(None, rule.source)
            until = rule.keep_until(on)
            if until >= today and (latest is None or (latest.until or until) < until):
                latest = Hold(until, rule.source)
    return latest

"""Periodic analysis of the trail (定期的な分析): pure functions over entries.

The guidelines ask that the records of use be analysed regularly, not only kept
(事業者編 別添1 2C e 取扱状況の把握及び安全管理措置の見直し; 事業者編 別添1 2F c
外部からの不正アクセス等の防止 (seed 図表2-2 (6)③) for unauthorised access;
行政機関等編 アクセス記録の保存・定期的な分析). Each function here takes plain
:class:`Event` values and returns :class:`Finding` values that name the entries behind
them by sequence number, so the report can link every finding to its evidence. No
database and no clock: the caller loads the entries and fixes the
window, and the tests feed synthetic entries.

Nothing here reads or holds a number: an event has ids, codes and times only.
"""

from __future__ import annotations

import statistics
import uuid
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from mnvault.access.permissions import SPI_PERMISSIONS
from mnvault.access.policy.model import DEFAULT_TIME_ZONE, Conditions, local_clock
from mnvault.access.policy.plain import within_office_hours
from mnvault.audit.actions import AuditAction, Outcome

# What handles a person's record or number: the accesses the analysis counts.
USES = frozenset(
    str(action)
    for action in (
        AuditAction.DOCUMENT_READ,  # an image of a document that shows the number
        AuditAction.DOCUMENT_STORE,
        AuditAction.EXPORT_CREATE,
        AuditAction.NUMBER_ACQUIRE,
        AuditAction.NUMBER_ADD_AFFAIR,
        AuditAction.NUMBER_CORRECT,
        AuditAction.NUMBER_DISPOSE,
        AuditAction.NUMBER_LOOKUP,
        AuditAction.NUMBER_READ,
        AuditAction.NUMBER_WITHDRAW_AFFAIR,
        AuditAction.PERSON_CREATE,
        AuditAction.PERSON_READ,
        AuditAction.PROVISION_CREATE,
    )
)
# Refusals of these were attempts to handle SPI (the permissions office hours apply to).
SPI_REFUSALS = frozenset(str(p) for p in SPI_PERMISSIONS)
# What carries numbers out in one go: a take-out file, a provision to another body.
BATCH_ACTIONS = frozenset({str(AuditAction.EXPORT_CREATE), str(AuditAction.PROVISION_CREATE)})
# Entries that name an account but are not that account's doing (someone tried its
# password); they must not count as the account being in use.
NOT_THE_ACCOUNTS_DOING = frozenset(
    {str(AuditAction.AUTH_LOGIN_FAILED), str(AuditAction.AUTH_LOCKOUT)}
)

# When the organisation has set no office hours: weekdays 08:00-20:00 in Japan, wide
# enough for ordinary overtime, so what falls outside is worth a look.
DEFAULT_OFFICE_HOURS = Conditions(
    time_zone=DEFAULT_TIME_ZONE,
    office_days=frozenset({1, 2, 3, 4, 5}),
    office_start=8 * 60,
    office_end=20 * 60,
)


@dataclass(frozen=True, slots=True)
class Event:
    """One audit entry, as the analysis needs it."""

    seq: int
    at: datetime  # aware
    actor: uuid.UUID | None
    action: str
    outcome: str = str(Outcome.OK)
    affair: str | None = None
    person: uuid.UUID | None = None
    request_id: str | None = None
    permission: str | None = None  # what was refused, for a denial
    reason: str | None = None  # why it was refused
    subject: uuid.UUID | None = None  # the account a user:create entry created


class Kind(StrEnum):
    AFTER_HOURS = "after_hours"
    BULK_EXPORT = "bulk_export"
    DENIAL = "denial"
    DORMANT = "dormant"
    SPIKE = "spike"


@dataclass(frozen=True, slots=True)
class Finding:
    """Something an auditor should look at, and the entries (by seq) that show it."""

    kind: Kind
    actor: uuid.UUID | None
    seqs: tuple[int, ...]
    day: date | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return len(self.seqs)


@dataclass(frozen=True, slots=True)
class Tally:
    """Accesses by one account for one affair: how many went through, how many refused."""

    actor: uuid.UUID | None
    affair: str | None
    ok: int
    denied: int


@dataclass(frozen=True, slots=True)
class Batch:
    """One take-out or provision: many entries under one request."""

    action: str
    actor: uuid.UUID | None
    affair: str | None
    request_id: str | None
    at: datetime
    seqs: tuple[int, ...]

    @property
    def persons(self) -> int:
        return len(self.seqs)


def _when(event: Event) -> tuple[datetime, int]:
    return event.at, event.seq


def _ok(event: Event) -> bool:
    return event.outcome == Outcome.OK


def _refused(event: Event) -> bool:
    return event.outcome in {Outcome.DENIED, Outcome.FAILED}


def within(events: Iterable[Event], since: datetime, until: datetime) -> list[Event]:
    return [e for e in events if since <= e.at < until]


def local_day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


def ranges(seqs: Iterable[int]) -> list[tuple[int, int]]:
    """Sequence numbers as runs: (1201, 1300) for a bulk entry of a hundred persons."""
    runs: list[tuple[int, int]] = []
    for seq in sorted(set(seqs)):
        if runs and seq == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], seq)
        else:
            runs.append((seq, seq))
    return runs


# -- accesses per account and affair ------------------------------------------------------


def accesses(events: Iterable[Event]) -> list[Tally]:
    """Uses per (account, affair), refused attempts beside them; busiest first."""
    ok: dict[tuple[uuid.UUID | None, str | None], int] = defaultdict(int)
    denied: dict[tuple[uuid.UUID | None, str | None], int] = defaultdict(int)
    for event in events:
        if event.action in USES and _ok(event):
            ok[(event.actor, event.affair)] += 1
        elif event.outcome == Outcome.DENIED:
            denied[(event.actor, event.affair)] += 1
    keys = set(ok) | set(denied)
    tallies = [Tally(actor, affair, ok[(actor, affair)], denied[(actor, affair)])
               for actor, affair in keys]  # fmt: skip
    return sorted(tallies, key=lambda t: (-t.ok, -t.denied, str(t.actor), t.affair or ""))


# -- after-hours use -------------------------------------------------------------------------


def office_hours(conditions: Conditions | None) -> Conditions:
    """The organisation's office hours when it set them, else the default in its zone."""
    if conditions is not None and conditions.has_office_hours:
        return conditions
    zone = conditions.time_zone if conditions is not None else DEFAULT_TIME_ZONE
    return Conditions(
        time_zone=zone,
        office_days=DEFAULT_OFFICE_HOURS.office_days,
        office_start=DEFAULT_OFFICE_HOURS.office_start,
        office_end=DEFAULT_OFFICE_HOURS.office_end,
    )


def is_after_hours(at: datetime, hours: Conditions) -> bool:
    weekday, minute = local_clock(at, hours.time_zone)
    return not within_office_hours(hours, weekday, minute)


def after_hours(events: Iterable[Event], hours: Conditions) -> list[Finding]:
    """Uses and attempted uses outside office hours, one finding per account and day.

    Attempts count too: where the organisation enforces its hours, after-hours use
    shows only as refusals, and those are what the auditor needs to see.
    """
    zone = ZoneInfo(hours.time_zone)
    groups: dict[tuple[uuid.UUID | None, date], list[Event]] = defaultdict(list)
    for event in events:
        attempt = event.outcome == Outcome.DENIED and event.permission in SPI_REFUSALS
        if (event.action in USES or attempt) and is_after_hours(event.at, hours):
            groups[(event.actor, local_day(event.at, zone))].append(event)
    findings = []
    for (actor, day), group in groups.items():
        ok = sum(1 for e in group if _ok(e))
        findings.append(
            Finding(
                Kind.AFTER_HOURS, actor, tuple(e.seq for e in group), day,
                {"ok": ok, "denied": len(group) - ok, "first": min(e.at for e in group),
                 "last": max(e.at for e in group)},
            )
        )  # fmt: skip
    return sorted(findings, key=lambda f: (f.day or date.min, str(f.actor)))


# -- denials ---------------------------------------------------------------------------------


def denials(events: Iterable[Event]) -> list[Finding]:
    """Refused operations and failed sign-ins, one finding per account, what was refused
    (the permission, or the action for a failed sign-in) and why."""
    groups: dict[tuple[uuid.UUID | None, str, str], list[Event]] = defaultdict(list)
    for event in events:
        if _refused(event):
            what = event.permission or event.action
            groups[(event.actor, what, event.reason or "")].append(event)
    findings = [
        Finding(Kind.DENIAL, actor, tuple(e.seq for e in group), None,
                {"what": what, "reason": reason, "first": min(e.at for e in group),
                 "last": max(e.at for e in group)})
        for (actor, what, reason), group in groups.items()
    ]  # fmt: skip
    return sorted(findings, key=lambda f: (-f.count, str(f.actor), f.facts["reason"]))


# -- volume spikes against each account's own baseline ---------------------------------------


@dataclass(frozen=True, slots=True)
class SpikeRule:
    """A day is a spike when its uses exceed mean + ``sigmas`` x standard deviation of
    the ``baseline_days`` before it (days without use count as zero), and reach
    ``floor``: without a floor, a quiet account's ordinary day (5 against a baseline of
    0) would be flagged."""

    baseline_days: int = 28
    sigmas: float = 3.0
    floor: int = 20


def spikes(
    events: Iterable[Event],
    since: datetime,
    until: datetime,
    zone: ZoneInfo,
    rule: SpikeRule = SpikeRule(),  # frozen: one shared default is safe
) -> list[Finding]:
    """Days in ``[since, until)`` on which an account used far more than it usually does.

    ``events`` must reach back ``rule.baseline_days`` before ``since``.
    """
    daily: dict[uuid.UUID | None, dict[date, list[int]]] = defaultdict(lambda: defaultdict(list))
    for event in events:
        if event.action in USES and _ok(event) and event.actor is not None:
            daily[event.actor][local_day(event.at, zone)].append(event.seq)
    first_day, last_day = local_day(since, zone), local_day(until - timedelta(microseconds=1), zone)
    findings = []
    for actor, days in daily.items():
        for day, seqs in days.items():
            if not first_day <= day <= last_day or len(seqs) < rule.floor:
                continue
            series = [
                len(days.get(day - timedelta(days=back), ()))
                for back in range(rule.baseline_days, 0, -1)
            ]
            mean = statistics.fmean(series)
            sd = statistics.pstdev(series)
            threshold = mean + rule.sigmas * sd
            if len(seqs) > threshold:
                findings.append(
                    Finding(
                        Kind.SPIKE, actor, tuple(seqs), day,
                        {"count": len(seqs), "mean": mean, "sd": sd, "threshold": threshold,
                         "series": [*series, len(seqs)]},
                    )
                )  # fmt: skip
    return sorted(findings, key=lambda f: (f.day or date.min, str(f.actor)))


# -- use by dormant accounts -----------------------------------------------------------------


def dormant_use(
    events: Sequence[Event],
    since: datetime,
    until: datetime,
    *,
    idle: timedelta,
    history_start: datetime,
    wake_window: timedelta = timedelta(hours=24),
) -> list[Finding]:
    """Accounts that did nothing for ``idle`` or longer, then woke and used persons' records.

    An account's own entries (sign-ins, token uses, any operation, refused or not) show
    it in use; its creation counts as its first sign of life, so a new account is not
    dormant. One that shows no sign at all since ``history_start`` was idle at least
    that long. A finding holds the waking entry and the uses in ``wake_window`` after it.
    ``events`` must reach back to ``history_start``; their order does not matter.
    """
    signs: dict[uuid.UUID, list[Event]] = defaultdict(list)
    uses: dict[uuid.UUID, list[Event]] = defaultdict(list)
    for event in events:
        if event.action == AuditAction.USER_CREATE and event.subject is not None:
            signs[event.subject].append(event)
        if event.actor is None or event.action in NOT_THE_ACCOUNTS_DOING:
            continue
        signs[event.actor].append(event)
        if event.action in USES and _ok(event):
            uses[event.actor].append(event)
    findings = []
    for actor, own in signs.items():
        own.sort(key=_when)
        used_by = sorted(uses.get(actor, ()), key=_when)
        times = [u.at for u in used_by]
        previous: datetime | None = None
        for event in own:
            gap = event.at - (previous or history_start)
            born = event.action == AuditAction.USER_CREATE and event.subject == actor
            if not born and gap >= idle and since <= event.at < until:
                end = min(event.at + wake_window, until)
                used = used_by[bisect_left(times, event.at) : bisect_left(times, end)]
                if used:
                    findings.append(
                        Finding(
                            Kind.DORMANT, actor,
                            tuple(dict.fromkeys((event.seq, *(u.seq for u in used)))), None,
                            {"woke_at": event.at, "last_seen": previous,
                             "idle_days": gap.days if previous else None, "uses": len(used)},
                        )
                    )  # fmt: skip
            previous = event.at
    return sorted(findings, key=lambda f: f.facts["woke_at"])


# -- bulk exports ------------------------------------------------------------------------


def batches(events: Iterable[Event]) -> list[Batch]:
    """Every take-out and provision: the entries of one request, as one batch."""
    groups: dict[tuple[str, uuid.UUID | None, str | None, str | None], list[Event]] = defaultdict(
        list
    )
    for event in events:
        if event.action in BATCH_ACTIONS and _ok(event):
            key = (event.action, event.actor, event.affair, event.request_id or f"#{event.seq}")
            groups[key].append(event)
    found = [
        Batch(action, actor, affair, request_id, group[0].at, tuple(e.seq for e in group))
        for (action, actor, affair, request_id), group in groups.items()
    ]
    return sorted(found, key=lambda b: b.at)


def bulk_exports(found: Iterable[Batch], threshold: int) -> list[Finding]:
    """Take-outs and provisions of ``threshold`` persons or more in one go."""
    return [
        Finding(Kind.BULK_EXPORT, b.actor, b.seqs, None,
                {"action": b.action, "affair": b.affair, "persons": b.persons, "at": b.at})
        for b in found
        if b.persons >= threshold
    ]  # fmt: skip

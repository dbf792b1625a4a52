"""The entry logs against the trail (別添1 2E a with 2C e): entries outside office hours,
and numbers read by a clerk who, by the logs, was not in a handling area (取扱区域) then.

Presence: an "in" opens a stay in that area, the next "out" there closes it; a stay never
closed ends MAX_STAY after it began (a missed badge-out is common; an open stay carried
on for days would hide the reads of the days after). A read is judged only on a day
the handling areas' logs cover (the span of an imported file): without logs for the day,
nothing can be said, and nothing is flagged. Pure: no database, no clock.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from mnvault.access.policy.model import DEFAULT_TIME_ZONE, Conditions, local_clock
from mnvault.access.policy.plain import within_office_hours

AFTER_HOURS_ENTRY = "after_hours_entry"
READ_OUTSIDE_AREA = "read_outside_area"
# The longest a stay lasts without a badge-out: a long working day, not the next one.
MAX_STAY = timedelta(hours=16)


# When the organisation has set no office hours: weekdays 08:00-20:00 in its zone, as the
# audit report's analysis assumes (mnvault.audit.reports.analysis), so both agree.
DEFAULT_DAYS, DEFAULT_START, DEFAULT_END = frozenset({1, 2, 3, 4, 5}), 8 * 60, 20 * 60


def office_hours(conditions: Conditions | None) -> Conditions:
    """The organisation's office hours when it set them, else the default in its zone."""
    if conditions is not None and conditions.has_office_hours:
        return conditions
    zone = conditions.time_zone if conditions is not None else DEFAULT_TIME_ZONE
    return Conditions(
        time_zone=zone, office_days=DEFAULT_DAYS, office_start=DEFAULT_START,
        office_end=DEFAULT_END,
    )  # fmt: skip


@dataclass(frozen=True)
class Entry:
    id: uuid.UUID
    area_id: uuid.UUID
    user_id: uuid.UUID | None
    badge: str
    at: datetime  # UTC
    direction: str


@dataclass(frozen=True)
class Read:
    seq: int  # the audit entry
    at: datetime
    actor: uuid.UUID | None


@dataclass(frozen=True)
class Covered:
    area_id: uuid.UUID
    first_at: datetime
    last_at: datetime


@dataclass(frozen=True)
class Finding:
    kind: str
    user_id: uuid.UUID | None
    badge: str | None
    day: date
    first_at: datetime
    count: int
    seqs: tuple[int, ...] = ()  # audit entries (reads)
    entries: tuple[uuid.UUID, ...] = ()  # entry-log lines


def after_hours_entries(entries: Iterable[Entry], hours: Conditions) -> list[Finding]:
    """Entries ("in") outside office hours: one finding per card holder and local day."""
    zone = ZoneInfo(hours.time_zone)
    groups: dict[tuple[str, uuid.UUID | None, date], list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.direction != "in":
            continue
        weekday, minute = local_clock(entry.at, hours.time_zone)
        if not within_office_hours(hours, weekday, minute):
            day = entry.at.astimezone(zone).date()
            groups[(entry.badge, entry.user_id, day)].append(entry)
    return sorted(
        (
            Finding(
                AFTER_HOURS_ENTRY,
                user,
                badge,
                day,
                min(e.at for e in group),
                len(group),
                entries=tuple(e.id for e in group),
            )
            for (badge, user, day), group in groups.items()
        ),
        key=lambda f: (f.day, f.badge or ""),
    )


def stays(entries: Iterable[Entry]) -> dict[uuid.UUID, list[tuple[datetime, datetime]]]:
    """Per account, the spans it was inside a handling area."""
    by_key: dict[tuple[uuid.UUID, uuid.UUID], list[Entry]] = defaultdict(list)
    for entry in entries:
        if entry.user_id is not None:
            by_key[(entry.user_id, entry.area_id)].append(entry)
    found: dict[uuid.UUID, list[tuple[datetime, datetime]]] = defaultdict(list)
    for (user, _area), group in by_key.items():
        group.sort(key=lambda e: e.at)
        opened: datetime | None = None
        for entry in group:
            if opened is not None and entry.at - opened > MAX_STAY:
                found[user].append((opened, opened + MAX_STAY))
                opened = None
            if entry.direction == "in":
                opened = opened or entry.at
            elif opened is not None:
                found[user].append((opened, entry.at))
                opened = None
        if opened is not None:
            found[user].append((opened, opened + MAX_STAY))
    return found


def covered_days(spans: Iterable[Covered], zone: ZoneInfo) -> set[date]:
    days: set[date] = set()
    for span in spans:
        day, last = span.first_at.astimezone(zone).date(), span.last_at.astimezone(zone).date()
        while day <= last:
            days.add(day)
            day += timedelta(days=1)
    return days


def reads_outside(
    reads: Sequence[Read],
    entries: Sequence[Entry],
    spans: Sequence[Covered],
    zone: ZoneInfo,
) -> list[Finding]:
    """Reads by an account not inside any handling area at that moment, on covered days;
    one finding per account and local day."""
    inside = stays(entries)
    days = covered_days(spans, zone)
    groups: dict[tuple[uuid.UUID | None, date], list[Read]] = defaultdict(list)
    for read in reads:
        day = read.at.astimezone(zone).date()
        if day not in days:
            continue
        present = read.actor is not None and any(
            start <= read.at <= end for start, end in inside.get(read.actor, [])
        )
        if not present:
            groups[(read.actor, day)].append(read)
    return sorted(
        (
            Finding(
                READ_OUTSIDE_AREA,
                actor,
                None,
                day,
                min(r.at for r in group),
                len(group),
                seqs=tuple(r.seq for r in group),
            )
            for (actor, day), group in groups.items()
        ),
        key=lambda f: (f.day, str(f.user_id)),
    )

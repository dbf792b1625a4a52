"""The period an auditor names, as a window of UTC instants ``[since, until)``.

People name periods in dates of their own calendar: "from 1 April to 30 June" means up
to the end of 30 June, in Japan's time. So a date starts at local midnight, an end date
is included whole, and a time without an offset is local time. Local means the
organisation's time zone (its access conditions), Asia/Tokyo when it has none.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from mnvault import local_time
from mnvault.access.models import DEFAULT_TIME_ZONE, AccessConditions
from mnvault.vault.errors import InvalidInput

When = date | datetime


def zone_of(session: Session, organisation_id: uuid.UUID) -> ZoneInfo:
    row = session.get(AccessConditions, organisation_id)
    return local_time.zone(row.time_zone if row is not None else DEFAULT_TIME_ZONE)


def _instant(value: When, zone: ZoneInfo, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        local = value if value.tzinfo is not None else value.replace(tzinfo=zone)
        return local.astimezone(UTC)
    day = value + timedelta(days=1) if end else value
    return datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)


def window(
    since: When | None, until: When | None, zone: ZoneInfo, *, required: bool = False
) -> tuple[datetime | None, datetime | None]:
    """``[since, until)`` in UTC; a date ``until`` includes that whole day."""
    if required and (since is None or until is None):
        raise InvalidInput("期間の開始と終了が必要です", "give both a start and an end")
    try:
        start = None if since is None else _instant(since, zone, end=False)
        stop = None if until is None else _instant(until, zone, end=True)
    except OverflowError:
        raise InvalidInput("期間が範囲外です", "the period is out of range") from None
    if start is not None and stop is not None and start >= stop:
        raise InvalidInput("期間の終了は開始より後にしてください", "the end must follow the start")
    return start, stop

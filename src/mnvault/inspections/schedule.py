"""When an inspection falls due, and when a corrective action is overdue: pure date rules
(tests/test_inspections_schedule.py holds a table of dates). Days are the organisation's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from mnvault.inspections.models import ActionStatus, InspectionKind

# 四半期ごとの自己点検, 年一回の監査: the organisation may change both.
DEFAULT_INTERVALS = {InspectionKind.SELF: 91, InspectionKind.AUDIT: 365}
MAX_INTERVAL_DAYS = 3660


@dataclass(frozen=True)
class Due:
    kind: InspectionKind
    interval_days: int
    last_on: date | None
    due_on: date
    overdue: bool


def next_due(
    kind: InspectionKind, interval_days: int, starts_on: date, last_on: date | None, today: date
) -> Due:
    """Due ``interval_days`` after the last completed inspection; before any, on ``starts_on``.
    Overdue from the day after the due day."""
    due_on = starts_on if last_on is None else last_on + timedelta(days=interval_days)
    return Due(kind, interval_days, last_on, due_on, today > due_on)


def action_overdue(status: ActionStatus, due_on: date, today: date) -> bool:
    """An action not closed by the end of its due day is overdue."""
    return status is not ActionStatus.CLOSED and today > due_on

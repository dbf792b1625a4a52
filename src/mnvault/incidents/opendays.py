"""Open days of the national administrative organs, for the 確報's deadline.

別添2 3E (※２): the 30 or 60 days count Saturdays, Sundays and holidays, but when the last day
falls on a Saturday, Sunday, national holiday or the year-end closure (12月29日〜1月3日) the
deadline is the next day (行政機関の休日に関する法律第2条). Holidays come from ``jpholiday``
(maintained; it follows the 国民の祝日に関する法律 with 振替休日 and 国民の休日), never a typed
list.
"""

from __future__ import annotations

from datetime import date, timedelta

import jpholiday


def year_end_closure(day: date) -> bool:
    """12月29日〜1月3日 (行政機関の休日に関する法律第1条第1項第3号)."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def is_closed(day: date) -> bool:
    """Whether the administrative organs are closed that day."""
    return day.weekday() >= 5 or jpholiday.is_holiday(day) or year_end_closure(day)


def next_open_day(day: date) -> date:
    """``day`` itself when open, else the first open day after it: the rule says "その翌日",
    and a next day that is itself closed rolls on (a Saturday's next day is a Sunday)."""
    while is_closed(day):
        day += timedelta(days=1)
    return day


def nth_day(aware: date, days: int) -> date:
    """The ``days``-th day counting the aware date as day 1 (別添2 3E: その時点を１日目とする)."""
    return aware + timedelta(days=days - 1)


def deadline(aware: date, days: int) -> date:
    """The report deadline: the ``days``-th day, moved to the next open day when closed."""
    return next_open_day(nth_day(aware, days))

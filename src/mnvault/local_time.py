"""How a time is shown to people: in the organisation's zone, in one Japanese format.

Stored and computed times stay UTC; every screen, CSV, Excel sheet, PDF and error file
shows them through this module, so the same audit entry reads the same everywhere
(``2026/12/07 10:08``, Asia/Tokyo unless the organisation set another zone). Machine
formats (the API's JSON, the trail's export and its hashes) keep ISO 8601 in UTC.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Tokyo"
MINUTES = "%Y/%m/%d %H:%M"
SECONDS = "%Y/%m/%d %H:%M:%S"
DAY = "%Y/%m/%d"
# The same format for an Excel cell holding a local wall time (Excel has no zones).
EXCEL_MINUTES = "yyyy/mm/dd hh:mm"
EXCEL_SECONDS = "yyyy/mm/dd hh:mm:ss"
EXCEL_DAY = "yyyy/mm/dd"

Zone = ZoneInfo | str | None


class NaiveTime(ValueError):
    """A time without a zone: whether it is UTC or local cannot be known, so it is not
    shown (a wrong hour in an audit record is worse than an error)."""


def zone(name: Zone) -> ZoneInfo:
    """The zone named (the organisation's), Asia/Tokyo when none or an unknown one."""
    if isinstance(name, ZoneInfo):
        return name
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        # Settings validate the zone; a row edited behind their back still reads.
        return ZoneInfo(DEFAULT_ZONE)


def local(moment: datetime, where: Zone = None) -> datetime:
    """``moment`` as a wall time in the zone; a naive time is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise NaiveTime("a time without a zone cannot be shown")
    return moment.astimezone(zone(where))


def shown(moment: datetime | str | None, where: Zone = None, *, seconds: bool = False) -> str:
    """``2026/12/07 10:08`` (with ``:05`` when ``seconds``); "" for no time. An ISO 8601
    text with its offset (as the keyring's status holds) is read first."""
    if moment is None or moment == "":
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return local(moment, where).strftime(SECONDS if seconds else MINUTES)


def day(value: date | datetime | None, where: Zone = None) -> str:
    """``2026/12/07``: a date as it is, an instant as its day in the zone; "" for none."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local(value, where).date()
    return value.strftime(DAY)


def today(where: Zone = None) -> date:
    """Today in the zone (a Tokyo morning is still yesterday in UTC)."""
    return datetime.now(zone(where)).date()


def wall(moment: datetime, where: Zone = None) -> datetime:
    """The local wall time without its zone, for an Excel cell (formatted EXCEL_MINUTES)."""
    return local(moment, where).replace(tzinfo=None)

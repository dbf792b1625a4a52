"""What a decision is about: plain, immutable facts, free of the database.

Both evaluators (plain.py, cedar.py) read only these, so they can be compared on the
same input and benchmarked without a database. facts.py builds them from the tables.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from mnvault import local_time

DEFAULT_TIME_ZONE = local_time.DEFAULT_ZONE


@dataclass(frozen=True, slots=True)
class Scope:
    """One assignment: the affair and the persons it covers.

    ``None`` in a dimension means "all"; facts.py turns an empty list into ``None`` too.
    """

    affair: str
    departments: frozenset[str] | None = None
    spi_files: frozenset[str] | None = None
    person_kinds: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What a scope is checked against. ``spi_files`` is ``None`` while the person's
    number is not held (nor being acquired): such a person is in no SPI file yet, so
    the SPI-file dimension of a scope does not apply to them; kind and department do."""

    id: str
    kind: str
    department: str | None = None
    spi_files: frozenset[str] | None = None


@dataclass(frozen=True, slots=True)
class Resource:
    """The organisation a decision is about, and the person if there is one."""

    organisation: str
    person: PersonFacts | None = None


@dataclass(frozen=True, slots=True)
class Conditions:
    """An organisation's conditions on handling SPI (access_conditions row), as data.

    ``office_days``: ISO weekdays (1 = Monday). ``office_start``/``office_end``: minutes
    after local midnight, end exclusive; an end before the start runs past midnight.
    ``networks``: normalised CIDR text of the handling area (取扱区域).
    """

    time_zone: str = DEFAULT_TIME_ZONE
    office_days: frozenset[int] | None = None
    office_start: int | None = None
    office_end: int | None = None
    networks: tuple[str, ...] | None = None

    @property
    def has_office_hours(self) -> bool:
        return self.office_days is not None or self.office_start is not None

    def __post_init__(self) -> None:
        # Half a time range would be read differently by different people; refuse it.
        if (self.office_start is None) != (self.office_end is None):
            raise ValueError("office hours need both a start and an end")


@dataclass(frozen=True, slots=True)
class Request:
    """One question: may ``actor``, acting in ``organisation``, do ``action`` to
    ``resource`` now? ``roles`` and ``assignments`` are the actor's in that organisation."""

    actor: str
    organisation: str
    roles: frozenset[str]
    assignments: tuple[Scope, ...]
    action: str
    resource: Resource
    affair: str | None
    at: datetime
    client_address: str | None = None
    conditions: Conditions | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    reason: str


ALLOWED = Decision(True, "granted")


# -- environment facts both evaluators share -----------------------------------------


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_clock(at: datetime, time_zone: str) -> tuple[int, int]:
    """(ISO weekday, minute of the day) of ``at`` in ``time_zone``.

    Computed once, here, for both evaluators: Cedar has no IANA time zones, and the
    policy should compare a wall clock, not do calendar arithmetic.
    """
    if at.tzinfo is None:
        raise ValueError("naive datetime given where an aware one is required")
    local = at.astimezone(_zone(time_zone))
    return local.isoweekday(), local.hour * 60 + local.minute


@lru_cache(maxsize=1024)
def client_ip(address: str | None) -> str | None:
    """The client address in canonical text, or ``None`` when absent or unreadable.

    An unreadable address is treated as absent, so a handling-area condition denies it
    (fail closed); it is never handed to Cedar, where a parse error would make the
    forbid rule error and be skipped.
    """
    if not address:
        return None
    try:
        parsed = ipaddress.ip_address(address.strip())
    except ValueError:
        return None
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1 to a dual-stack server
    return str(parsed)

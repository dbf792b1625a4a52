"""The plain evaluator: the policy table read directly by Python.

It is the baseline Cedar is measured against, the oracle the agreement tests compare
Cedar with, and the source of every denial's reason (Cedar answers allow or deny; the
table says why). The checks run in a fixed order, so a denial names the first thing
missing: organisation, role, grant, reach, then the organisation's conditions.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from mnvault.access.policy.model import (
    ALLOWED,
    Conditions,
    Decision,
    PersonFacts,
    Request,
    Scope,
    client_ip,
    local_clock,
)
from mnvault.access.policy.table import CONDITIONED_ACTIONS, REACH, Reach

# Broadest first: the first reach that admits the request decides, and when none does,
# the reason given is the broadest one's (the least surprising to read).
_ORDER = (Reach.ORGANISATION, Reach.ASSIGNED, Reach.AFFAIR)


def outside(scope: Scope, person: PersonFacts) -> str | None:
    """Which dimension of ``scope`` leaves ``person`` out, or ``None`` if it covers them."""
    if scope.person_kinds is not None and person.kind not in scope.person_kinds:
        return "person kind"
    if scope.departments is not None and (
        person.department is None or person.department not in scope.departments
    ):
        return "department"
    if (
        scope.spi_files is not None
        and person.spi_files is not None
        and not scope.spi_files & person.spi_files
    ):
        return "SPI file"
    return None


def _assigned_refusal(request: Request) -> str | None:
    person = request.resource.person
    if not request.assignments:
        return "no assignment"
    if person is None or any(outside(a, person) is None for a in request.assignments):
        return None
    return "person outside every assignment"


def _affair_refusal(request: Request) -> str | None:
    if not request.affair:
        return "no affair named"
    scope = next((a for a in request.assignments if a.affair == request.affair), None)
    if scope is None:
        return "not assigned to this affair"
    person = request.resource.person
    dimension = outside(scope, person) if person is not None else None
    return f"person outside the assignment ({dimension})" if dimension else None


def _reach_refusal(reach: Reach, request: Request) -> str | None:
    if reach is Reach.ASSIGNED:
        return _assigned_refusal(request)
    if reach is Reach.AFFAIR:
        return _affair_refusal(request)
    return None


@lru_cache(maxsize=256)
def _networks(cidrs: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(c, strict=False) for c in cidrs)


def within_office_hours(conditions: Conditions, weekday: int, minute: int) -> bool:
    if conditions.office_days is not None and weekday not in conditions.office_days:
        return False
    start, end = conditions.office_start, conditions.office_end
    if start is None or end is None:
        return True
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end  # past midnight (or, start == end, all day)


def condition_refusal(request: Request) -> str | None:
    conditions = request.conditions
    if conditions is None or request.action not in CONDITIONED_ACTIONS:
        return None
    if conditions.has_office_hours:
        weekday, minute = local_clock(request.at, conditions.time_zone)
        if not within_office_hours(conditions, weekday, minute):
            return "outside office hours"
    if conditions.networks is not None:
        address = client_ip(request.client_address)
        if address is None:
            return "client address unknown (handling area)"
        ip = ipaddress.ip_address(address)
        if not any(ip in network for network in _networks(conditions.networks)):
            return "client outside the handling area"
    return None


def explain(request: Request) -> Decision:
    """Decide and say why; deny unless the table grants it."""
    if request.resource.organisation != request.organisation:
        return Decision(False, "resource of another organisation")
    if not request.roles:
        return Decision(False, "no role in this organisation")
    reaches = {
        REACH[key] for key in ((role, request.action) for role in request.roles) if key in REACH
    }
    if not reaches:
        return Decision(False, f"no role grants {request.action}")
    first: str | None = None
    for reach in _ORDER:
        if reach in reaches:
            refusal = _reach_refusal(reach, request)
            if refusal is None:
                break
            first = first or refusal
    else:
        return Decision(False, first or "no reach admits this")
    refusal = condition_refusal(request)
    return Decision(False, refusal) if refusal else ALLOWED


class PlainEvaluator:
    name = "plain"

    def evaluate(self, request: Request) -> Decision:
        return explain(request)

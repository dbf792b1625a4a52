"""The Cedar evaluator: policies.cedar (parsed once) plus each organisation's conditions.

Cedar decides allow or deny; forbid rules override permits. A denial's reason comes
from the plain evaluator over the same table (Cedar's own answer for a default deny is
only "no permit matched"). The mapping of a Request to entities and context is
described in generate.py.

Cedar has no loops, so "inside any assignment" is asked once per assignment, the one
for the named affair first; the first allow ends it. Clerks hold a handful of
assignments, and a number operation needs exactly one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache, lru_cache
from typing import Any

import cedarpy

from mnvault.access.policy.generate import POLICY_FILE, render_conditions
from mnvault.access.policy.model import (
    ALLOWED,
    Conditions,
    Decision,
    Request,
    Scope,
    client_ip,
    local_clock,
)
from mnvault.access.policy.plain import explain
from mnvault.access.policy.table import REACH, Reach

_USER = "Mnvault::User"
_ORGANISATION = "Mnvault::Organisation"  # a resource uid type only
_PERSON = "Mnvault::Person"
_ACTION = "Mnvault::Action"


@cache
def base_policies() -> cedarpy.PolicySet:
    """The base set, parsed once per process."""
    return cedarpy.PolicySet.from_str(POLICY_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=256)
def policies_for(conditions: Conditions | None) -> cedarpy.PolicySet:
    """The base plus one organisation's conditions; parsed once per distinct conditions
    (only the conditions' text is parsed; the base handle is cloned)."""
    extra = render_conditions(conditions) if conditions is not None else ""
    return base_policies().with_added_str(extra) if extra else base_policies()


@lru_cache(maxsize=4096)
def _scope_json(scope: Scope) -> str:
    """An assignment as context JSON, encoded once per distinct scope."""
    out: dict[str, Any] = {"affair": scope.affair}
    if scope.departments is not None:
        out["departments"] = sorted(scope.departments)
    if scope.spi_files is not None:
        out["spi_files"] = sorted(scope.spi_files)
    if scope.person_kinds is not None:
        out["person_kinds"] = sorted(scope.person_kinds)
    return json.dumps(out, separators=(",", ":"))


@lru_cache(maxsize=4096)
def _principal(actor: str, organisation: str, roles: frozenset[str]) -> cedarpy.Entities:
    """The principal's entity, parsed once per (actor, organisation, roles): an actor
    makes many requests, and parsing entities is a large part of a Cedar call. Keyed by
    value, so a changed role is a new key, never a stale entry."""
    entity = {
        "uid": {"type": _USER, "id": actor},
        "attrs": {"organisation": organisation, "roles": sorted(roles)},
        "parents": [],
    }
    return cedarpy.Entities.from_json_str(json.dumps([entity]))


def _entities(request: Request) -> tuple[cedarpy.Entities, dict[str, str]]:
    """(principal and resource entities, the resource's uid)."""
    # Organisations are compared, never traversed: plain id strings parse faster than
    # entity references (benchmarks/authorize.py).
    resource_org = request.resource.organisation
    person = request.resource.person
    if person is None:
        uid = {"type": _ORGANISATION, "id": resource_org}
        attrs: dict[str, Any] = {"organisation": resource_org}
    else:
        uid = {"type": _PERSON, "id": person.id}
        attrs = {"organisation": resource_org, "kind": person.kind}
        if person.department is not None:
            attrs["department"] = person.department
        if person.spi_files is not None:
            attrs["spi_files"] = sorted(person.spi_files)
    resource = json.dumps([{"uid": uid, "attrs": attrs, "parents": []}], separators=(",", ":"))
    return _with_resource(request.actor, request.organisation, request.roles, resource), uid


@lru_cache(maxsize=4096)
def _with_resource(
    actor: str, organisation: str, roles: frozenset[str], resource: str
) -> cedarpy.Entities:
    """The principal's entity plus the resource's, parsed once per distinct pair: a clerk
    reads the same persons again and again. Keyed by value, as :func:`_principal`."""
    return _principal(actor, organisation, roles).with_added_json_str(resource)


def _context_fields(request: Request) -> str:
    """The context's JSON members other than the assignment (added per candidate)."""
    context: dict[str, Any] = {}
    if request.affair:
        context["affair"] = request.affair
    conditions = request.conditions
    if conditions is not None:
        # Read only by the conditions' forbid rules, so computed only when there are some.
        weekday, minute = local_clock(request.at, conditions.time_zone)
        context["local_weekday"] = weekday
        context["local_minute"] = minute
        address = client_ip(request.client_address)
        if address is not None:
            # Canonical text; the handling-area rule parses it with ip() only when it
            # runs (an ipaddr value in the context would be parsed on every request).
            context["client"] = address
    return json.dumps(context, separators=(",", ":"))[1:-1]


def _candidates(request: Request) -> Sequence[Scope | None]:
    """The assignments to put in ``context.assignment``, one evaluation each.

    An affair-reach permit reads only the named affair's assignment, so that one goes
    first and, unless some role's grant of this action has the assigned reach (any
    assignment may admit the person), alone. Which reach a grant has is the table's
    (the same table the policy file is generated from).
    """
    named = [a for a in request.assignments if a.affair == request.affair]
    if any(REACH.get((role, request.action)) is Reach.ASSIGNED for role in request.roles):
        others = [a for a in request.assignments if a.affair != request.affair]
        return [*named, *others] or [None]
    return named or [None]


def allows(request: Request) -> bool:
    policies = policies_for(request.conditions)
    entities, resource = _entities(request)
    fields = _context_fields(request)
    separator = "," if fields else ""
    cedar_request: dict[str, Any] = {
        "principal": {"type": _USER, "id": request.actor},
        "action": {"type": _ACTION, "id": request.action},
        "resource": resource,
    }
    for scope in _candidates(request):
        assignment = f'{separator}"assignment":{_scope_json(scope)}' if scope is not None else ""
        cedar_request["context"] = f"{{{fields}{assignment}}}"
        result = cedarpy.is_authorized(cedar_request, policies, entities)
        if result.diagnostics.errors:
            # Cedar skips a policy whose evaluation errs; for a forbid rule that would
            # admit what it should refuse. Any error denies (fail closed).
            return False
        if result.allowed:
            return True
    return False


class CedarEvaluator:
    name = "cedar"

    def evaluate(self, request: Request) -> Decision:
        if allows(request):
            return ALLOWED
        reason = explain(request)
        # Both read one table; if they ever disagree, deny and say that Cedar denied.
        return reason if not reason.allowed else Decision(False, "denied by policy")

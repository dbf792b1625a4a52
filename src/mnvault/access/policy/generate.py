"""Render the policy table as Cedar: the base set (policies.cedar) and an organisation's
conditions (forbid rules added to the base at run time).

Regenerate the file after changing table.py:
``uv run python -m mnvault.access.policy.generate``; tests/test_policy.py fails
while the file and the table disagree.

Cedar mapping (the same facts plain.py reads, see model.py):
- principal ``Mnvault::User::"<id>"`` {organisation: String, roles: Set<String>}, the
  organisation being the one the request acts in and the roles those held there;
- action ``Mnvault::Action::"<resource:action>"`` (the Permission value);
- resource ``Mnvault::Person::"<id>"`` {organisation, kind, department?, spi_files?}
  or ``Mnvault::Organisation::"<id>"`` {organisation (its own id)}; ids are UUID text;
- context {affair?, assignment? {affair, departments?, spi_files?, person_kinds?},
  local_weekday, local_minute, client? (canonical IP text)}; an absent optional means
  "none named" for affair and client and "all" for a scope dimension.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from pathlib import Path

from mnvault.access.policy.model import Conditions
from mnvault.access.policy.table import (
    CONDITIONED_ACTIONS,
    GRANTS,
    HANDLING_AREA,
    OFFICE_HOURS,
    Grant,
    Reach,
)

POLICY_FILE = Path(__file__).with_name("policies.cedar")

ACTION = "Mnvault::Action"
PERSON = "Mnvault::Person"

_HEADER = """\
// mnvault authorization policies, GENERATED from mnvault/access/policy/table.py by
// `uv run python -m mnvault.access.policy.generate`. Do not edit by hand.
// Deny by default: a request is allowed only when a permit below matches and no forbid
// does (forbid overrides permit). The organisation's office hours and handling area are
// forbid rules added per organisation at run time (generate.render_conditions).

// One organisation's users never reach another's data (DESIGN.md §1), whatever permits
// may be added later.
@id("tenant")
forbid (principal, action, resource)
unless { resource.organisation == principal.organisation };
"""

# A person is inside a scope when each dimension the assignment restricts covers them
# (plain.outside is the same test).
_IN_SCOPE = f"""\
    (!(resource is {PERSON}) ||
      ((!(context.assignment has person_kinds) ||
         context.assignment.person_kinds.contains(resource.kind)) &&
       (!(context.assignment has departments) ||
         (resource has department &&
          context.assignment.departments.contains(resource.department))) &&
       (!(context.assignment has spi_files) ||
         !(resource has spi_files) ||
         context.assignment.spi_files.containsAny(resource.spi_files))))"""

_REACH = {
    Reach.ORGANISATION: "",
    Reach.ASSIGNED: f" &&\n    context has assignment &&\n{_IN_SCOPE}",
    Reach.AFFAIR: (
        " &&\n    context has affair && context has assignment &&\n"
        f"    context.assignment.affair == context.affair &&\n{_IN_SCOPE}"
    ),
}


def _actions(names: Iterable[str]) -> str:
    return ",\n    ".join(f'{ACTION}::"{name}"' for name in sorted(names))


def _permit(roles: list[str], reach: Reach, grant: Grant) -> str:
    """One permit for the roles that hold the same permissions with the same reach."""
    names = ", ".join(f'"{role}"' for role in roles)
    return (
        f"// {' / '.join(roles)} × {reach}: {grant.source}\n"
        f'@id("{"+".join(roles)}/{reach}")\n'
        "permit (\n"
        "  principal,\n"
        f"  action in [\n    {_actions(str(p) for p in grant.permissions)}\n  ],\n"
        "  resource\n"
        ")\n"
        f"when {{\n    principal.roles.containsAny([{names}]){_REACH[reach]}\n}};\n"
    )


def render_base() -> str:
    """The whole base policy set: one permit per (reach, set of permissions), naming
    every role that holds exactly that (fewer policies, faster decisions)."""
    per_role: dict[tuple[str, Reach], Grant] = {}
    for grant in GRANTS:
        key = (str(grant.role), grant.reach)
        previous = per_role.get(key)
        # The table may split one role's reach across rows; the first row's source stays.
        per_role[key] = (
            grant
            if previous is None
            else Grant(
                grant.role, grant.reach, previous.permissions | grant.permissions, previous.source
            )
        )
    groups: dict[tuple[Reach, frozenset[str]], list[Grant]] = {}
    for (_, reach), grant in sorted(per_role.items()):
        groups.setdefault((reach, frozenset(str(p) for p in grant.permissions)), []).append(grant)
    permits = [
        _permit(sorted(str(g.role) for g in grants), reach, grants[0])
        for (reach, _), grants in sorted(
            groups.items(), key=lambda item: (item[0][0], sorted(item[0][1]))
        )
    ]
    return "\n".join([_HEADER, *permits])


def _forbid(policy_id: str, source: str, unless: str) -> str:
    return (
        f"// {source}\n"
        f'@id("{policy_id}")\n'
        f"forbid (\n  principal,\n  action in [\n    {_actions(CONDITIONED_ACTIONS)}\n  ],\n"
        f"  resource\n)\nunless {{ {unless} }};\n"
    )


def render_conditions(conditions: Conditions) -> str:
    """An organisation's conditions as forbid rules (empty text when it has none).

    Every value is re-validated into canonical form (integers, CIDR text), so nothing
    an administrator typed reaches the policy text as it was typed.
    """
    parts: list[str] = []
    if conditions.has_office_hours:
        tests: list[str] = []
        if conditions.office_days is not None:
            days = ", ".join(str(int(d)) for d in sorted(conditions.office_days))
            tests.append(f"[{days}].contains(context.local_weekday)")
        start, end = conditions.office_start, conditions.office_end
        if start is not None and end is not None:
            start, end = int(start), int(end)
            if start < end:
                tests.append(f"(context.local_minute >= {start} && context.local_minute < {end})")
            else:  # past midnight; start == end is the whole day
                tests.append(f"(context.local_minute >= {start} || context.local_minute < {end})")
        parts.append(_forbid("office_hours", OFFICE_HOURS, " && ".join(tests) or "true"))
    if conditions.networks is not None:
        ranges = [
            f'ip(context.client).isInRange(ip("{ipaddress.ip_network(c, strict=False)}"))'
            for c in conditions.networks
        ]
        inside = " || ".join(ranges) or "false"
        parts.append(_forbid("handling_area", HANDLING_AREA, f"context has client && ({inside})"))
    return "\n".join(parts)


def main() -> None:
    POLICY_FILE.write_text(render_base(), encoding="utf-8")
    print(f"wrote {POLICY_FILE}")


if __name__ == "__main__":
    main()

"""The policy table, evaluated by Cedar and by the plain evaluator (issue #3 "Decisions").

Sources: 事業者編 別添1 2F a アクセス制御 and 2C a 組織体制の整備 / seed 図表2-2 (6)①,
図表2-1 (3)①; 行政機関等編 別添1 2F a (管理者権限を有するユーザー) / seed 図表2-2 (6)①
管理権限者による不要なアクセスの制御; the handling area (取扱区域) 事業者編 別添1 2E a,
2F a / seed 図表2-2 (5)①, (6)③. Each grant's own source is in table.py and is named in
the failure message of its cell.

The cell test is generated from the table: every role × permission × scope situation,
with the expected answer worked out here from the table's reach by the rule stated in
table.py's docstring (not by either evaluator), and both evaluators checked against it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mnvault.access.models import Role
from mnvault.access.permissions import NUMBER_PERMISSIONS, RETURNS_NUMBER, Permission
from mnvault.access.policy import engine
from mnvault.access.policy.cedar import CedarEvaluator, base_policies
from mnvault.access.policy.generate import POLICY_FILE, render_base, render_conditions
from mnvault.access.policy.model import (
    Conditions,
    Decision,
    PersonFacts,
    Request,
    Resource,
    Scope,
)
from mnvault.access.policy.plain import PlainEvaluator
from mnvault.access.policy.table import (
    CONDITIONED_ACTIONS,
    GRANTS,
    NUMBER_BLIND_ROLES,
    REACH,
    Reach,
    source_of,
)

PLAIN, CEDAR = PlainEvaluator(), CedarEvaluator()
EVALUATORS = pytest.mark.parametrize("evaluator", [PLAIN, CEDAR], ids=["plain", "cedar"])

ORG, OTHER_ORG = str(uuid.UUID(int=1)), str(uuid.UUID(int=2))
ACTOR = str(uuid.UUID(int=3))
HR, SALES = str(uuid.UUID(int=10)), str(uuid.UUID(int=11))
LEDGER, CUSTOMERS = str(uuid.UUID(int=20)), str(uuid.UUID(int=21))
SLIP, INSURANCE = "withholding_slip", "health_pension_insurance"
# Tuesday 10:00 in Tokyo.
OFFICE_TIME = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)

EMPLOYEE_IN_HR = PersonFacts(str(uuid.UUID(int=100)), "employee", HR, frozenset({LEDGER}))
# The clerk's assignment: withholding slips, HR employees in the employee ledger.
SCOPED = Scope(SLIP, frozenset({HR}), frozenset({LEDGER}), frozenset({"employee"}))


@dataclass(frozen=True)
class Situation:
    """One scope cell: what the request is about and what the actor is assigned to."""

    name: str
    resource: Resource
    affair: str | None
    assignments: tuple[Scope, ...]
    # Which reaches admit this cell (worked out by hand from table.py's definitions).
    admits: frozenset[Reach]


_ALL = frozenset(Reach)
_ORG_ONLY = frozenset({Reach.ORGANISATION})

SITUATIONS = (
    Situation(
        "organisation, affair named and assigned",
        Resource(ORG),
        SLIP,
        (SCOPED,),
        _ALL,
    ),
    Situation(
        "organisation, no assignment",
        Resource(ORG),
        SLIP,
        (),
        _ORG_ONLY,
    ),
    Situation(
        "organisation, assigned but no affair named",
        Resource(ORG),
        None,
        (SCOPED,),
        frozenset({Reach.ORGANISATION, Reach.ASSIGNED}),
    ),
    Situation(
        "person inside the named affair's scope",
        Resource(ORG, EMPLOYEE_IN_HR),
        SLIP,
        (SCOPED,),
        _ALL,
    ),
    Situation(
        "person inside, number not held yet (no SPI file)",
        Resource(ORG, replace(EMPLOYEE_IN_HR, spi_files=None)),
        SLIP,
        (SCOPED,),
        _ALL,
    ),
    Situation(
        "person of another kind",
        Resource(ORG, replace(EMPLOYEE_IN_HR, kind="customer")),
        SLIP,
        (SCOPED,),
        _ORG_ONLY,
    ),
    Situation(
        "person of another department",
        Resource(ORG, replace(EMPLOYEE_IN_HR, department=SALES)),
        SLIP,
        (SCOPED,),
        _ORG_ONLY,
    ),
    Situation(
        "person without a department",
        Resource(ORG, replace(EMPLOYEE_IN_HR, department=None)),
        SLIP,
        (SCOPED,),
        _ORG_ONLY,
    ),
    Situation(
        "person in another SPI file",
        Resource(ORG, replace(EMPLOYEE_IN_HR, spi_files=frozenset({CUSTOMERS}))),
        SLIP,
        (SCOPED,),
        _ORG_ONLY,
    ),
    Situation(
        "person inside, affair named but not assigned",
        Resource(ORG, EMPLOYEE_IN_HR),
        INSURANCE,
        (SCOPED,),
        frozenset({Reach.ORGANISATION, Reach.ASSIGNED}),
    ),
    Situation(
        "person covered by a second, unscoped assignment only",
        Resource(ORG, replace(EMPLOYEE_IN_HR, department=SALES)),
        SLIP,
        (SCOPED, Scope(INSURANCE)),
        frozenset({Reach.ORGANISATION, Reach.ASSIGNED}),
    ),
    Situation(
        "another organisation's person",
        Resource(OTHER_ORG, EMPLOYEE_IN_HR),
        SLIP,
        (SCOPED,),
        frozenset(),
    ),
)


def request(
    role_names: frozenset[str], permission: str, situation: Situation, **changes: object
) -> Request:
    base = Request(
        actor=ACTOR,
        organisation=ORG,
        roles=role_names,
        assignments=situation.assignments,
        action=permission,
        resource=situation.resource,
        affair=situation.affair,
        at=OFFICE_TIME,
        client_address="10.0.0.7",
        conditions=None,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def expected(role: Role, permission: Permission, situation: Situation) -> bool:
    reach = REACH.get((str(role), str(permission)))
    return reach is not None and reach in situation.admits


CELLS = [
    pytest.param(
        role,
        permission,
        id=f"{role}×{permission}",
    )
    for role in Role
    for permission in Permission
]

_DENY_SOURCE = "deny by default: 事業者編 別添1 2F a (事務取扱担当者を限定) / seed 図表2-2 (6)①"


@EVALUATORS
@pytest.mark.parametrize(("role", "permission"), CELLS)
def test_every_role_action_scope_cell(evaluator, role: Role, permission: Permission):
    source = source_of(role, permission) or _DENY_SOURCE
    for situation in SITUATIONS:
        decision = evaluator.evaluate(request(frozenset({str(role)}), str(permission), situation))
        assert decision.allowed is expected(role, permission, situation), (
            f"{role} × {permission} × {situation.name}: {decision.reason} [{source}]"
        )


def test_the_cells_cover_every_grant_and_every_reach():
    granted = {(str(g.role), str(p)) for g in GRANTS for p in g.permissions}
    assert granted == set(REACH)
    for reach in Reach:
        admitted = [s for s in SITUATIONS if reach in s.admits]
        refused = [s for s in SITUATIONS if reach not in s.admits]
        assert admitted and refused, reach


@pytest.mark.parametrize(
    ("role", "situation", "reason"),
    [
        (Role.CLERK, SITUATIONS[1], "not assigned to this affair"),
        (Role.CLERK, SITUATIONS[2], "no affair named"),
        (Role.CLERK, SITUATIONS[5], "person outside the assignment (person kind)"),
        (Role.CLERK, SITUATIONS[6], "person outside the assignment (department)"),
        (Role.CLERK, SITUATIONS[8], "person outside the assignment (SPI file)"),
        (Role.CLERK, SITUATIONS[11], "resource of another organisation"),
        (Role.ADMIN, SITUATIONS[0], "no role grants number:read"),
    ],
)
@EVALUATORS
def test_a_denial_says_why(evaluator, role: Role, situation: Situation, reason: str):
    decision = evaluator.evaluate(request(frozenset({str(role)}), "number:read", situation))
    assert decision == Decision(False, reason)


@EVALUATORS
def test_no_role_and_unknown_actions_are_denied(evaluator):
    situation = SITUATIONS[0]
    assert evaluator.evaluate(request(frozenset(), "number:read", situation)) == Decision(
        False, "no role in this organisation"
    )
    assert not evaluator.evaluate(request(frozenset({"manager"}), "number:burn", situation)).allowed
    assert not evaluator.evaluate(request(frozenset({"root"}), "affair:read", situation)).allowed


# -- separation of duties ------------------------------------------------------------


@pytest.mark.parametrize("role", sorted(NUMBER_BLIND_ROLES))
@EVALUATORS
def test_admin_and_auditor_hold_no_permission_that_returns_a_number(evaluator, role: Role):
    """Walk every permission in the most generous situation (assigned to the affair, the
    person inside the scope): whatever admin or auditor may do returns no number."""
    generous = SITUATIONS[3]
    allowed = {
        permission
        for permission in Permission
        if evaluator.evaluate(request(frozenset({str(role)}), str(permission), generous)).allowed
    }
    assert allowed, "the walk must reach something, or it proves nothing"
    assert not allowed & (RETURNS_NUMBER | NUMBER_PERMISSIONS)


def test_the_table_refuses_a_number_permission_for_a_number_blind_role():
    from mnvault.access.policy import table

    bad = (*GRANTS, table.Grant(Role.AUDITOR, Reach.AFFAIR, frozenset(RETURNS_NUMBER), "x"))
    with pytest.raises(ValueError, match="may not hold a number permission"):
        table._check(bad)


# -- the Cedar file is the table -----------------------------------------------------


def test_policies_cedar_is_generated_from_the_table():
    assert POLICY_FILE.read_text(encoding="utf-8") == render_base(), (
        "policies.cedar is stale: run `uv run python -m mnvault.access.policy.generate`"
    )


def test_the_policy_set_is_parsed_once():
    assert base_policies() is base_policies()
    assert len(base_policies()) == render_base().count("\n@id(")


def test_a_policy_that_errs_denies(monkeypatch: pytest.MonkeyPatch):
    """Cedar skips a policy whose evaluation errs: a broken forbid rule must not let a
    request through (fail closed)."""
    allowed = request(frozenset({"clerk"}), "number:read", SITUATIONS[3])
    assert CEDAR.evaluate(allowed).allowed
    broken = base_policies().with_added_str(
        "forbid (principal, action, resource) when { context.no_such_attribute == 1 };"
    )
    monkeypatch.setattr("mnvault.access.policy.cedar.policies_for", lambda _conditions: broken)
    assert not CEDAR.evaluate(allowed).allowed


def test_engine_defaults_to_cedar_and_can_switch():
    assert engine.evaluator().name == "cedar"
    previous = engine.use("plain")
    try:
        assert engine.evaluator().name == "plain"
    finally:
        engine.restore(previous)
    assert engine.evaluator().name == "cedar"


# -- conditions: office hours and the handling area ------------------------------------

WEEKDAYS_9_TO_18 = Conditions(
    office_days=frozenset({1, 2, 3, 4, 5}), office_start=9 * 60, office_end=18 * 60
)


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


@EVALUATORS
@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        ("2026-12-01T00:00:00+00:00", True),  # Tue 09:00 JST: opening minute
        ("2026-11-30T23:59:59+00:00", False),  # Tue 08:59 JST (still Monday in UTC)
        ("2026-12-04T08:59:00+00:00", True),  # Fri 17:59 JST
        ("2026-12-04T09:00:00+00:00", False),  # Fri 18:00 JST: closing is exclusive
        ("2026-12-04T15:30:00+00:00", False),  # Sat 00:30 JST, still Friday in UTC
        ("2026-12-06T23:30:00+00:00", False),  # Mon 08:30 JST, Sunday in UTC
        ("2026-12-07T00:00:00+00:00", True),  # Mon 09:00 JST
        ("2026-12-07T09:00:00+09:00", True),  # the same instant, given in JST
    ],
)
def test_office_hours_are_read_in_the_organisations_time_zone(evaluator, at: str, allowed: bool):
    decision = evaluator.evaluate(
        request(
            frozenset({"clerk"}),
            "number:read",
            SITUATIONS[3],
            at=_at(at),
            conditions=WEEKDAYS_9_TO_18,
        )
    )
    assert decision.allowed is allowed, decision.reason
    if not allowed:
        assert decision.reason == "outside office hours"


@EVALUATORS
@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        # New York moves to daylight time on Sunday 2026-03-08.
        ("2026-03-06T13:30:00+00:00", False),  # Fri 08:30 EST
        ("2026-03-06T14:30:00+00:00", True),  # Fri 09:30 EST
        ("2026-03-09T13:30:00+00:00", True),  # Mon 09:30 EDT: the same UTC hour now admits
        ("2026-03-09T21:30:00+00:00", False),  # Mon 17:30 EDT
    ],
)
def test_office_hours_follow_daylight_saving_time(evaluator, at: str, allowed: bool):
    conditions = replace(WEEKDAYS_9_TO_18, time_zone="America/New_York", office_end=17 * 60)
    decision = evaluator.evaluate(
        request(
            frozenset({"clerk"}), "number:read", SITUATIONS[3], at=_at(at), conditions=conditions
        )
    )
    assert decision.allowed is allowed, decision.reason


@EVALUATORS
@pytest.mark.parametrize(
    ("local", "allowed"),
    [("23:00", True), ("05:59", True), ("06:00", False), ("12:00", False), ("22:00", True)],
)
def test_a_night_shift_runs_past_midnight(evaluator, local: str, allowed: bool):
    night = Conditions(office_start=22 * 60, office_end=6 * 60)
    at = datetime.fromisoformat(f"2026-12-02T{local}:00+09:00")
    decision = evaluator.evaluate(
        request(frozenset({"clerk"}), "number:read", SITUATIONS[3], at=at, conditions=night)
    )
    assert decision.allowed is allowed


HANDLING_AREA = Conditions(networks=("10.0.0.0/8", "2001:db8::/32"))


@EVALUATORS
@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.1.2.3", None),
        ("::ffff:10.1.2.3", None),  # a dual-stack server's view of an IPv4 client
        ("2001:db8::1", None),
        ("11.0.0.1", "client outside the handling area"),
        ("2001:db9::1", "client outside the handling area"),
        (None, "client address unknown (handling area)"),
        ("not an address", "client address unknown (handling area)"),
        ('10.0.0.1") || true || ip("1', "client address unknown (handling area)"),
    ],
)
def test_the_handling_area_admits_its_networks_only(
    evaluator, address: str | None, reason: str | None
):
    decision = evaluator.evaluate(
        request(
            frozenset({"clerk"}),
            "number:read",
            SITUATIONS[3],
            client_address=address,
            conditions=HANDLING_AREA,
        )
    )
    assert decision == (Decision(True, "granted") if reason is None else Decision(False, reason))


@EVALUATORS
def test_conditions_bind_spi_handling_only(evaluator):
    """An auditor reads the trail at night from home during an incident; a clerk does
    not read numbers then (CONDITIONED_ACTIONS = SPI_PERMISSIONS)."""
    strict = replace(HANDLING_AREA, office_days=frozenset({1}), office_start=540, office_end=600)
    night = _at("2026-12-05T15:00:00+00:00")
    audit_read = request(
        frozenset({"auditor"}),
        "audit:read",
        SITUATIONS[0],
        at=night,
        client_address="198.51.100.1",
        conditions=strict,
    )
    assert evaluator.evaluate(audit_read).allowed
    number_read = replace(audit_read, roles=frozenset({"clerk"}), action="number:read")
    assert not evaluator.evaluate(number_read).allowed
    assert "audit:read" not in CONDITIONED_ACTIONS and "number:read" in CONDITIONED_ACTIONS


@EVALUATORS
def test_conditions_override_every_grant(evaluator):
    """Forbid overrides permit: a manager with every role and assignment is still refused
    outside office hours."""
    everything = frozenset(str(r) for r in Role)
    closed = replace(WEEKDAYS_9_TO_18, office_days=frozenset({7}))
    decision = evaluator.evaluate(
        request(everything, "person:read", SITUATIONS[0], conditions=closed)
    )
    assert decision == Decision(False, "outside office hours")


def test_conditions_render_only_canonical_values():
    text = render_conditions(
        Conditions(
            office_days=frozenset({5, 1}),
            office_start=540,
            office_end=1080,
            networks=("10.0.0.1/8",),
        )
    )
    assert "[1, 5].contains(context.local_weekday)" in text
    assert 'ip("10.0.0.0/8")' in text
    assert render_conditions(Conditions()) == ""
    with pytest.raises(ValueError, match="does not appear to be an IPv4 or IPv6 network"):
        render_conditions(Conditions(networks=('10.0.0.0/8") || true || ip("1',)))


def test_half_an_office_range_is_refused():
    with pytest.raises(ValueError, match="both a start and an end"):
        Conditions(office_start=540)


# -- Cedar and the plain evaluator agree on random requests -------------------------

_ids = st.sampled_from([HR, SALES, str(uuid.UUID(int=12))])
_files = st.sampled_from([LEDGER, CUSTOMERS, str(uuid.UUID(int=22))])
_kinds = st.sampled_from(["employee", "dependent", "customer", "payee", "resident"])
_affairs = st.sampled_from([SLIP, INSURANCE, "resident_tax"])


def _maybe_set(elements: st.SearchStrategy[str]) -> st.SearchStrategy[frozenset[str] | None]:
    return st.none() | st.frozensets(elements, min_size=1, max_size=3)


scopes = st.builds(
    Scope,
    affair=_affairs,
    departments=_maybe_set(_ids),
    spi_files=_maybe_set(_files),
    person_kinds=_maybe_set(_kinds),
)
persons = st.builds(
    PersonFacts,
    id=st.just(str(uuid.UUID(int=100))),
    kind=_kinds,
    department=st.none() | _ids,
    spi_files=st.none() | st.frozensets(_files, max_size=2),
)
resources = st.builds(
    Resource, organisation=st.sampled_from([ORG] * 9 + [OTHER_ORG]), person=st.none() | persons
)
minutes = st.integers(0, 24 * 60 - 1)
conditions = st.none() | st.builds(
    lambda days, times, networks, zone: Conditions(
        time_zone=zone,
        office_days=days,
        office_start=times[0] if times else None,
        office_end=times[1] if times else None,
        networks=networks,
    ),
    st.none() | st.frozensets(st.integers(1, 7), min_size=1),
    st.none() | st.tuples(minutes, minutes),
    st.none()
    | st.lists(st.sampled_from(["10.0.0.0/8", "192.168.1.0/24", "2001:db8::/32"]), max_size=2).map(
        tuple
    ),
    st.sampled_from(["Asia/Tokyo", "UTC", "America/New_York", "Pacific/Chatham"]),
)
addresses = st.none() | st.sampled_from(
    ["10.2.3.4", "192.168.1.9", "192.168.2.9", "2001:db8::5", "::1", "bogus", "::ffff:10.0.0.1"]
)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
requests = st.builds(
    Request,
    actor=st.just(ACTOR),
    organisation=st.just(ORG),
    # No role at all is one cell (test_no_role_and_unknown_actions_are_denied).
    roles=st.frozensets(st.sampled_from([str(r) for r in Role]), min_size=1, max_size=2),
    assignments=st.lists(scopes, max_size=3, unique_by=lambda s: s.affair).map(tuple),
    action=st.sampled_from([str(p) for p in Permission]),
    resource=resources,
    affair=st.sampled_from([None, SLIP, SLIP, INSURANCE, "resident_tax"]),
    at=instants,
    client_address=addresses,
    conditions=conditions,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests)
def test_cedar_and_plain_agree_on_random_requests(req: Request):
    assert CEDAR.evaluate(req) == PLAIN.evaluate(req)


@settings(max_examples=100, deadline=None)
@given(requests, st.integers(-(23 * 60 + 59), 23 * 60 + 59))
def test_the_answer_depends_on_the_instant_not_the_offset_it_is_written_in(
    req: Request, offset_minutes: int
):
    shifted = req.at.astimezone(timezone(timedelta(minutes=offset_minutes)))
    assert PLAIN.evaluate(req) == PLAIN.evaluate(replace(req, at=shifted))
    assert CEDAR.evaluate(req) == CEDAR.evaluate(replace(req, at=shifted))

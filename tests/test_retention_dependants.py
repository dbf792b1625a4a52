"""Issue #13, Retention: dependants fall due with their employee (or 7 years from the last
申告書 that names them), never "kept forever unless ended by hand".

Sources: 所得税法施行規則第76条の3 (扶養控除等申告書: 提出期限の属する年の翌年1月10日の翌日から
7年), quoted in 事業者編 第4-3-(3)B 保管制限と廃棄; 事業者編 第4-3-(3)B (雇用契約等の継続的な
契約関係にある間は保管できる; 必要がなくなれば速やかに廃棄). A dependant's number is received
through the employee's 申告書 (所得税法第194条第1項), so it is needed as long as the employee's
申告書 that names them must be kept, and no longer.
"""

from __future__ import annotations

from datetime import date

import pytest

from mnvault.db.engine import unit_of_work
from mnvault.disposal import services as retention
from mnvault.disposal.due import PersonFacts, dependant_facts, keep_until
from mnvault.disposal.rules import Event
from mnvault.vault import services as vs
from mnvault.vault.models import PersonKind
from tests.conftest import World
from tests.disposal_support import add_persons

DECL = "dependent_deduction_declaration"
SD = Event.SUBMISSION_DEADLINE.value
LAW = retention.statutory_book()


def f(end: date | None = None, **events: date) -> PersonFacts:
    return PersonFacts(end, False, events)


# (dependant's own facts, employee's facts, last day of keeping under the 76条の3 rule, source)
CASES = [
    pytest.param(
        f(), None, None,
        id="no employee linked: kept until its own end is recorded (第4-3-(3)B)",
    ),
    pytest.param(
        f(), f(), None,
        id="employee still employed: 継続的な契約関係 (事業者編 第4-3-(3)B)",
    ),
    pytest.param(
        f(), f(date(2024, 3, 31)), date(2032, 1, 10),
        id="falls due with the employee: 施行規則第76条の3 (2024年の申告書 → 2032-01-10)",
    ),
    pytest.param(
        f(), f(date(2024, 3, 31), submission_deadline=date(2023, 1, 20)), date(2031, 1, 10),
        id="the employee's last 申告書 is the last that names them (施行規則第76条の3)",
    ),
    pytest.param(
        f(date(2019, 12, 31), submission_deadline=date(2019, 1, 20)), f(), date(2027, 1, 10),
        id="no longer named: 7 years from the last 申告書 naming them (施行規則第76条の3)",
    ),
    pytest.param(
        f(submission_deadline=date(2021, 1, 20)), f(date(2024, 3, 31)), date(2029, 1, 10),
        id="own last 申告書 recorded: it counts, not the employee's (施行規則第76条の3)",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("own", "employee", "expected"), CASES)
def test_a_dependant_follows_the_employee(own, employee, expected):
    assert keep_until((DECL,), LAW, dependant_facts(own, employee)) == expected


def _due(world: World, by: date) -> set[object]:
    with world.sessions() as session:
        return {i.person_id for i in retention.due_items(session, world.org.id, by=by)}


def test_an_employee_a_spouse_and_a_child_fall_due_together(world: World):
    """The spouse (still named on the employee's 申告書) falls due with the employee; the
    child, no longer named since the 2019 申告書, seven years after that one; and none
    while the employee is employed — nobody has to end a dependant by hand."""
    ((employee, _),) = add_persons(world, 1, seed=900, affairs=(DECL,), prefix="EMP")
    ((spouse, _),) = add_persons(
        world, 1, seed=901, affairs=(DECL,), prefix="SPO",
        kind=PersonKind.DEPENDENT, related_person_id=employee,
    )  # fmt: skip
    ((child, _),) = add_persons(
        world, 1, seed=902, affairs=(DECL,), prefix="CHI", relationship_end=date(2019, 12, 31),
        kind=PersonKind.DEPENDENT, related_person_id=employee,
    )  # fmt: skip
    with unit_of_work(world.sessions) as session:
        retention.record_event(
            session, world.ctx("manager"), person_id=child,
            event=Event.SUBMISSION_DEADLINE, occurred_on=date(2019, 1, 20),
        )  # fmt: skip
    assert _due(world, date(2027, 1, 11)) == {child}
    assert _due(world, date(2040, 1, 1)) == {child}  # the employee is still employed
    with unit_of_work(world.sessions) as session:
        vs.end_relationship(
            session, world.ctx("clerk"), person_id=employee,
            ended_on=date(2024, 3, 31), cause=vs.RelationshipEnd.RETIREMENT,
        )  # fmt: skip
    assert _due(world, date(2032, 1, 10)) == {child}
    assert _due(world, date(2032, 1, 11)) == {employee, spouse, child}

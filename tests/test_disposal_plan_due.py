"""The batch plan (one grouped INSERT … SELECT, batches._insert_due) takes exactly the
persons the rule table in Python (due.keep_until) finds due, with their affairs —
dependants following their employee included (issue #13, Retention).

Sources: 事業者編 第4-3-(3)B 保管制限と廃棄 (廃棄は保存期間の経過後できるだけ速やかに;
扶養控除等申告書の7年の例); 所得税法施行規則第76条の3; organisation rules stricter than
the law (issue #5, retention rules).
"""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy import select

from mnvault.db.engine import unit_of_work
from mnvault.disposal import batches
from mnvault.disposal import services as retention
from mnvault.disposal.due import keep_until
from mnvault.disposal.errors import NothingToDispose
from mnvault.disposal.models import DisposalBatchPerson
from mnvault.disposal.rules import Event, Start
from mnvault.vault import services as vs
from mnvault.vault.models import LifeStatus, PersonKind
from tests.conftest import World
from tests.disposal_support import add_persons

DECL = "dependent_deduction_declaration"
SLIP = "withholding_slip"
ENDS = (None, date(2016, 6, 30), date(2020, 12, 31), date(2024, 3, 31), date(2025, 12, 31))
EVENTS = {
    Event.SUBMISSION_DEADLINE: (date(2017, 1, 20), date(2023, 1, 20)),
    Event.DEATH: (date(2015, 5, 1), date(2024, 8, 1)),
    Event.LAST_FILING: (date(2019, 1, 31), date(2026, 1, 31)),
}
DAYS = (date(2019, 1, 1), date(2021, 2, 1), date(2025, 2, 1), date(2026, 1, 11),
        date(2031, 1, 11), date(2032, 1, 11), date(2040, 1, 1))  # fmt: skip


def _planned(world: World, by: date) -> dict[object, set[str]]:
    with world.sessions() as session:
        try:
            batch = batches.plan(session, world.ctx("manager"), today=by, reason="test")
        except NothingToDispose:
            return {}
        members = session.scalars(
            select(DisposalBatchPerson).where(DisposalBatchPerson.batch_id == batch.id)
        )
        planned = {m.person_id: set(m.affair_codes.split(",")) for m in members}
        session.rollback()
    return planned


def _expected(world: World, by: date) -> dict[object, set[str]]:
    with world.sessions() as session:
        book = retention.rule_book(session, world.org.id)
        return {
            h.person_id: set(h.affairs)
            for h in retention.holdings(session, world.org.id)
            if (until := keep_until(h.affairs, book, h.facts)) is not None and until < by
        }


def test_the_plan_takes_exactly_the_persons_the_rule_table_finds_due(world: World):
    pick = random.Random(5)
    for i in range(24):
        affairs = pick.choice(((SLIP,), (DECL,), (SLIP, DECL)))
        life = pick.choice((LifeStatus.LIVING, LifeStatus.DECEASED))
        (person,) = add_persons(
            world,
            1,
            seed=500 + i,
            affairs=affairs,
            relationship_end=pick.choice(ENDS),
            life_status=life,
        )
        for event, dates in EVENTS.items():
            if pick.random() < 0.3:
                with unit_of_work(world.sessions) as session:
                    retention.record_event(
                        session,
                        world.ctx("manager"),
                        person_id=person[0],
                        event=event,
                        occurred_on=pick.choice(dates),
                    )
    # Dependants (issue #13): each follows an employee above unless it has its own end.
    employees = [p for p, *_ in add_persons(world, 4, seed=590, affairs=(DECL,), prefix="EM")]
    with unit_of_work(world.sessions) as session:
        for employee in employees[:2]:
            vs.end_relationship(
                session, world.ctx("clerk"), person_id=employee,
                ended_on=pick.choice(ENDS[1:]), cause=vs.RelationshipEnd.RETIREMENT,
            )  # fmt: skip
    for i, employee in enumerate(employees * 2):
        (dependant,) = add_persons(
            world, 1, seed=600 + i, affairs=pick.choice(((SLIP,), (DECL,), (SLIP, DECL))),
            relationship_end=pick.choice((None, None, date(2020, 12, 31))),
            kind=PersonKind.DEPENDENT, related_person_id=employee,
        )  # fmt: skip
        for person_id in (dependant[0], employee):
            if pick.random() < 0.3:
                with unit_of_work(world.sessions) as session:
                    retention.record_event(
                        session, world.ctx("manager"), person_id=person_id,
                        event=Event.SUBMISSION_DEADLINE,
                        occurred_on=pick.choice(EVENTS[Event.SUBMISSION_DEADLINE]),
                    )  # fmt: skip
    # The law's rules first, then an organisation's own stricter one on top.
    for _ in range(2):
        chosen = 0
        for by in DAYS:
            expected = _expected(world, by)
            assert _planned(world, by) == expected, by
            chosen += len(expected)
        assert chosen > 0
        with unit_of_work(world.sessions) as session:
            retention.add_rule(
                session, world.ctx("manager"), affair_code=SLIP, event=Event.LAST_FILING,
                start=Start.EVENT_DAY, years=1, source="社内規程", looser_reason="照会対応",
            )  # fmt: skip

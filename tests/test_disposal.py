"""Retention, the due list, reminders and disposal batches (issue #5).

Sources: 事業者編 第4-3-(3)B 保管制限と廃棄; 別添1 2E d 個人番号の削除 (記録の保存;
中小規模事業者: 責任ある立場の者が確認); seed 図表2-2 (5)④; DESIGN.md §4 (crypto-shredding
followed by a KEK rotation).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.errors import AuthorizationDenied
from mnvault.affairs.services import get_affair
from mnvault.audit.models import AuditEntry
from mnvault.crypto import Envelope
from mnvault.db.engine import unit_of_work
from mnvault.disposal import batches
from mnvault.disposal import services as retention
from mnvault.disposal.due import keep_until
from mnvault.disposal.errors import (
    BelowStatutoryMinimum,
    LooserNeedsReason,
    NeedsConfirmation,
    NotDue,
    NothingToDispose,
    NotYetScheduled,
    SettingLocked,
    StatutoryRetention,
)
from mnvault.disposal.models import BatchState, DisposalBatch, DisposalBatchPerson, MemberState
from mnvault.disposal.rules import Event, Start
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.vault import services as vs
from mnvault.vault.errors import NotHeld
from mnvault.vault.models import (
    DataKey,
    IdentityCheckDocument,
    LifeStatus,
    NumberCheckDocument,
    NumberRecord,
    NumberRecordAffair,
    PersonKind,
    VerificationDocument,
)
from tests.conftest import World
from tests.disposal_support import (
    add_manager,
    add_persons,
    keyring_of,
    no_grace,
    own_envelope,
    read_number,
)

TODAY = date(2026, 11, 26)
RETIRED = date(2024, 3, 31)  # withholding slip: kept until 2025-01-31, so due now
DECL = "dependent_deduction_declaration"
SLIP = "withholding_slip"

__all__ = ["no_grace"]  # the fixture, imported so that pytest uses it here


@pytest.fixture
def envelope(tmp_path: Path) -> Envelope:
    return own_envelope(tmp_path)


def due(world: World, within: int = 0, who: str = "manager") -> list[retention.DueItem]:
    with unit_of_work(world.sessions) as session:
        return retention.due_list(session, world.ctx(who), today=TODAY, within_days=within)


def plan(world: World, **kwargs) -> batches.DisposalBatch:
    with unit_of_work(world.sessions) as session:
        return batches.plan(
            session,
            world.ctx(kwargs.pop("who", "manager")),
            today=TODAY,
            reason="月末廃棄",
            **kwargs,
        )


def confirm(world: World, batch_id, who: str = "manager2"):
    # Another manager than the planner (test_disposal_confirmation.py has the rule).
    if who not in world.users:
        add_manager(world, who)
    with unit_of_work(world.sessions) as session:
        return batches.confirm(session, world.ctx(who), batch_id=batch_id)


def run(world: World, batch_id, **kwargs):
    return batches.run(
        world.sessions, keyring_of(world), world.ctx("manager"), batch_id=batch_id, **kwargs
    )


# -- rules of an organisation -------------------------------------------------------------


def test_organisation_rules_stricter_yes_looser_only_with_reason(world: World):
    ctx = world.ctx("manager")
    with unit_of_work(world.sessions) as session:
        retention.add_rule(
            session,
            ctx,
            affair_code="withholding_slip",
            event=Event.RELATIONSHIP_END,
            start=Start.EVENT_DAY,
            years=0,
            months=1,
            source="社内規程第12条",
        )
    with pytest.raises(LooserNeedsReason), unit_of_work(world.sessions) as session:
        retention.add_rule(
            session,
            ctx,
            affair_code="health_pension_insurance",
            event=Event.RELATIONSHIP_END,
            start=Start.EVENT_DAY,
            years=3,
            source="社内規程第13条",
        )
    # 健康保険法施行規則第34条 requires two years: shorter is refused.
    with pytest.raises(BelowStatutoryMinimum), unit_of_work(world.sessions) as session:
        retention.add_rule(
            session,
            ctx,
            affair_code="health_pension_insurance",
            event=Event.RELATIONSHIP_END,
            start=Start.EVENT_DAY,
            years=1,
            source="社内規程第13条",
        )
    with unit_of_work(world.sessions) as session:
        row = retention.add_rule(
            session,
            ctx,
            affair_code="health_pension_insurance",
            event=Event.RELATIONSHIP_END,
            start=Start.EVENT_DAY,
            years=3,
            source="社内規程第13条",
            looser_reason="労働基準監督署の調査対応のため1年長く保管",
        )
        assert row.looser_reason
    with unit_of_work(world.sessions) as session:
        rules = retention.list_rules(session, ctx)
    origins = {(r.rule.affair_code, r.origin) for r in rules}
    assert ("withholding_slip", "organisation") in origins
    assert ("dependent_deduction_declaration", "statutory") in origins
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        retention.add_rule(
            session,
            world.ctx("clerk"),
            affair_code="withholding_slip",
            event=Event.RELATIONSHIP_END,
            start=Start.EVENT_DAY,
            years=0,
            source="x",
        )


# -- due list and reminders ---------------------------------------------------------------


def test_due_list_follows_affairs_and_relationship_end(world: World):
    retired = add_persons(world, 2, seed=1, relationship_end=RETIRED)
    employed = add_persons(world, 1, seed=2)
    deceased = add_persons(
        world, 1, seed=3, relationship_end=RETIRED, life_status=LifeStatus.DECEASED
    )
    # The dependent deduction declaration keeps its number until 2032-01-10.
    declared = add_persons(world, 1, seed=4, relationship_end=RETIRED, affairs=(DECL,))
    listed = {item.person_id for item in due(world)}
    assert listed == {p for p, _ in retired + deceased}
    assert employed[0][0] not in listed and declared[0][0] not in listed
    assert all(item.due_on == date(2025, 2, 1) for item in due(world))


def test_a_number_still_needed_by_another_affair_is_not_due(world: World):
    (person,) = add_persons(world, 1, seed=5, relationship_end=RETIRED)
    with unit_of_work(world.sessions) as session:
        # Acquired later for another affair too: still needed until 2032.
        session.add(
            NumberRecordAffair(person_id=person[0], affair_id=_affair_id(session, world, DECL))
        )
    assert person[0] not in {item.person_id for item in due(world)}


def _affair_id(session, world: World, code: str):
    return get_affair(session, world.org.id, code).id


def test_within_days_and_reminders(world: World):
    # Retired ten days ago: the withholding slip keeps it until the next 31 January.
    add_persons(world, 1, seed=6, relationship_end=TODAY - timedelta(days=10))
    add_persons(world, 2, seed=7, relationship_end=RETIRED)
    assert len(due(world)) == 2
    assert len(due(world, within=80)) == 3  # 2027-01-31 is 66 days away
    with unit_of_work(world.sessions) as session:
        notices = retention.reminders(session, world.ctx("manager"), today=TODAY, lead_days=90)
    kinds = {n.kind: n.count for n in notices}
    assert kinds == {"overdue": 2, "due_soon": 1}
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        retention.reminders(session, world.ctx("clerk"), today=TODAY)


# -- batches --------------------------------------------------------------------------------


def test_batch_needs_confirmation_then_deletes_and_rotates(world: World):
    gone = add_persons(world, 3, seed=11, relationship_end=RETIRED)
    stay = add_persons(world, 2, seed=12)
    batch = plan(world)
    assert batch.state == BatchState.PLANNED and batch.person_count == 3
    with pytest.raises(NeedsConfirmation):
        run(world, batch.id)
    with pytest.raises(AuthorizationDenied):
        confirm(world, batch.id, who="admin")
    confirm(world, batch.id)
    done = run(world, batch.id)
    assert done.state == BatchState.COMPLETED
    assert done.disposed_count == 3
    assert done.rotation_completed_at is not None
    assert done.kek_versions_destroyed == [1]
    assert done.confirmed_by == world.users["manager2"].id
    with world.sessions() as session:
        for person_id, _ in gone:
            assert session.get(NumberRecord, person_id) is None
            assert session.get(DataKey, person_id) is None
            assert (
                session.scalars(
                    select(NumberRecordAffair).where(NumberRecordAffair.person_id == person_id)
                ).first()
                is None
            )
    for person_id, number in stay:
        assert read_number(world, person_id) == number
    with pytest.raises(NotHeld):
        read_number(world, gone[0][0])
    # The record: persons by id, affairs, method, who, when — never a number.
    with unit_of_work(world.sessions) as session:
        record, members = batches.members_of(session, world.ctx("auditor"), batch_id=batch.id)
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    assert {m.person_id for m in members} == {p for p, _ in gone}
    assert {m.state for m in members} == {MemberState.DISPOSED}
    assert {m.affair_codes for m in members} == {"withholding_slip"}
    disposed_entries = [e for e in entries if e.action == "number:dispose"]
    assert {e.person_id for e in disposed_entries} == {p for p, _ in gone}
    text = json.dumps(
        [[e.action, e.details] for e in entries]
        + [[record.method, record.reason], [m.affair_codes for m in members]],
        ensure_ascii=False,
        default=str,
    )
    for _, number in gone + stay:
        assert number not in text
    assert [a for a in (e.action for e in entries) if a.startswith(("disposal:", "key:"))][-7:] == [
        "disposal:plan",
        "disposal:confirm",
        "disposal:execute",
        "key:rotate",
        "key:destroy",  # the old KEK version
        "key:destroy",  # the old blind-index key (issue #11)
        "key:rewrap",
    ]


def test_confirmation_is_a_setting_except_for_small_businesses(world: World):
    add_persons(world, 1, seed=13, relationship_end=RETIRED)
    with unit_of_work(world.sessions) as session:
        retention.set_confirmation_required(session, world.ctx("admin"), required=False)
    batch = plan(world)
    assert batch.state == BatchState.CONFIRMED and not batch.confirmation_required
    assert run(world, batch.id).state == BatchState.COMPLETED
    with unit_of_work(world.sessions) as session:
        session.get_one(Organisation, world.org.id).kind = OrganisationKind.SMALL_BUSINESS.value
    with pytest.raises(SettingLocked), unit_of_work(world.sessions) as session:
        retention.set_confirmation_required(session, world.ctx("admin"), required=False)
    add_persons(world, 1, seed=14, relationship_end=RETIRED)
    assert plan(world).state == BatchState.PLANNED  # the setting no longer applies


def test_a_batch_runs_at_its_scheduled_time(world: World):
    add_persons(world, 1, seed=15, relationship_end=RETIRED)
    at = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # month end
    batch = plan(world, scheduled_for=at)
    confirm(world, batch.id)
    with pytest.raises(NotYetScheduled):
        run(world, batch.id, now=at - timedelta(minutes=1))
    assert run(world, batch.id, now=at).state == BatchState.COMPLETED


def test_a_person_rehired_after_planning_keeps_the_number(world: World):
    people = add_persons(world, 2, seed=16, relationship_end=RETIRED)
    batch = plan(world)
    confirm(world, batch.id)
    with unit_of_work(world.sessions) as session:
        vs.resume_relationship(session, world.ctx("manager"), person_id=people[0][0])
    done = run(world, batch.id)
    assert done.disposed_count == 1
    assert read_number(world, people[0][0]) == people[0][1]


def test_the_run_re_checks_whatever_changed_since_the_plan(world: World):
    """事業者編 第4-3-(3)B: a number still needed when the batch runs is kept. The run tests
    again the persons with audit entries after the plan, and everyone when the rules
    changed or the plan was made for a later day than the run's."""
    people = add_persons(world, 3, seed=23, relationship_end=RETIRED)
    batch = plan(world)
    confirm(world, batch.id)
    with unit_of_work(world.sessions) as session:
        retention.record_event(
            session, world.ctx("manager"), person_id=people[0][0],
            event=Event.LAST_FILING, occurred_on=TODAY,
        )  # fmt: skip
        vs.resume_relationship(session, world.ctx("manager"), person_id=people[1][0])
    assert run(world, batch.id).disposed_count == 2  # the event does not hold it; rehiring does
    assert read_number(world, people[1][0]) == people[1][1]
    # The rules changed after the plan: everyone is tested again.
    later = add_persons(world, 2, seed=24, relationship_end=RETIRED)
    batch = plan(world)
    confirm(world, batch.id)
    with unit_of_work(world.sessions) as session:
        retention.add_rule(
            session, world.ctx("manager"), affair_code=SLIP, event=Event.RELATIONSHIP_END,
            start=Start.FOLLOWING_JAN_31, years=5, source="社内規程", looser_reason="照会対応",
        )  # fmt: skip
    with pytest.raises(NothingToDispose):
        plan(world)
    assert run(world, batch.id).disposed_count == 0
    with world.sessions() as session:
        states = session.scalars(
            select(DisposalBatchPerson.state).where(DisposalBatchPerson.batch_id == batch.id)
        ).all()
    assert states == [MemberState.KEPT] * 2
    assert [read_number(world, p) for p, _ in later] == [n for _, n in later]


def test_a_batch_planned_for_a_later_day_is_tested_again_on_the_day_it_runs(world: World):
    (person,) = add_persons(world, 1, seed=25, relationship_end=date(2026, 3, 31))
    with unit_of_work(world.sessions) as session:
        batch = batches.plan(
            session, world.ctx("manager"), today=date(2027, 3, 1), reason="年度末廃棄"
        )
    assert batch.person_count == 1  # due by 2027-02-01 (所得税法第226条第1項: 翌年1月31日)
    confirm(world, batch.id)
    done = run(world, batch.id, now=datetime(2026, 11, 26, 9, 0, tzinfo=UTC))
    assert done.disposed_count == 0
    assert read_number(world, person[0]) == person[1]


# Early disposal of a named person (事業者編 第4-3-(3)B: kept while an affair needs it and
# for the period the law sets): (affairs, relationship end, outcome with a reason).
EARLY_CASES = [
    pytest.param(
        (SLIP,), None, "planned",
        id="在職中・源泉徴収票のみ: 法定保存義務なし — a manager's reason, then a confirmation",
    ),
    pytest.param(
        (DECL,), None, StatutoryRetention,
        id="在職中・扶養控除等申告書: 施行規則第76条の3 の7年は退職後に始まる — refused",
    ),
    pytest.param(
        ("health_pension_insurance",), None, StatutoryRetention,
        id="在職中・健康保険/厚生年金: 完結の日から2年 (健保則第34条) は未到来 — refused",
    ),
    pytest.param(
        (DECL,), RETIRED, StatutoryRetention,
        id="退職後・扶養控除等申告書: 7年の期間中 (施行規則第76条の3) — refused",
    ),
    pytest.param(
        (SLIP, "employment_insurance"), None, StatutoryRetention,
        id="在職中・他の事務が保存義務を負う: 雇用保険法施行規則第143条 — refused",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("affairs", "ended", "outcome"), EARLY_CASES)
def test_early_disposal_needs_a_managers_reason_and_no_statutory_hold(
    world: World, affairs: tuple[str, ...], ended: date | None, outcome: object
):
    with unit_of_work(world.sessions) as session:
        # Even an organisation that does not confirm its routine batches confirms these.
        retention.set_confirmation_required(session, world.ctx("admin"), required=False)
        for code in set(affairs) - {SLIP, DECL}:
            access.assign(
                session, world.ctx("admin"), user=world.users["clerk"],
                affair=get_affair(session, world.org.id, code),
            )  # fmt: skip
    (person,) = add_persons(world, 1, seed=17, affairs=affairs, relationship_end=ended)
    with pytest.raises(NotDue):
        plan(world, person_ids=[person[0]])
    with pytest.raises(AuthorizationDenied):
        plan(world, person_ids=[person[0]], early_reason="誤って取得したため", who="clerk")
    if outcome is StatutoryRetention:
        with pytest.raises(StatutoryRetention):
            plan(world, person_ids=[person[0]], early_reason="本人の申出")
        assert read_number(world, person[0], affairs[0]) == person[1]
        return
    batch = plan(world, person_ids=[person[0]], early_reason="誤って取得したため")
    assert batch.state == BatchState.PLANNED and batch.confirmation_required
    assert batch.early_reason == "誤って取得したため"
    with pytest.raises(NeedsConfirmation):
        run(world, batch.id)
    confirm(world, batch.id)
    done = run(world, batch.id)
    assert done.disposed_count == 1
    assert (done.planned_by, done.confirmed_by) == (
        world.users["manager"].id,
        world.users["manager2"].id,
    )
    with world.sessions() as session:
        planned = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "disposal:plan")
        ).all()[-1]
    assert planned.actor_id == world.users["manager"].id and planned.details["early"] is True


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x02" * 64


def test_document_images_go_with_the_number(world: World):
    """Issue #5: "Identity-document images go with it" — deleted with the number, so no
    row keeps pointing at the person; the record names neither number nor image."""
    (person,) = add_persons(world, 1, seed=21, relationship_end=RETIRED)
    (other,) = add_persons(world, 1, seed=22)
    with unit_of_work(world.sessions) as session:
        for who, check, data in ((person, "identity", PNG), (person, "number", PDF),
                                 (other, "identity", PNG)):  # fmt: skip
            vs.store_document(
                session, world.envelope, world.ctx("clerk", SLIP), person_id=who[0],
                check=check, data=data,
            )  # fmt: skip
        wrapped = session.get_one(DataKey, person[0]).wrapped_key
    batch = plan(world)
    confirm(world, batch.id)
    done = run(world, batch.id)
    assert done.state == BatchState.COMPLETED and "identity-document images" in done.method
    with unit_of_work(world.sessions) as session:
        left = session.scalars(select(VerificationDocument.person_id)).all()
        assert left == [other[0]]
        record, members = batches.members_of(session, world.ctx("auditor"), batch_id=batch.id)
        entries = list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))
    (executed,) = [e for e in entries if e.action == "disposal:execute"]
    assert executed.details == {"batch_id": str(batch.id), "disposed": 1, "documents": 2}
    text = json.dumps(
        [[e.action, e.details] for e in entries]
        + [[getattr(record, c.key) for c in DisposalBatch.__table__.columns]]
        + [[m.person_id, m.state, m.affair_codes] for m in members],
        ensure_ascii=False,
        default=str,
    )
    assert person[1] not in text and other[1] not in text
    # Acquired again later (rehired): a new data key, nothing of the old one.
    with unit_of_work(world.sessions) as session:
        vs.resume_relationship(session, world.ctx("manager"), person_id=person[0])
        vs.acquire(
            session, world.envelope, world.ctx("clerk"), person_id=person[0], number=person[1],
            verification=vs.IdentityVerification(
                NumberCheckDocument.MY_NUMBER_CARD, IdentityCheckDocument.MY_NUMBER_CARD,
                world.users["clerk"].id, datetime(2026, 12, 1, 9, 0, tzinfo=UTC),
            ),
            affair_codes=[SLIP],
        )  # fmt: skip
        assert session.get_one(DataKey, person[0]).wrapped_key != wrapped
    assert read_number(world, person[0]) == person[1]


def test_deceased_persons_follow_the_same_rules(world: World):
    (person,) = add_persons(world, 1, seed=19)
    with unit_of_work(world.sessions) as session:
        vs.end_relationship(
            session,
            world.ctx("clerk"),
            person_id=person[0],
            ended_on=RETIRED,
            cause=vs.RelationshipEnd.DEATH,
        )
    items = due(world)
    assert [(i.person_id, i.life_status) for i in items] == [(person[0], "deceased")]


def test_only_managers_plan_and_confirm(world: World):
    add_persons(world, 1, seed=20, relationship_end=RETIRED)
    for who in ("clerk", "admin", "auditor"):
        with pytest.raises(AuthorizationDenied):
            plan(world, who=who)


def test_the_database_due_test_agrees_with_the_rule_table(world: World):
    """due_sql (one SQL condition) and due.keep_until (the rule table in Python) must pick
    the same persons, events and several affairs included (事業者編 第4-3-(3)B), and
    dependants following their employee (issue #13, Retention)."""
    cases = [
        ((SLIP,), date(2024, 12, 31), LifeStatus.LIVING, {}),
        ((DECL,), date(2024, 3, 31), LifeStatus.LIVING, {}),
        (
            (DECL,),
            date(2024, 3, 31),
            LifeStatus.LIVING,
            {Event.SUBMISSION_DEADLINE: date(2018, 1, 20)},
        ),
        ((SLIP, DECL), date(2017, 6, 30), LifeStatus.DECEASED, {}),
        ((SLIP,), None, LifeStatus.LIVING, {}),
        ((SLIP,), None, LifeStatus.LIVING, {Event.LAST_FILING: date(2020, 1, 31)}),
        ((DECL,), None, LifeStatus.DECEASED, {Event.DEATH: date(2015, 5, 1)}),
    ]
    with unit_of_work(world.sessions) as session:
        retention.add_rule(
            session, world.ctx("manager"), affair_code=SLIP, event=Event.LAST_FILING,
            start=Start.EVENT_DAY, years=1, source="社内規程", looser_reason="照会対応",
        )  # fmt: skip
    for i, (affairs, end, life, events) in enumerate(cases):
        (person,) = add_persons(
            world, 1, seed=200 + i, affairs=affairs, relationship_end=end, life_status=life
        )
        for event, on in events.items():
            with unit_of_work(world.sessions) as session:
                retention.record_event(
                    session, world.ctx("manager"), person_id=person[0], event=event, occurred_on=on
                )
    # Dependants (issue #13): following a retired employee, a current one, or their own end.
    employees = [person for person, *_ in (
        add_persons(world, 1, seed=250, affairs=(DECL,), relationship_end=date(2024, 3, 31)),
        add_persons(world, 1, seed=251, affairs=(SLIP,)),
    )]  # fmt: skip
    with unit_of_work(world.sessions) as session:
        retention.record_event(
            session, world.ctx("manager"), person_id=employees[0][0],
            event=Event.SUBMISSION_DEADLINE, occurred_on=date(2023, 1, 20),
        )  # fmt: skip
    dependants = []
    for i, (employee, end, own_deadline) in enumerate(
        [(e, None, None) for e in employees]
        + [(employees[0], None, date(2021, 1, 20)), (employees[1], date(2019, 12, 31), None)]
    ):
        (dependant,) = add_persons(
            world, 1, seed=260 + i, affairs=(DECL,), relationship_end=end,
            kind=PersonKind.DEPENDENT, related_person_id=employee[0],
        )  # fmt: skip
        dependants.append(dependant[0])
        if own_deadline is not None:
            with unit_of_work(world.sessions) as session:
                retention.record_event(
                    session, world.ctx("manager"), person_id=dependant[0],
                    event=Event.SUBMISSION_DEADLINE, occurred_on=own_deadline,
                )  # fmt: skip
    with world.sessions() as session:
        book = retention.rule_book(session, world.org.id)
        everyone = retention.holdings(session, world.org.id)
        for by in (date(2019, 1, 1), date(2021, 2, 1), date(2025, 2, 1), date(2026, 1, 11),
                   date(2032, 1, 11), date(2040, 1, 1)):  # fmt: skip
            expected = {
                h.person_id
                for h in everyone
                if (until := keep_until(h.affairs, book, h.facts)) is not None and until < by
            }
            got = {item.person_id for item in retention.due_items(session, world.org.id, by=by)}
            assert got == expected, by
        # Not agreeing by both ignoring dependants: the retired employee's go, the other's stay.
        assert {dependants[0], dependants[2], dependants[3]} <= got
        assert dependants[1] not in got


def test_disposal_services_stay_inside_the_organisation(world: World):
    (person,) = add_persons(world, 1, seed=300, relationship_end=RETIRED)
    foreign = world.ctx("manager", org=world.other_org)  # no role there
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        retention.due_list(session, foreign, today=TODAY)
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        batches.plan(session, foreign, today=TODAY, reason="x", person_ids=[person[0]])
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        retention.record_event(
            session, foreign, person_id=person[0], event=Event.LAST_FILING, occurred_on=TODAY
        )
    # The other organisation's own manager sees none of this one's persons.
    batch = plan(world)
    with unit_of_work(world.sessions) as session:
        admin_other = world.ctx("admin", org=world.other_org)
        with pytest.raises(AuthorizationDenied):
            batches.members_of(session, admin_other, batch_id=batch.id)

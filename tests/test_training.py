"""Issue #15, 人的安全管理措置 (別添1 2D): training plans and sessions, attendance ticked or
imported from CSV (cp932 or UTF-8 with a BOM, line-numbered errors, all or nothing), who has
not attended within the interval (a table of dates), the public body's yearly 番号法第29条の2
training, pledges and the organisation's "pledge before an assignment" rule, supervision with
the clerk's activity from the trail, the compliance states, and no number in any record."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import Role
from mnvault.affairs.services import get_affair
from mnvault.audit.models import AuditEntry
from mnvault.compliance import services as compliance
from mnvault.compliance.state import State
from mnvault.db.engine import unit_of_work
from mnvault.errors import MnvaultError
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.training import services as training
from mnvault.training.errors import AttendanceFileInvalid, PledgeRequired
from mnvault.training.models import (
    Attendance,
    Pledge,
    PledgeKind,
    SupervisionReview,
    TrainingPlan,
    TrainingSession,
)
from mnvault.vault.errors import NumberInText
from tests.conftest import World
from tests.support.world import PASSWORD


def _at(day: date, hour: int = 12) -> datetime:
    """``hour`` o'clock in Tokyo on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour - 9)


def _state(world: World, measure: str, now: datetime, ctx: Context | None = None) -> State:
    with unit_of_work(world.sessions) as session:
        report = compliance.status(session, ctx or world.ctx("manager"), now=now)
    return {m.measure.id: m for m in report.measures}[measure].state


def _session(world: World, held: date, *, article29_2: bool = False, ctx: Context | None = None):
    ctx = ctx or world.ctx("manager")
    with unit_of_work(world.sessions) as session:
        plan = training.create_plan(
            session, ctx, title="番号事務研修計画", fiscal_year=held.year, article29_2=article29_2
        )
        return training.add_session(
            session, ctx, plan_id=plan.id, held_on=held, topic="特定個人情報の適正な取扱い",
            material="研修資料 第1版",
        ).id  # fmt: skip


def _csv(*logins: str, header: str = "login") -> str:
    return "\r\n".join([header, *logins]) + "\r\n"


def test_attendance_csv_in_utf8_bom_and_cp932(world: World) -> None:
    session_id = _session(world, date(2026, 4, 10))
    clerk, clerk2 = world.users["clerk"].login, world.users["clerk2"].login
    with unit_of_work(world.sessions) as session:
        data = b"\xef\xbb\xbf" + _csv(clerk).encode("utf-8")
        assert training.import_attendance(session, world.ctx("manager"), session_id=session_id,
                                          data=data) == 1  # fmt: skip
    with unit_of_work(world.sessions) as session:
        data = _csv(clerk, clerk2, header="利用者ID").encode("cp932")
        assert training.import_attendance(session, world.ctx("manager"), session_id=session_id,
                                          data=data) == 1  # fmt: skip
        held = session.scalars(select(Attendance).where(Attendance.session_id == session_id))
        assert {a.user_id for a in held} == {world.users["clerk"].id, world.users["clerk2"].id}


def test_a_bad_attendance_file_is_refused_whole_with_its_lines(
    world: World, synthetic_number: str
) -> None:
    session_id = _session(world, date(2026, 4, 10))
    clerk = world.users["clerk"].login
    data = _csv(clerk, "nobody", clerk, synthetic_number).encode("utf-8")
    with pytest.raises(AttendanceFileInvalid) as caught, unit_of_work(world.sessions) as session:
        training.import_attendance(session, world.ctx("manager"), session_id=session_id, data=data)
    ja, en = caught.value.detail_texts()
    assert "3行目" in ja and "4行目" in ja and "5行目" in ja and "line 3" in en
    assert synthetic_number not in ja + en
    with unit_of_work(world.sessions) as session:
        assert session.scalars(select(Attendance)).all() == []  # all or nothing
    for bad in (b"name\r\nx\r\n", b"\xff\xfe\x00login", b"login\r\n"):
        with pytest.raises(AttendanceFileInvalid), unit_of_work(world.sessions) as session:
            training.import_attendance(
                session, world.ctx("manager"), session_id=session_id, data=bad
            )


def test_attendance_ticked_on_screen_replaces_the_set(world: World) -> None:
    session_id = _session(world, date(2026, 4, 10))
    ids = [world.users["clerk"].id, world.users["clerk2"].id]
    with unit_of_work(world.sessions) as session:
        training.set_attendance(session, world.ctx("manager"), session_id=session_id, user_ids=ids)
    with unit_of_work(world.sessions) as session:
        training.set_attendance(
            session, world.ctx("manager"), session_id=session_id, user_ids=ids[:1]
        )
        views = training.sessions(session, world.ctx("manager"))
        assert views[0].attendees == ids[:1]


def test_who_has_not_attended_within_the_interval(world: World) -> None:
    """A table of dates: never attended, attended, lapsed after 365 days (the organisation's
    interval), and the compliance state of J-2Db: open → overdue → evidenced → overdue."""
    assert _state(world, "J-2Db", _at(date(2026, 4, 1))) is State.OPEN
    session_id = _session(world, date(2026, 4, 10))
    everyone = [world.users[w].id for w in ("clerk", "clerk2", "manager")]
    with unit_of_work(world.sessions) as session:
        training.set_attendance(
            session, world.ctx("manager"), session_id=session_id, user_ids=everyone[:2]
        )
    assert _state(world, "J-2Db", _at(date(2026, 4, 11))) is State.OVERDUE  # manager missing
    with unit_of_work(world.sessions) as session:
        gaps = training.not_attended(session, world.ctx("manager"), now=_at(date(2026, 4, 11)))
        assert [g.user_id for g in gaps] == [world.users["manager"].id]
        assert gaps[0].last is None
    with unit_of_work(world.sessions) as session:
        training.set_attendance(
            session, world.ctx("manager"), session_id=session_id, user_ids=everyone
        )
    for day, overdue, state in (
        (date(2026, 4, 11), False, State.EVIDENCED),
        (date(2027, 4, 10), False, State.EVIDENCED),  # 365 days later: the due day
        (date(2027, 4, 11), True, State.OVERDUE),
    ):
        with unit_of_work(world.sessions) as session:
            gaps = training.gaps_of(session, world.org.id, now=_at(day))
        assert {g.overdue for g in gaps} == {overdue}, day
        assert {g.due_on for g in gaps} == {date(2027, 4, 10)}
        assert _state(world, "J-2Db", _at(day)) is state, day
    with unit_of_work(world.sessions) as session:
        training.set_settings(
            session, world.ctx("manager"), require_pledge=False, training_interval_days=730
        )
    assert _state(world, "J-2Db", _at(date(2027, 4, 11))) is State.EVIDENCED


def _city(world: World) -> tuple[Organisation, dict[str, uuid.UUID]]:
    with unit_of_work(world.sessions) as session:
        city = Organisation(name="試験市", kind=OrganisationKind.LOCAL_GOVERNMENT.value)
        session.add(city)
        session.flush()
        ids = {}
        for role in (Role.CHIEF_OFFICER, Role.CLERK):
            user = access.create_user(
                session, None, home_organisation_id=city.id,
                login=f"{role}-{uuid.uuid4().hex[:6]}", display_name=str(role), password=PASSWORD,
            )  # fmt: skip
            access.grant_role(session, None, user=user, organisation_id=city.id, role=role)
            ids[str(role)] = user.id
        session.expunge(city)
    return city, ids


def test_the_yearly_article_29_2_training_of_a_public_body(world: World) -> None:
    """番号法第29条の2: every person handling SPI files takes the training about once a year
    (G-2Db.4); ordinary training does not count for it."""
    city, ids = _city(world)
    chief = Context(actor_id=ids["chief_officer"], organisation_id=city.id)
    assert _state(world, "G-2Db.4", _at(date(2026, 5, 1)), chief) is State.OPEN
    ordinary = _session(world, date(2026, 5, 1), ctx=chief)
    with unit_of_work(world.sessions) as session:
        training.set_attendance(session, chief, session_id=ordinary, user_ids=[ids["clerk"]])
    assert _state(world, "G-2Db.4", _at(date(2026, 5, 2)), chief) is State.OPEN
    assert _state(world, "G-2Db", _at(date(2026, 5, 2)), chief) is State.EVIDENCED
    cyber = _session(world, date(2026, 6, 1), article29_2=True, ctx=chief)
    with unit_of_work(world.sessions) as session:
        shown = training.attention(session, chief, now=_at(date(2026, 6, 2)))
        assert any("第29条の2" in a.title_ja for a in shown)
    assert _state(world, "G-2Db.4", _at(date(2026, 6, 2)), chief) is State.OVERDUE
    with unit_of_work(world.sessions) as session:
        training.set_attendance(session, chief, session_id=cyber, user_ids=[ids["clerk"]])
    assert _state(world, "G-2Db.4", _at(date(2026, 6, 2)), chief) is State.EVIDENCED
    assert _state(world, "G-2Db.4", _at(date(2027, 6, 2)), chief) is State.OVERDUE


def test_pledges_flag_clerks_and_can_gate_assignments(world: World) -> None:
    manager = world.ctx("manager")
    assert _state(world, "J-2Db.2", _at(date(2026, 4, 1))) is State.OPEN
    with unit_of_work(world.sessions) as session:
        training.record_pledge(
            session, manager, user_id=world.users["clerk"].id, kind=PledgeKind.PLEDGE,
            signed_on=date(2026, 4, 1), envelope=world.envelope,
            filename="誓約書.pdf", file=b"%PDF-1.4 signed",
        )  # fmt: skip
    with unit_of_work(world.sessions) as session:
        pledge = session.scalars(select(Pledge)).one()
        assert pledge.attachment_id is not None
        kept, data = training.open_file(session, world.envelope, manager, pledge.attachment_id)
        assert data == b"%PDF-1.4 signed" and kept.sha256 == pledge.file_sha256
        flagged = {u for u, _n in training.without_pledge(session, manager)}
        assert flagged == {world.users["clerk2"].id, world.users["manager"].id}
        assert any("誓約書なし" in a.title_ja for a in training.attention(session, manager))
    assert _state(world, "J-2Db.2", utcnow_plus()) is State.OVERDUE
    with unit_of_work(world.sessions) as session:
        training.acknowledge(session, world.ctx("clerk2"), kind=PledgeKind.WORK_RULES)
        training.acknowledge(session, manager, kind=PledgeKind.PLEDGE)
    assert _state(world, "J-2Db.2", utcnow_plus()) is State.EVIDENCED
    # The organisation requires a pledge before an assignment takes effect.
    with unit_of_work(world.sessions) as session:
        training.set_settings(session, manager, require_pledge=True, training_interval_days=365)
        newcomer = access.create_user(
            session, None, home_organisation_id=world.org.id, login="newcomer",
            display_name="新任", password=PASSWORD,
        )  # fmt: skip
        access.grant_role(session, None, user=newcomer, organisation_id=world.org.id,
                          role=Role.CLERK)  # fmt: skip
        newcomer_id = newcomer.id
    with unit_of_work(world.sessions) as session:
        user = session.get(access.User, newcomer_id)
        affair = get_affair(session, world.org.id, "withholding_slip")
        with pytest.raises(PledgeRequired) as refused:
            access.assign(session, world.ctx("admin"), user=user, affair=affair)
    assert "誓約書" in refused.value.message_ja and "pledge" in refused.value.message_en
    assert isinstance(refused.value, MnvaultError) and refused.value.status == 409
    with unit_of_work(world.sessions) as session:
        training.record_pledge(session, manager, user_id=newcomer_id, kind=PledgeKind.PLEDGE,
                               signed_on=date(2026, 4, 1))  # fmt: skip
    with unit_of_work(world.sessions) as session:
        user = session.get(access.User, newcomer_id)
        access.assign(session, world.ctx("admin"), user=user,
                      affair=get_affair(session, world.org.id, "withholding_slip"))  # fmt: skip


def utcnow_plus() -> datetime:
    return datetime.now(UTC) + timedelta(minutes=1)


def test_supervision_links_the_clerks_activity(world: World) -> None:
    from mnvault.vault import services as vs
    from mnvault.vault.models import PersonKind

    with unit_of_work(world.sessions) as session:
        vs.create_person(
            session, world.ctx("clerk"), kind=PersonKind.EMPLOYEE, external_ref="R1", name="試験"
        )
    assert _state(world, "J-2Da", utcnow_plus()) is State.OPEN
    with unit_of_work(world.sessions) as session:
        record = training.clerk_record(session, world.ctx("manager"), world.users["clerk"].id)
        assert ("person:create", 1) in record.activity and record.last_seen is not None
        assert record.affairs == ["dependent_deduction_declaration", "withholding_slip"]
        training.review(session, world.ctx("manager"), user_id=world.users["clerk"].id,
                        note="活動に不審な点なし")  # fmt: skip
    assert _state(world, "J-2Da", utcnow_plus()) is State.EVIDENCED


def test_permissions(world: World) -> None:
    for who in ("clerk", "admin", "auditor"):
        with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
            training.create_plan(session, world.ctx(who), title="x", fiscal_year=2026)
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        training.pledges(session, world.ctx("clerk"))
    with unit_of_work(world.sessions) as session:
        assert training.attention(session, world.ctx("clerk")) == []
        training.pledges(session, world.ctx("auditor"))


def test_no_number_in_any_people_record(world: World, synthetic_number: str) -> None:
    n = synthetic_number
    spellings = (
        f"{n[:4]} {n[4:8]} {n[8:]}",
        n.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        f"{n[:4]}-{n[4:8]}-{n[8:]}",
    )
    manager = world.ctx("manager")
    session_id = _session(world, date(2026, 4, 10))
    with unit_of_work(world.sessions) as session:
        plan_id = session.scalars(select(TrainingPlan.id)).one()
    for typed in spellings:
        attempts = (
            lambda s, t=typed: training.create_plan(
                s, manager, title=f"計画 {t}", fiscal_year=2026
            ),
            lambda s, t=typed: training.add_session(
                s, manager, plan_id=plan_id, held_on=date(2026, 4, 1), topic=f"研修 {t}"
            ),
            lambda s, t=typed: training.add_session(
                s,
                manager,
                plan_id=plan_id,
                held_on=date(2026, 4, 1),
                topic="研修",
                material=f"教材 {t}",
            ),
            lambda s, t=typed: training.review(
                s, manager, user_id=world.users["clerk"].id, note=f"確認 {t}"
            ),
        )
        for attempt in attempts:
            with pytest.raises(NumberInText), unit_of_work(world.sessions) as session:
                attempt(session)
    with unit_of_work(world.sessions) as session:
        rows = [
            *session.scalars(select(TrainingPlan)),
            *session.scalars(select(TrainingSession)),
            *session.scalars(select(Pledge)),
            *session.scalars(select(SupervisionReview)),
        ]
        text = "".join(repr(vars(r)) for r in rows)
        trail = "".join(
            json.dumps(e.details, ensure_ascii=False) for e in session.scalars(select(AuditEntry))
        )
    assert session_id
    for typed in (n, *spellings):
        assert typed not in text and typed not in trail


def test_naming_a_member_is_asked_of_those_who_may_read_training(world: World) -> None:
    """Tenant walk (tests/test_policy_services.py): member_id() answered whether a login
    belongs to the organisation before anything was authorized. A clerk (no training:read)
    and another organisation's clerk now get the same audited refusal for a member and for
    a login no one holds."""
    for context in (world.ctx("clerk"), world.ctx("outsider", org=world.org)):
        for login in (world.users["manager"].login, "nobody"):
            with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
                training.member_id(session, context, login)
            with world.sessions() as session:
                last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
            assert last is not None and last.action == "access:denied"
            assert (last.details or {})["permission"] == "training:read"
    with unit_of_work(world.sessions) as session:
        found = training.member_id(session, world.ctx("manager"), world.users["clerk"].login)
    assert found == world.users["clerk"].id

"""Issue #15, 点検・監査 (別添1 2C e; 行政機関等編 監査): checklists from the catalogue for the
organisation's kind, schedules and overdue from a table of dates, per-item results, findings
that become corrective actions, the 監査責任者's report to the 総括責任者, the compliance state
the records give (evidenced / overdue / open), attention, permissions, and no number anywhere."""

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
from mnvault.audit.models import AuditEntry
from mnvault.compliance import services as compliance
from mnvault.compliance.evidence import evidence_for
from mnvault.compliance.state import State
from mnvault.db.engine import unit_of_work
from mnvault.inspections import services as inspections
from mnvault.inspections.checklist import checklist
from mnvault.inspections.errors import NotAPublicBody, NotFinished
from mnvault.inspections.models import (
    ActionStatus,
    CorrectiveAction,
    Inspection,
    InspectionItem,
    InspectionKind,
    ItemResult,
)
from mnvault.inspections.schedule import action_overdue, next_due
from mnvault.orgs.models import Organisation, OrganisationKind
from mnvault.vault.errors import NumberInText
from tests.conftest import World
from tests.support.world import PASSWORD


def _at(day: date, hour: int = 12) -> datetime:
    """``hour`` o'clock in Tokyo on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(hours=hour - 9)


def _states(world: World, now: datetime, org: Organisation | None = None, who: str = "manager"):
    with unit_of_work(world.sessions) as session:
        ctx = world.ctx(who, org=org)
        report = compliance.status(session, ctx, now=now)
    return {m.measure.id: m for m in report.measures}


def test_the_checklist_is_the_kinds_binding_measures() -> None:
    """Each item a measure of 別添1 2A–2G binding the kind, with what to look at."""
    company = checklist(OrganisationKind.COMPANY)
    ids = [i.measure_id for i in company]
    assert "J-2Ce" in ids and "J-2Db" in ids and all(i.startswith("J-") for i in ids)
    assert "J-2Ce.1" not in ids  # an example method (考えられる), not binding
    body = next(i for i in company if i.measure_id == "J-2Ce")
    assert body.look_at_ja.startswith("特定個人情報等の取扱状況を把握し")
    small = {i.measure_id: i for i in checklist(OrganisationKind.SMALL_BUSINESS)}
    assert small["J-2Ce"].look_at_ja.startswith("責任ある立場の者が")  # 中小規模事業者の方法
    city = [i.measure_id for i in checklist(OrganisationKind.LOCAL_GOVERNMENT)]
    assert "G-2Ce" in city and "G-2Db.4" in city and all(i.startswith("G-") for i in city)


@pytest.mark.parametrize(
    ("interval", "starts", "last", "today", "due", "overdue"),
    [
        (91, date(2026, 4, 1), None, date(2026, 3, 31), date(2026, 4, 1), False),
        (91, date(2026, 4, 1), None, date(2026, 4, 1), date(2026, 4, 1), False),  # the due day
        (91, date(2026, 4, 1), None, date(2026, 4, 2), date(2026, 4, 1), True),
        (91, date(2026, 4, 1), date(2026, 4, 10), date(2026, 7, 10), date(2026, 7, 10), False),
        (91, date(2026, 4, 1), date(2026, 4, 10), date(2026, 7, 11), date(2026, 7, 10), True),
        (365, date(2026, 4, 1), date(2027, 2, 28), date(2028, 2, 28), date(2028, 2, 28), False),
        (365, date(2026, 4, 1), date(2027, 2, 28), date(2028, 2, 29), date(2028, 2, 28), True),
    ],
)
def test_when_an_inspection_falls_due(  # noqa: PLR0917 - one row of the table
    interval, starts, last, today, due, overdue
) -> None:
    found = next_due(InspectionKind.SELF, interval, starts, last, today)
    assert (found.due_on, found.overdue) == (due, overdue)


@pytest.mark.parametrize(
    ("status", "due", "today", "overdue"),
    [
        (ActionStatus.OPEN, date(2026, 5, 31), date(2026, 5, 31), False),
        (ActionStatus.OPEN, date(2026, 5, 31), date(2026, 6, 1), True),
        (ActionStatus.IN_PROGRESS, date(2026, 5, 31), date(2026, 6, 1), True),
        (ActionStatus.CLOSED, date(2026, 5, 31), date(2026, 6, 1), False),
    ],
)
def test_when_an_action_is_overdue(status, due, today, overdue) -> None:
    assert action_overdue(status, due, today) is overdue


def _inspect(world: World, ctx: Context, day: date, *, finding: str | None = "J-2Ea"):
    """Start an inspection on ``day``, OK every item but one finding; returns (id, item id)."""
    with unit_of_work(world.sessions) as session:
        row = inspections.start(
            session, ctx, kind=InspectionKind.SELF, title="2026年度 第1四半期 自己点検",
            performed_on=day,
        )  # fmt: skip
        items = session.scalars(
            select(InspectionItem).where(InspectionItem.inspection_id == row.id)
        ).all()
        found_item = None
        for item in items:
            is_finding = item.measure_id == finding
            inspections.record_item(
                session, ctx, item_id=item.id,
                result=ItemResult.FINDING if is_finding else ItemResult.OK,
                note="入退室記録の一部に記入漏れ" if is_finding else None,
            )  # fmt: skip
            if is_finding:
                found_item = item.id
        return row.id, found_item


def test_an_inspection_from_checklist_to_closed_action(world: World) -> None:
    """Issue #15: items recorded, a finding becomes an action with owner and due day; the
    inspection completes only then; J-2Ce is evidenced, then overdue when the action's due
    day passes, evidenced again once it is closed; the action shows in attention()."""
    manager = world.ctx("manager")
    held = date(2026, 4, 10)
    inspection_id, item_id = _inspect(world, manager, held)
    assert item_id is not None
    with unit_of_work(world.sessions) as session:
        stored = session.get(Inspection, inspection_id)
        assert stored is not None and stored.performed_at == _at(held)  # stored UTC
        with pytest.raises(NotFinished):
            inspections.complete(session, manager, inspection_id=inspection_id)
    with unit_of_work(world.sessions) as session:
        action = inspections.add_action(
            session, manager, item_id=item_id, title="入退室記録の様式を見直す",
            owner_id=world.users["manager"].id, due_on=date(2026, 5, 31),
        )  # fmt: skip
        action_id = action.id
        inspections.complete(session, manager, inspection_id=inspection_id, summary="概ね適合")
    assert _states(world, _at(date(2026, 5, 1)))["J-2Ce"].state is State.EVIDENCED
    on_due = _states(world, _at(date(2026, 5, 31), 23))
    assert on_due["J-2Ce"].state is State.EVIDENCED
    late = _states(world, _at(date(2026, 6, 1), 0))
    assert late["J-2Ce"].state is State.OVERDUE
    assert "入退室記録の様式を見直す" in late["J-2Ce"].reason_ja
    with unit_of_work(world.sessions) as session:
        shown = inspections.attention(session, manager, now=_at(date(2026, 6, 1)))
        assert [a.overdue for a in shown if "入退室" in a.title_ja] == [True]
        assert inspections.attention(session, world.ctx("clerk")) == []
    with unit_of_work(world.sessions) as session:
        inspections.start_action(session, manager, action_id=action_id)
        inspections.close_action(session, manager, action_id=action_id, note="様式を改訂し周知した")
    after = _states(world, _at(date(2026, 6, 2)))
    assert after["J-2Ce"].state is State.EVIDENCED
    with unit_of_work(world.sessions) as session:
        evidence = evidence_for(session, world.org.id, "J-2Ea")
        assert any(e.title.startswith("是正措置完了") for e in evidence)
        view = inspections.detail(session, manager, inspection_id)
        assert view.inspection.summary == "概ね適合"
        closed = session.get(CorrectiveAction, action_id)
        assert closed is not None and closed.status is ActionStatus.CLOSED
        actions = [e.action for e in session.scalars(select(AuditEntry)).all()]
        for done in ("inspection:create", "inspection:item_record", "corrective_action:create",
                     "inspection:complete", "corrective_action:update",
                     "corrective_action:close"):  # fmt: skip
            assert done in actions
    # A year after the inspection the review lapses (J-2Ce: 365 days).
    assert _states(world, _at(date(2027, 4, 11)))["J-2Ce"].state is State.OVERDUE


def test_schedules_are_configurable_and_fall_due(world: World) -> None:
    manager = world.ctx("manager")
    with unit_of_work(world.sessions) as session:
        inspections.set_schedule(
            session, manager, kind=InspectionKind.SELF, interval_days=91,
            starts_on=date(2026, 4, 1),
        )  # fmt: skip
    with unit_of_work(world.sessions) as session:
        due = {
            d.kind: d for d in inspections.schedules(session, manager, now=_at(date(2026, 4, 2)))
        }
        assert due[InspectionKind.SELF].overdue and due[InspectionKind.SELF].due_on == date(
            2026, 4, 1
        )
        shown = inspections.attention(session, manager, now=_at(date(2026, 4, 2)))
        assert any(a.title_ja == "自己点検の実施" and a.overdue for a in shown)
    inspection_id, _item_id = _inspect(world, manager, date(2026, 4, 2), finding=None)
    with unit_of_work(world.sessions) as session:
        inspections.complete(session, manager, inspection_id=inspection_id)
    with unit_of_work(world.sessions) as session:
        due = {
            d.kind: d for d in inspections.schedules(session, manager, now=_at(date(2026, 4, 3)))
        }
        assert due[InspectionKind.SELF].due_on == date(2026, 7, 2)
        assert not due[InspectionKind.SELF].overdue


def test_the_trail_report_is_attached_as_evidence_for_2cb(world: World, tmp_path) -> None:
    from mnvault.audit.reports import stored

    inspection_id, _item = _inspect(world, world.ctx("auditor"), date(2026, 4, 10), finding=None)
    with unit_of_work(world.sessions) as session:
        seq = stored.generate(
            session, world.ctx("auditor"), root=tmp_path, since=date(2026, 1, 1),
            until=date(2026, 3, 31),
        )  # fmt: skip
    with unit_of_work(world.sessions) as session, pytest.raises(Exception, match="分析報告書"):
        inspections.attach_report(
            session, world.ctx("auditor"), inspection_id=inspection_id, report_seq=1
        )
    with unit_of_work(world.sessions) as session:
        inspections.attach_report(
            session, world.ctx("auditor"), inspection_id=inspection_id, report_seq=seq
        )
        inspections.complete(session, world.ctx("auditor"), inspection_id=inspection_id)
    with unit_of_work(world.sessions) as session:
        found = evidence_for(session, world.org.id, "J-2Cb")
        assert [e.link for e in found if e.source == "inspection"] == [f"/audit/reports/{seq}"]


def _city(world: World) -> tuple[Organisation, dict[str, uuid.UUID]]:
    with unit_of_work(world.sessions) as session:
        city = Organisation(name="試験市", kind=OrganisationKind.LOCAL_GOVERNMENT.value)
        session.add(city)
        session.flush()
        ids = {}
        for role in (Role.AUDITOR, Role.CHIEF_OFFICER):
            user = access.create_user(
                session, None, home_organisation_id=city.id,
                login=f"{role}-{uuid.uuid4().hex[:6]}", display_name=str(role), password=PASSWORD,
            )  # fmt: skip
            access.grant_role(session, None, user=user, organisation_id=city.id, role=role)
            ids[str(role)] = user.id
        session.expunge(city)
    return city, ids


def test_a_public_bodys_audit_is_reported_to_the_chief_officer(world: World) -> None:
    """行政機関等編 別添1 2C e: 監査責任者は…その結果を総括責任者に報告する. G-2Ce stays open
    until the report is recorded; reporting is refused to a company."""
    city, ids = _city(world)
    auditor = Context(actor_id=ids["auditor"], organisation_id=city.id)
    with unit_of_work(world.sessions) as session:
        row = inspections.start(
            session, auditor, kind=InspectionKind.AUDIT, title="令和8年度 監査",
            performed_on=date(2026, 6, 1),
        )  # fmt: skip
        for item in session.scalars(
            select(InspectionItem).where(InspectionItem.inspection_id == row.id)
        ):
            inspections.record_item(session, auditor, item_id=item.id, result=ItemResult.OK)
        inspections.complete(session, auditor, inspection_id=row.id)
        inspection_id = row.id
    chief_ctx = Context(actor_id=ids["chief_officer"], organisation_id=city.id)
    with unit_of_work(world.sessions) as session:
        report = compliance.status(session, chief_ctx, now=_at(date(2026, 6, 2)))
        assert {m.measure.id: m for m in report.measures}["G-2Ce"].state is State.OPEN
    with unit_of_work(world.sessions) as session, pytest.raises(Exception, match="総括責任者"):
        inspections.report_to_chief(
            session, auditor, inspection_id=inspection_id, chief_id=ids["auditor"]
        )
    with unit_of_work(world.sessions) as session:
        done = inspections.report_to_chief(
            session, auditor, inspection_id=inspection_id, chief_id=ids["chief_officer"]
        )
        assert done.reported_to == ids["chief_officer"]
    with unit_of_work(world.sessions) as session:
        report = compliance.status(session, chief_ctx, now=_at(date(2026, 6, 2)))
        assert {m.measure.id: m for m in report.measures}["G-2Ce"].state is State.EVIDENCED
    inspection_id, _item = _inspect(world, world.ctx("auditor"), date(2026, 4, 10), finding=None)
    with unit_of_work(world.sessions) as session:
        inspections.complete(session, world.ctx("auditor"), inspection_id=inspection_id)
    with unit_of_work(world.sessions) as session, pytest.raises(NotAPublicBody):
        inspections.report_to_chief(
            session, world.ctx("auditor"), inspection_id=inspection_id,
            chief_id=world.users["manager"].id,
        )  # fmt: skip


def test_permissions(world: World) -> None:
    for who in ("clerk", "admin"):
        with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
            inspections.start(session, world.ctx(who), kind=InspectionKind.SELF, title="x")
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        inspections.listing(session, world.ctx("clerk"))
    inspection_id, _item = _inspect(world, world.ctx("manager"), date(2026, 4, 10))
    with unit_of_work(world.sessions) as session:  # another organisation's manager
        access.grant_role(
            session, None, user=world.users["outsider"], organisation_id=world.other_org.id,
            role=Role.MANAGER,
        )  # fmt: skip
    with unit_of_work(world.sessions) as session, pytest.raises(Exception, match="ありません"):
        inspections.detail(session, world.ctx("outsider", org=world.other_org), inspection_id)


def test_no_number_in_any_inspection_record(world: World, synthetic_number: str) -> None:
    """A number typed into a title, a note, an action or a closing note (grouped, full-width,
    with hyphens) is refused; no inspection row and no trail entry carries it."""
    n = synthetic_number
    spellings = (
        f"{n[:4]} {n[4:8]} {n[8:]}",
        n.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        f"{n[:4]}-{n[4:8]}-{n[8:]}",
    )
    manager = world.ctx("manager")
    _inspection_id, item_id = _inspect(world, manager, date(2026, 4, 10))
    assert item_id is not None
    with unit_of_work(world.sessions) as session:
        action_id = inspections.add_action(
            session, manager, item_id=item_id, title="見直し",
            owner_id=world.users["manager"].id, due_on=date(2026, 5, 31),
        ).id  # fmt: skip
    for typed in spellings:
        attempts = (
            lambda s, t=typed: inspections.start(
                s, manager, kind=InspectionKind.SELF, title=f"点検 {t}"
            ),
            lambda s, t=typed: inspections.record_item(
                s, manager, item_id=item_id, result=ItemResult.FINDING, note=f"対象 {t}"
            ),
            lambda s, t=typed: inspections.add_action(
                s,
                manager,
                item_id=item_id,
                title=f"確認 {t}",
                owner_id=world.users["manager"].id,
                due_on=date(2026, 5, 31),
            ),
            lambda s, t=typed: inspections.close_action(
                s, manager, action_id=action_id, note=f"番号 {t} を削除"
            ),
        )
        for attempt in attempts:
            with pytest.raises(NumberInText), unit_of_work(world.sessions) as session:
                attempt(session)
    with unit_of_work(world.sessions) as session:
        rows = [
            *session.scalars(select(Inspection)),
            *session.scalars(select(InspectionItem)),
            *session.scalars(select(CorrectiveAction)),
        ]
        text = "".join(repr(vars(r)) for r in rows)
        trail = "".join(json.dumps(e.details, ensure_ascii=False) for e in session.scalars(
            select(AuditEntry)
        ))  # fmt: skip
    for typed in (n, *spellings):
        assert typed not in text and typed not in trail


def test_files_are_kept_sealed_with_the_inspection_and_the_closed_action(world: World) -> None:
    """Attachments (mnvault.attachments): a file with the inspection, and the evidence of
    what was done with the action it closes; each stored sealed and audited with its hash."""
    manager = world.ctx("manager")
    inspection_id, item_id = _inspect(world, manager, date(2026, 4, 10))
    assert item_id is not None
    with unit_of_work(world.sessions) as session:
        sheet = inspections.attach_file(
            session, world.envelope, manager, inspection_id=inspection_id,
            filename="点検表.pdf", data=b"%PDF-1.7 inspection sheet",
        )  # fmt: skip
        action = inspections.add_action(
            session, manager, item_id=item_id, title="様式の改訂",
            owner_id=world.users["manager"].id, due_on=date(2026, 5, 31),
        )  # fmt: skip
        inspections.close_action(
            session, manager, action_id=action.id, note="改訂した様式を配布",
            envelope=world.envelope, file=("改訂様式.pdf", b"%PDF-1.7 revised form"),
        )  # fmt: skip
        sheet_id = sheet.id
        action_id = action.id
    with unit_of_work(world.sessions) as session:
        kept, data = inspections.open_file(session, world.envelope, world.ctx("auditor"), sheet_id)
        assert data == b"%PDF-1.7 inspection sheet" and kept.filename == "点検表.pdf"
        closing = inspections.files(
            session, manager, owner=inspections.OWNER_ACTION, owner_id=action_id
        )
        assert [f.filename for f in closing] == ["改訂様式.pdf"]
        details = [
            e.details for e in session.scalars(select(AuditEntry)) if e.action in (
                "inspection:attach", "corrective_action:close")
        ]  # fmt: skip
        assert {d["sha256"] for d in details} == {kept.sha256, closing[0].sha256}
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        inspections.open_file(session, world.envelope, world.ctx("clerk"), sheet_id)


def test_naming_a_member_is_asked_of_those_who_may_read_inspections(world: World) -> None:
    """Tenant walk (tests/test_policy_services.py): member_id() answered whether a login
    belongs to the organisation before anything was authorized. A clerk (no inspection:read)
    and another organisation's clerk now get the same audited refusal for a member and for
    a login no one holds."""
    for context in (world.ctx("clerk"), world.ctx("outsider", org=world.org)):
        for login in (world.users["manager"].login, "nobody"):
            with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
                inspections.member_id(session, context, login)
            with world.sessions() as session:
                last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
            assert last is not None and last.action == "access:denied"
            assert (last.details or {})["permission"] == "inspection:read"
    with unit_of_work(world.sessions) as session:
        found = inspections.member_id(session, world.ctx("auditor"), world.users["clerk"].login)
    assert found == world.users["clerk"].id

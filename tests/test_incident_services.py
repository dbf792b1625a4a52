"""Issue #17, the incident record: opened by hand or from another record, aware dates per part
(the earliest is day 1), the six steps, the assessment from the record, the impact scope from
the trail feeding persons_max, every change audited with the incident's id, no number kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from mnvault.access.errors import AuthorizationDenied
from mnvault.audit.models import AuditEntry
from mnvault.db.base import utcnow
from mnvault.db.engine import unit_of_work
from mnvault.incidents import services as incidents
from mnvault.incidents.errors import InvalidFacts, InvalidStep, UnknownSource
from mnvault.incidents.models import Incident, IncidentStep
from tests.conftest import World
from tests.support.disposal import add_persons


def _open(world: World, **kw: object) -> object:
    with unit_of_work(world.sessions) as session:
        return incidents.open_incident(
            session, world.ctx("manager"), **{  # type: ignore[arg-type]
                "title": "給与明細の誤送付", "event": "leak", "aware_on": date(2026, 11, 2),
                "unit": "人事部", **kw,
            },
        )  # fmt: skip


def test_the_earliest_aware_date_is_day_one_and_the_deadline_follows(world: World) -> None:
    """別添2 3D/3E: いずれかの部署が知った時点 = day 1."""
    incident_id = _open(world, persons_max=150)
    with unit_of_work(world.sessions) as session:
        incidents.note_awareness(
            session, world.ctx("manager"), incident_id, unit="経理部", aware_on=date(2026, 10, 30)
        )  # type: ignore[arg-type]
        view = incidents.incident(session, world.ctx("manager"), incident_id)  # type: ignore[arg-type]
    assert view.aware_date == date(2026, 10, 30)
    assert view.assessment.categories == (4,)
    assert view.assessment.final_report_due == date(2026, 11, 30)  # day 30 = 11/28 (Sat)
    assert [s.step for s in view.steps] == ["2A", "2B", "2C", "2D", "2E", "2E-pub"]


def test_every_change_is_audited_with_the_incident(world: World) -> None:
    incident_id = _open(world)
    with unit_of_work(world.sessions) as session:
        ctx = world.ctx("manager")
        incidents.update_step(
            session, ctx, incident_id, "2A", owner_id=world.users["manager"].id, done=True,
            note="責任者に報告済み",
        )  # type: ignore[arg-type]  # fmt: skip
        incidents.update_facts(session, ctx, incident_id, persons_max=20, flags={"malicious": True})  # type: ignore[arg-type]
        view = incidents.incident(session, ctx, incident_id)  # type: ignore[arg-type]
        actions = [
            (e.action, (e.details or {}).get("incident"))
            for e in session.scalars(select(AuditEntry).where(AuditEntry.action.like("incident:%")))
        ]
    assert {a for a, _ in actions} >= {
        "incident:open", "incident:aware", "incident:step", "incident:update"
    }  # fmt: skip
    assert all(i == str(incident_id) for _, i in actions)
    assert view.steps[0].done_at is not None and view.steps[0].owner == "manager"
    assert view.assessment.categories == (2,)
    assert view.assessment.final_report_due == date(2026, 12, 31) + timedelta(days=4)  # 60 days


def test_only_the_manager_opens_and_the_clerk_cannot_read(world: World) -> None:
    with unit_of_work(world.sessions) as session, pytest.raises(AuthorizationDenied):
        incidents.open_incident(
            session, world.ctx("auditor"), title="x", event="leak", aware_on=date(2026, 11, 2),
            unit="監査",
        )  # fmt: skip
    incident_id = _open(world)
    with unit_of_work(world.sessions) as session, pytest.raises(AuthorizationDenied):
        incidents.incident(session, world.ctx("clerk"), incident_id)  # type: ignore[arg-type]
    with unit_of_work(world.sessions) as session:
        assert incidents.incident(session, world.ctx("auditor"), incident_id).title  # type: ignore[arg-type]


def test_a_number_typed_into_free_text_is_masked_in_the_row_and_the_trail(
    world: World, synthetic_number: str
) -> None:
    """COMMON: a number (grouped 4-4-4, full-width, with hyphens) never stays in free text."""
    number = synthetic_number
    grouped = f"{number[:4]} {number[4:8]} {number[8:]}"
    full_width = number.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    hyphens = f"{number[:4]}-{number[4:8]}-{number[8:]}"
    incident_id = _open(
        world, title=f"番号 {grouped} の誤送付", summary=f"全角 {full_width}",
        reporter=f"報告 {hyphens}", systems_note=grouped,
    )  # fmt: skip
    with unit_of_work(world.sessions) as session:
        incidents.update_step(session, world.ctx("manager"), incident_id, "2B", note=hyphens)  # type: ignore[arg-type]
        row = session.get(Incident, incident_id)
        step = session.get(IncidentStep, (incident_id, "2B"))
        assert row is not None and step is not None
        stored = " ".join(
            str(v) for v in (row.title, row.summary, row.reporter, row.systems_note, step.note)
        )
        trail = " ".join(
            str(e.details)
            for e in session.scalars(select(AuditEntry).where(AuditEntry.action.like("incident:%")))
        )
    for text in (stored, trail):
        digits = "".join(
            ch
            for ch in text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
            if ch.isdigit()
        )
        assert number not in digits


def test_open_from_a_finding_and_the_scope_feeds_persons_max(world: World) -> None:
    """別添2 2C: the impact scope from the trail; its count feeds the assessment (3A(4))."""
    since = utcnow() - timedelta(minutes=5)
    add_persons(world, 3)
    until = utcnow() + timedelta(minutes=5)
    with unit_of_work(world.sessions) as session:
        incident_id = incidents.open_from(
            session, world.ctx("manager"), "analysis_finding", "spike:clerk:2026-12-07",
            title="深夜の大量参照", aware_on=datetime.now(UTC).date() - timedelta(days=1),
            unit="監査室",
            scope_actor_id=world.users["clerk"].id, scope_since=since, scope_until=until,
        )  # fmt: skip
    with unit_of_work(world.sessions) as session, pytest.raises(UnknownSource):
        incidents.open_from(
            session, world.ctx("manager"), "rumour", "x", title="x", aware_on=date(2026, 1, 5),
            unit="x",
        )  # fmt: skip
    with unit_of_work(world.sessions) as session, pytest.raises(AuthorizationDenied):
        incidents.refresh_scope(session, world.ctx("manager"), incident_id)  # no audit:read
    with unit_of_work(world.sessions) as session:
        scope = incidents.refresh_scope(session, world.ctx("auditor"), incident_id)
        view = incidents.incident(session, world.ctx("manager"), incident_id)
    assert scope.persons == 3
    assert view.source_kind == "analysis_finding"
    assert view.assessment.reportable is False  # 3 persons, not malicious: 3B effort


def test_strong_encryption_needs_its_assessment_recorded(world: World) -> None:
    incident_id = _open(world)
    with unit_of_work(world.sessions) as session, pytest.raises(InvalidFacts):
        incidents.update_facts(
            session, world.ctx("manager"), incident_id, flags={"strong_encryption": True}
        )  # type: ignore[arg-type]
    with unit_of_work(world.sessions) as session:
        incidents.update_facts(
            session, world.ctx("manager"), incident_id, flags={"strong_encryption": True},
            encryption_note="AES-256-GCM、鍵は別管理で漏えいなし",
        )  # type: ignore[arg-type]  # fmt: skip
        view = incidents.incident(session, world.ctx("manager"), incident_id)  # type: ignore[arg-type]
    assert view.assessment.reportable is False
    assert view.encryption_note


def test_attention_counts_down_to_the_final_report(world: World) -> None:
    _open(world, persons_max=500, aware_on=datetime.now(UTC).date() - timedelta(days=40))
    with unit_of_work(world.sessions) as session:
        found = incidents.attention(session, world.ctx("manager"))
    assert len(found) == 1
    assert found[0].overdue and found[0].link.startswith("/incidents/")
    with unit_of_work(world.sessions) as session:
        assert incidents.attention(session, world.ctx("clerk")) == []


def test_open_from_a_spike_finding_of_the_analysis(world: World) -> None:
    """Issue #17: an incident opened from a spike finding (audit.analysis.spikes) carries the
    account and the day as the impact scope's subject, and the finding as its source."""
    from zoneinfo import ZoneInfo

    from mnvault.audit.reports import analysis

    zone = ZoneInfo("Asia/Tokyo")
    clerk = world.users["clerk"].id
    day = date(2026, 12, 1)
    events = []
    seq = 0
    for back in range(28, 0, -1):
        seq += 1
        at = datetime(2026, 12, 1, 10, tzinfo=zone) - timedelta(days=back)
        events.append(analysis.Event(seq, at, clerk, "number:read"))
    for minute in range(60):
        seq += 1
        at = datetime(2026, 12, 1, 10, minute, tzinfo=zone)
        events.append(analysis.Event(seq, at, clerk, "number:read"))
    start = datetime(2026, 12, 1, tzinfo=zone)
    found = analysis.spikes(events, start, start + timedelta(days=1), zone)
    assert len(found) == 1 and found[0].kind == analysis.Kind.SPIKE
    with unit_of_work(world.sessions) as session:
        incident_id = incidents.open_from_finding(
            session, world.ctx("manager"), found[0], aware_on=day, unit="監査室"
        )
        view = incidents.incident(session, world.ctx("manager"), incident_id)
    assert view.source_kind == "analysis_finding"
    assert view.source_ref is not None and view.source_ref.startswith("spike:2026-12-01")
    assert view.scope.actor_id == clerk
    assert view.scope.since == start.astimezone(UTC)
    assert "通常を大きく超える利用量" in view.title


def test_a_closed_incident_leaves_the_dashboard_and_an_outside_owner_is_refused(
    world: World,
) -> None:
    incident_id = _open(world, persons_max=500)
    with unit_of_work(world.sessions) as session, pytest.raises(InvalidStep):
        incidents.update_step(
            session, world.ctx("manager"), incident_id, "2A", owner_id=world.users["outsider"].id
        )  # type: ignore[arg-type]
    with unit_of_work(world.sessions) as session:
        assert len(incidents.attention(session, world.ctx("manager"))) == 1
        incidents.close(session, world.ctx("manager"), incident_id)  # type: ignore[arg-type]
        assert incidents.attention(session, world.ctx("manager")) == []


def test_open_from_a_failed_trail_verification(world: World) -> None:
    """Issue #17: a verification finding (an entry changed) opens an incident naming it."""
    from mnvault.audit.verification import findings

    with unit_of_work(world.sessions) as session:
        incident_id = incidents.open_from_verification(
            session, world.ctx("manager"), findings.changed(42), aware_on=date(2026, 12, 1),
            unit="監査室",
        )  # fmt: skip
        view = incidents.incident(session, world.ctx("manager"), incident_id)
    assert view.source_kind == "trail_verification"
    assert view.source_ref == "changed:#42"
    assert "監査記録 42 番" in view.title

"""Issue #14, live state: per-measure states (met by the system / evidenced / overdue / open),
hand-recorded evidence and its interval, reminders, permissions, and no number in the report."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mnvault.access.errors import AuthorizationDenied
from mnvault.compliance import services as compliance
from mnvault.compliance.catalogue import Source, applicable
from mnvault.compliance.errors import InvalidEvidence, NotApplicable, UnknownMeasure
from mnvault.compliance.state import State
from mnvault.db.base import utcnow
from mnvault.db.engine import unit_of_work
from mnvault.orgs.models import OrganisationKind
from tests.conftest import World
from tests.disposal_support import add_persons


def _states(world: World, who: str = "manager", **kw: object) -> dict[str, compliance.MeasureState]:
    with unit_of_work(world.sessions) as session:
        report = compliance.status(session, world.ctx(who), **kw)  # type: ignore[arg-type]
    return {m.measure.id: m for m in report.measures}


def test_every_applicable_measure_has_one_state_and_unchecked_ones_are_open(world: World) -> None:
    states = _states(world)
    assert set(states) == {m.id for m in applicable(OrganisationKind.COMPANY)}
    assert all(m.measure.source is Source.BUSINESS for m in states.values())
    g = states["J-2G"]
    assert g.state is State.OPEN and g.reason_en == "no system check and no evidence yet"
    assert g.link == "/compliance#J-2G"
    assert states["J-2Fb"].state is State.MET_BY_SYSTEM  # TOTP for every number role
    assert states["J-2Cc"].state is State.OPEN  # the world has no SPI file


def test_evidence_makes_a_measure_evidenced_then_overdue_by_its_interval(world: World) -> None:
    now = utcnow()
    with unit_of_work(world.sessions) as session:
        compliance.record_evidence(
            session, world.ctx("manager"), measure_id="J-2Db", title="2026年度 番号事務研修",
            performed_at=now - timedelta(days=300),
        )  # fmt: skip
    states = _states(world, now=now)
    assert states["J-2Db"].state is State.EVIDENCED  # default interval 365 days
    assert states["J-2Db"].due_at == now - timedelta(days=300) + timedelta(days=365)
    late = _states(world, now=now + timedelta(days=70))
    assert late["J-2Db"].state is State.OVERDUE
    with unit_of_work(world.sessions) as session:
        compliance.set_setting(
            session,
            world.ctx("manager"),
            measure_id="J-2Db",
            interval_days=500,
            owner_role="manager",
        )
    assert _states(world, now=now + timedelta(days=70))["J-2Db"].state is State.EVIDENCED


def test_valid_until_and_the_due_list(world: World) -> None:
    now = utcnow()
    with unit_of_work(world.sessions) as session:
        compliance.record_evidence(
            session, world.ctx("manager"), measure_id="J-2A", title="基本方針 承認",
            performed_at=now - timedelta(days=1), valid_until=now + timedelta(days=10),
        )  # fmt: skip
    with unit_of_work(world.sessions) as session:
        soon = compliance.due(session, world.ctx("manager"), within_days=30, now=now)
        later = compliance.due(session, world.ctx("manager"), within_days=5, now=now)
    assert "J-2A" in {m.measure.id for m in soon}
    assert "J-2A" not in {m.measure.id for m in later}


def test_permissions(world: World) -> None:
    for reader in ("manager", "auditor", "admin"):
        assert _states(world, reader)
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        compliance.status(session, world.ctx("clerk"))
    for who in ("admin", "auditor", "clerk"):
        with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
            compliance.record_evidence(session, world.ctx(who), measure_id="J-2A", title="x")


def test_bad_evidence_is_refused(world: World) -> None:
    with unit_of_work(world.sessions) as session:
        ctx = world.ctx("manager")
        with pytest.raises(UnknownMeasure):
            compliance.record_evidence(session, ctx, measure_id="J-9Z", title="x")
        with pytest.raises(NotApplicable):  # a company is not bound by 行政機関等編
            compliance.record_evidence(session, ctx, measure_id="G-2Ca.1", title="x")
        with pytest.raises(InvalidEvidence):
            compliance.record_evidence(session, ctx, measure_id="J-2A", title="x", file_sha256="zz")


def test_evidence_may_not_carry_a_number(world: World, synthetic_number: str) -> None:
    """別添1 2C c: 取扱状況を確認するための記録等には、特定個人情報等は記載しない."""
    with unit_of_work(world.sessions) as session:
        for title, note in (
            (f"研修 {synthetic_number}", None),
            ("研修", f"対象 {synthetic_number}"),
        ):
            with pytest.raises(InvalidEvidence):
                compliance.record_evidence(
                    session, world.ctx("manager"), measure_id="J-2Db", title=title, note=note
                )


def test_no_number_in_the_report(world: World) -> None:
    numbers = [n for _id, n in add_persons(world, 3)]
    with unit_of_work(world.sessions) as session:
        report = compliance.status(session, world.ctx("manager"))
        text = repr(report) + "".join(g.line_ja + g.line_en for g in report.groups())
    assert not any(n in text for n in numbers)
    assert [g.group.id for g in report.groups()][:2] == ["1", "2A"]


def test_a_time_without_zone_is_the_organisations(world: World) -> None:
    """A naive time (an API client's, a form's) is read in the organisation's zone, stored UTC."""
    from datetime import datetime

    with unit_of_work(world.sessions) as session:
        row = compliance.record_evidence(
            session, world.ctx("manager"), measure_id="J-2A", title="基本方針",
            performed_at=datetime(2026, 4, 1, 9, 0), valid_until=datetime(2027, 4, 1, 9, 0),
        )  # fmt: skip
        assert row.performed_at.isoformat() == "2026-04-01T00:00:00+00:00"  # 09:00 JST


def test_a_time_at_the_edge_of_the_calendar_is_refused(world: World) -> None:
    from datetime import datetime

    with unit_of_work(world.sessions) as session, pytest.raises(InvalidEvidence):
        compliance.record_evidence(
            session, world.ctx("manager"), measure_id="J-2A", title="x",
            performed_at=datetime(1, 1, 1, 0, 0),  # 09:00 JST on 1 January of year 1: no UTC
        )  # fmt: skip


def test_evidence_providers_are_found_by_package_name() -> None:
    """#14: a record package plugs in by having an evidence.py; compliance imports none by name."""
    from mnvault.compliance import evidence

    modules = evidence.evidence_modules()
    assert "mnvault.compliance.evidence" in modules
    assert all(m.startswith("mnvault.") and m.endswith(".evidence") for m in modules)
    evidence.discover()
    every = [name for name, _ in evidence.every_measure_providers()]
    assert every[0] == "record" and "inspections-actions" in every


def test_a_query_shared_by_several_measures_runs_once_while_gathering(world: World) -> None:
    """Issue #12 (the dashboard's queries): a provider's query decorated with
    once_per_gathering runs once for all the measures of one gathering, and each time outside
    one (a later gathering sees what was written since)."""
    from mnvault.compliance import evidence

    calls: list[str] = []

    @evidence.once_per_gathering
    def rows(session: object, organisation_id: object) -> list[str]:
        calls.append("query")
        return ["row"]

    def provider(session: object, organisation_id: object, measure_id: str) -> list[object]:
        rows(session, organisation_id)
        return []

    evidence.register(["J-2A", "J-2B"], "test-shared-query", provider)  # type: ignore[arg-type]
    try:
        with unit_of_work(world.sessions) as session:
            org = world.org.id
            evidence.evidence_for_each(session, org, ["J-2A", "J-2B"])
            assert calls == ["query"]
            evidence.evidence_for_each(session, org, ["J-2A", "J-2B"])
            assert calls == ["query"] * 2  # a new gathering asks again
            evidence.evidence_for(session, org, "J-2A")
            rows(session, org)  # outside any gathering: each time
            assert calls == ["query"] * 4
    finally:
        evidence.unregister("test-shared-query")

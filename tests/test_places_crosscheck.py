"""Issue #16 "Areas and entry logs": the analysis that flags entries outside office hours
and number reads by a clerk who, by the handling area's entry log, was not there at that
time, shown as findings in the audit periodic report (mnvault.audit.reports.extra finds
them by name)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from mnvault.access.errors import AuthorizationDenied
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.audit.reports import periodic
from mnvault.audit.reports import report as audit_report
from mnvault.audit.reports.extra import ExtraSection
from mnvault.db.engine import unit_of_work
from mnvault.places import crosscheck
from mnvault.places import services as places
from tests.conftest import World
from tests.support.builders import SLIP

TOKYO = ZoneInfo("Asia/Tokyo")
DAY = date(2026, 11, 10)  # a Tuesday: inside the default office days
UNLOGGED = date(2026, 11, 11)


def jst(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TOKYO).astimezone(UTC)


def _setup(world: World, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    clerk, clerk2 = world.users["clerk"].login, world.users["clerk2"].login
    log = "\n".join(
        [
            "日時,社員コード,扉,入退",
            f"2026/11/10 09:00:00,{clerk},3F,入室",
            f"2026/11/10 12:00:00,{clerk},3F,退室",
            f"2026/11/10 13:00:00,{clerk},3F,入室",
            f"2026/11/10 18:00:00,{clerk},3F,退室",
            f"2026/11/10 09:00:00,{clerk2},3F,入室",
            f"2026/11/10 17:00:00,{clerk2},3F,退室",
            f"2026/11/10 22:30:00,{clerk},3F,入室",
            f"2026/11/10 22:45:00,{clerk},3F,退室",
        ]
    )
    with unit_of_work(world.sessions) as session:
        area = places.save_area(
            session, world.ctx("manager"), name="給与課", kind="handling", location="本社3階"
        )
        places.import_entries(
            session, world.ctx("admin"), area_id=area.id, filename="gate.csv",
            data=log.encode("cp932"), mapping="generic_ja",
        )  # fmt: skip
    clock = {"now": jst(DAY, 10)}
    monkeypatch.setattr(audit, "utcnow", lambda: clock["now"])
    seqs: dict[str, int] = {}
    person = uuid.uuid4()
    reads = {
        "clerk_inside": ("clerk", jst(DAY, 10)),
        "clerk_at_lunch": ("clerk", jst(DAY, 12, 30)),
        "clerk2_inside": ("clerk2", jst(DAY, 10, 30)),
        "manager_never_in": ("manager", jst(DAY, 11)),
        "clerk_unlogged_day": ("clerk", jst(UNLOGGED, 12, 30)),
    }
    with unit_of_work(world.sessions) as session:
        for key, (who, moment) in reads.items():
            clock["now"] = moment
            entry = audit.record(
                session, world.ctx(who, SLIP), AuditAction.NUMBER_READ, details={"p": str(person)}
            )
            seqs[key] = entry.seq
    monkeypatch.undo()
    return seqs


def _section(report: periodic.Report, key: str) -> ExtraSection:
    return next(s for s in report.extra if s.key == key)


def test_reads_outside_the_handling_area_and_after_hours_entries_are_findings(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seqs = _setup(world, monkeypatch)
    with unit_of_work(world.sessions) as session:
        report = periodic.gather(session, world.ctx("auditor"), since=DAY, until=UNLOGGED)
    outside = _section(report, crosscheck.READ_OUTSIDE_AREA).findings
    flagged = {seq for f in outside for seq in f.seqs}
    # In the area: no finding. Out at lunch, never in: findings. A day without logs: none.
    assert flagged == {seqs["clerk_at_lunch"], seqs["manager_never_in"]}
    assert {f.actor for f in outside} == {world.users["clerk"].id, world.users["manager"].id}
    after = _section(report, crosscheck.AFTER_HOURS_ENTRY).findings
    assert [(f.actor, f.count, f.at) for f in after] == [
        (world.users["clerk"].id, 1, jst(DAY, 22, 30))
    ]
    html = audit_report.render_html(report)
    assert "取扱区域にいない職員による個人番号の閲覧" in html
    assert f"#{seqs['clerk_at_lunch']}" in html
    with world.sessions() as session:
        own = session.get(AuditEntry, report.entry_seq)
    assert own is not None and own.details is not None
    assert own.details["findings"][crosscheck.READ_OUTSIDE_AREA] == 2


def test_the_same_check_as_a_service_needs_audit_read(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    seqs = _setup(world, monkeypatch)
    with unit_of_work(world.sessions) as session:
        checked = places.cross_check(session, world.ctx("auditor"), since=DAY, until=DAY)
    assert {s for f in checked.outside for s in f.seqs} == {
        seqs["clerk_at_lunch"],
        seqs["manager_never_in"],
    }
    assert len(checked.after_hours) == 1
    with pytest.raises(AuthorizationDenied), unit_of_work(world.sessions) as session:
        places.cross_check(session, world.ctx("clerk"), since=DAY, until=DAY)


def test_a_stay_without_a_badge_out_ends_after_sixteen_hours() -> None:
    user, area = uuid.uuid4(), uuid.uuid4()
    entries = [crosscheck.Entry(uuid.uuid4(), area, user, "u", jst(DAY, 9), "in")]
    spans = [crosscheck.Covered(area, jst(DAY, 0), jst(UNLOGGED, 23))]
    reads = [
        crosscheck.Read(1, jst(DAY, 20), user),  # inside: the stay is open
        crosscheck.Read(2, jst(UNLOGGED, 9), user),  # the next morning: not inside
    ]
    found = crosscheck.reads_outside(reads, entries, spans, TOKYO)
    assert [f.seqs for f in found] == [(2,)]

"""Periodic analysis (issue 4, 定期的な分析): the analysis functions on synthetic entries,
then the report end to end over a trail made with synthetic numbers, in HTML and PDF,
with no number in either and the report's own audit entry in the trail."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pyrage
import pytest
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.models import Role
from mnvault.access.policy.model import Conditions
from mnvault.audit import period
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction, Outcome
from mnvault.audit.models import AuditEntry
from mnvault.audit.reports import analysis, charts, periodic
from mnvault.audit.reports import report as audit_report
from mnvault.audit.reports.analysis import Event, Kind, SpikeRule
from mnvault.db.base import utcnow
from mnvault.db.engine import unit_of_work
from mnvault.vault import exporter
from mnvault.vault import services as vs
from mnvault.vault.errors import InvalidInput
from tests.conftest import World, synthetic_numbers
from tests.support.builders import SLIP, acquire
from tests.support.builders import person as make_person

TOKYO = ZoneInfo("Asia/Tokyo")
CLERK, OTHER = uuid.UUID(int=1), uuid.UUID(int=2)
READ, LOGIN = str(AuditAction.NUMBER_READ), str(AuditAction.AUTH_LOGIN)


def jst(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=TOKYO).astimezone(UTC)


class Trail:
    """Synthetic entries with increasing sequence numbers."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, at: datetime, action: str = READ, actor: uuid.UUID | None = CLERK,
            **fields: object) -> Event:  # fmt: skip
        event = Event(len(self.events) + 1, at, actor, action, **fields)  # type: ignore[arg-type]
        self.events.append(event)
        return event


MONDAY = date(2026, 11, 2)


# -- office hours ---------------------------------------------------------------------------


OFFICE_9_17 = Conditions(
    time_zone="Asia/Tokyo", office_days=frozenset({1, 2, 3, 4, 5}), office_start=540,
    office_end=1020,
)  # fmt: skip
NIGHT_SHIFT = Conditions(time_zone="Asia/Tokyo", office_start=22 * 60, office_end=6 * 60)


@pytest.mark.parametrize(
    ("conditions", "day", "hour", "minute", "after"),
    [
        (None, MONDAY, 7, 59, True),  # default: weekdays 08:00-20:00 in Tokyo
        (None, MONDAY, 8, 0, False),
        (None, MONDAY, 19, 59, False),
        (None, MONDAY, 20, 0, True),
        (None, MONDAY + timedelta(days=5), 10, 0, True),  # Saturday
        (Conditions(networks=("192.0.2.0/24",)), MONDAY, 21, 0, True),  # no hours set: default
        (OFFICE_9_17, MONDAY, 8, 30, True),  # the organisation's own hours rule
        (OFFICE_9_17, MONDAY, 16, 59, False),
        (OFFICE_9_17, MONDAY, 17, 0, True),
        (NIGHT_SHIFT, MONDAY, 23, 0, False),  # past midnight
        (NIGHT_SHIFT, MONDAY + timedelta(days=6), 3, 0, False),  # every day when none named
        (NIGHT_SHIFT, MONDAY, 12, 0, True),
    ],
)
def test_after_hours_follows_the_organisations_hours_or_the_default(
    conditions: Conditions | None, day: date, hour: int, minute: int, after: bool
) -> None:
    hours = analysis.office_hours(conditions)
    assert analysis.is_after_hours(jst(day, hour, minute), hours) is after


def test_after_hours_groups_by_account_and_day_and_counts_refused_attempts() -> None:
    trail = Trail()
    trail.add(jst(MONDAY, 10))  # in hours
    late = [trail.add(jst(MONDAY, 21)), trail.add(jst(MONDAY, 23, 30))]
    refused = trail.add(jst(MONDAY, 22), str(AuditAction.ACCESS_DENIED), outcome="denied",
                        permission="number:read", reason="outside office hours")  # fmt: skip
    trail.add(jst(MONDAY, 22), str(AuditAction.ACCESS_DENIED), outcome="denied",
              permission="audit:read")  # not SPI: not after-hours *use*  # fmt: skip
    trail.add(jst(MONDAY, 23), LOGIN)  # a sign-in is not a use
    other = trail.add(jst(MONDAY + timedelta(days=1), 6), actor=OTHER)
    found = analysis.after_hours(trail.events, analysis.office_hours(None))
    assert [(f.actor, f.day, f.facts["ok"], f.facts["denied"]) for f in found] == [
        (CLERK, MONDAY, 2, 1),
        (OTHER, MONDAY + timedelta(days=1), 1, 0),
    ]
    assert set(found[0].seqs) == {late[0].seq, late[1].seq, refused.seq}
    assert found[1].seqs == (other.seq,)


# -- accesses, denials, batches ------------------------------------------------------------


def test_accesses_per_account_and_affair() -> None:
    trail = Trail()
    for _ in range(3):
        trail.add(jst(MONDAY, 10), affair=SLIP)
    trail.add(jst(MONDAY, 10), str(AuditAction.PERSON_READ), affair="health_pension_insurance")
    trail.add(jst(MONDAY, 10), str(AuditAction.ACCESS_DENIED), outcome="denied", affair=SLIP)
    trail.add(jst(MONDAY, 10), LOGIN)
    trail.add(jst(MONDAY, 11), actor=OTHER, affair=SLIP)
    tallies = [(t.actor, t.affair, t.ok, t.denied) for t in analysis.accesses(trail.events)]
    assert tallies == [
        (CLERK, SLIP, 3, 1),
        (CLERK, "health_pension_insurance", 1, 0),
        (OTHER, SLIP, 1, 0),
    ]


def test_denials_group_by_account_what_and_why() -> None:
    trail = Trail()
    deny = {"outcome": "denied", "permission": "number:read"}
    a = trail.add(jst(MONDAY, 10), str(AuditAction.ACCESS_DENIED), reason="not assigned", **deny)
    b = trail.add(jst(MONDAY, 11), str(AuditAction.ACCESS_DENIED), reason="not assigned", **deny)
    trail.add(jst(MONDAY, 12), str(AuditAction.ACCESS_DENIED), reason="outside hours", **deny)
    failed = trail.add(jst(MONDAY, 13), str(AuditAction.AUTH_LOGIN_FAILED), outcome="failed")
    trail.add(jst(MONDAY, 14))  # ok: not a denial
    found = analysis.denials(trail.events)
    assert [(f.facts["what"], f.facts["reason"], f.seqs) for f in found] == [
        ("number:read", "not assigned", (a.seq, b.seq)),
        ("auth:login_failed", "", (failed.seq,)),
        ("number:read", "outside hours", (3,)),
    ]


@pytest.mark.parametrize(
    ("sizes", "threshold", "bulk"),
    [((5, 150), 100, [150]), ((100,), 100, [100]), ((99, 3), 100, []), ((4, 2), 3, [4])],
)
def test_bulk_exports_are_batches_at_or_over_the_threshold(
    sizes: tuple[int, ...], threshold: int, bulk: list[int]
) -> None:
    trail = Trail()
    for index, size in enumerate(sizes):
        for _ in range(size):
            trail.add(jst(MONDAY, 10 + index), str(AuditAction.EXPORT_CREATE),
                      request_id=f"r{index}", person=uuid.uuid4())  # fmt: skip
    trail.add(jst(MONDAY, 15), str(AuditAction.PROVISION_CREATE), request_id="p")
    found = analysis.batches(trail.events)
    assert [b.persons for b in found] == [*sizes, 1]
    assert [f.facts["persons"] for f in analysis.bulk_exports(found, threshold)] == bulk


@pytest.mark.parametrize(
    ("seqs", "runs"),
    [([], []), ([3], [(3, 3)]), ([5, 1, 2, 3, 9, 10], [(1, 3), (5, 5), (9, 10)])],
)
def test_sequence_numbers_shown_as_runs(seqs: list[int], runs: list[tuple[int, int]]) -> None:
    assert analysis.ranges(seqs) == runs


# -- spikes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "today", "flagged"),
    [
        ([10] * 28, 25, True),  # sd 0: anything above the mean and the floor
        ([10] * 28, 15, False),  # above the mean, under the floor
        ([0, 40] * 14, 79, False),  # mean 20, sd 20: threshold 80
        ([0, 40] * 14, 81, True),
        ([0] * 28, 20, True),  # a new account's first busy day, at the floor
        ([0] * 28, 19, False),
        ([30] * 14 + [0] * 14, 61, True),  # quiet days count as zero: mean 15, sd 15
    ],
)
def test_spike_is_a_day_above_the_accounts_own_baseline(
    baseline: list[int], today: int, flagged: bool
) -> None:
    trail = Trail()
    day = MONDAY + timedelta(days=28)
    for back, count in zip(range(28, 0, -1), baseline, strict=True):
        for _ in range(count):
            trail.add(jst(day - timedelta(days=back), 11))
    spike_seqs = [trail.add(jst(day, 11)).seq for _ in range(today)]
    trail.add(jst(day, 11), actor=OTHER)  # someone else's day is theirs
    found = analysis.spikes(trail.events, jst(day, 0), jst(day + timedelta(days=1), 0), TOKYO)
    assert bool(found) is flagged
    if flagged:
        (spike,) = found
        assert spike.actor == CLERK and spike.day == day
        assert list(spike.seqs) == spike_seqs
        assert spike.facts["series"] == [*baseline, today]


def test_spike_rule_is_adjustable() -> None:
    trail = Trail()
    for _ in range(5):
        trail.add(jst(MONDAY, 10))
    window = (jst(MONDAY, 0), jst(MONDAY + timedelta(days=1), 0))
    assert analysis.spikes(trail.events, *window, TOKYO) == []
    assert analysis.spikes(trail.events, *window, TOKYO, SpikeRule(baseline_days=7, floor=5))


# -- dormant accounts -----------------------------------------------------------------------

SINCE = jst(MONDAY, 0)
UNTIL = jst(MONDAY + timedelta(days=7), 0)
HISTORY = SINCE - timedelta(days=30)


def _dormant(trail: Trail) -> list[tuple[int | None, int]]:
    found = analysis.dormant_use(
        trail.events, SINCE, UNTIL, idle=timedelta(days=30), history_start=HISTORY
    )
    return [(f.facts["idle_days"], f.facts["uses"]) for f in found]


def test_an_account_seen_every_day_is_not_dormant() -> None:
    trail = Trail()
    for day in range(37):
        trail.add(HISTORY + timedelta(days=day, hours=2), LOGIN)
        trail.add(HISTORY + timedelta(days=day, hours=2, minutes=5))
    assert _dormant(trail) == []


@pytest.mark.parametrize(
    ("last_seen_days_before", "expected"),
    [(None, [(None, 2)]), (31, [(31, 2)]), (29, [])],
)
def test_an_account_that_wakes_after_a_long_silence_and_uses_numbers(
    last_seen_days_before: int | None, expected: list[tuple[int | None, int]]
) -> None:
    trail = Trail()
    wake = jst(MONDAY + timedelta(days=2), 9)
    if last_seen_days_before is not None:
        trail.add(wake - timedelta(days=last_seen_days_before), LOGIN)
    # Someone trying its password meanwhile is not the account in use.
    trail.add(wake - timedelta(days=3), str(AuditAction.AUTH_LOGIN_FAILED), outcome="failed")
    trail.add(wake, LOGIN)
    trail.add(wake + timedelta(minutes=1))
    trail.add(wake + timedelta(hours=2))
    trail.add(wake + timedelta(hours=30))  # outside the wake window: an ordinary day again
    assert _dormant(trail) == expected


def test_a_new_account_is_not_dormant_and_a_wake_without_use_is_no_finding() -> None:
    trail = Trail()
    created = jst(MONDAY + timedelta(days=1), 9)
    trail.add(created, str(AuditAction.USER_CREATE), actor=OTHER, subject=CLERK)
    trail.add(created + timedelta(hours=1), LOGIN)
    trail.add(created + timedelta(hours=1, minutes=1))
    idle = Trail()
    idle.add(jst(MONDAY + timedelta(days=1), 9), LOGIN, actor=OTHER)  # signs in, uses nothing
    assert _dormant(trail) == []
    assert _dormant(idle) == []


# -- periods and charts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        (date(2026, 4, 1), date(2026, 4, 30),
         (datetime(2026, 3, 31, 15, tzinfo=UTC), datetime(2026, 4, 30, 15, tzinfo=UTC))),
        (datetime(2026, 4, 1, 9), datetime(2026, 4, 1, 18),
         (datetime(2026, 4, 1, 0, tzinfo=UTC), datetime(2026, 4, 1, 9, tzinfo=UTC))),
        (datetime(2026, 4, 1, tzinfo=UTC), None, (datetime(2026, 4, 1, tzinfo=UTC), None)),
        (None, None, (None, None)),
    ],
)  # fmt: skip
def test_a_period_is_read_in_local_time_with_the_end_day_included(
    since: period.When | None, until: period.When | None, expected: tuple[object, object]
) -> None:
    assert period.window(since, until, TOKYO) == expected


@pytest.mark.parametrize(
    ("since", "until"),
    [(date(2026, 4, 2), date(2026, 4, 1)), (date(2026, 4, 1), date.max), (None, None)],
)
def test_a_period_that_cannot_be_is_refused(since: date | None, until: date | None) -> None:
    with pytest.raises(InvalidInput):
        period.window(since, until, TOKYO, required=True)


def test_charts_escape_labels_and_fold_the_long_tail() -> None:
    svg = charts.bar_chart([("<script>x</script>", 3), ("b", 0)], title="t & u")
    assert "<script>" not in svg and "&lt;script&gt;" in svg and "t &amp; u" in svg
    many = charts.bar_chart([(f"c{i}", i) for i in range(40)], title="many")
    assert many.count("<rect") == charts.MAX_BARS
    assert "others (16)" in many
    column = charts.column_chart([1, 2, 9], title="days", highlight=2, threshold=4.5)
    assert column.count("<rect") == 3 and charts.HIGHLIGHT in column
    assert charts.bar_chart([], title="none") == ""


# -- end to end ------------------------------------------------------------------------------


def _pdf_text(pdf: Path) -> str | None:
    tool = shutil.which("pdftotext")
    if tool is None:
        return None
    done = subprocess.run(
        [tool, "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True,
        timeout=60,
    )  # fmt: skip
    return done.stdout.decode("utf-8")


def test_report_end_to_end_without_a_number(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    numbers = synthetic_numbers(6, seed=404)
    persons = [make_person(world, f"R{i:03d}") for i in range(len(numbers))]
    for person, number in zip(persons, numbers, strict=True):
        acquire(world, person.id, number)
    with unit_of_work(world.sessions) as session:
        for person in persons[:3]:
            vs.use(session, world.envelope, world.ctx("clerk", SLIP), person_id=person.id)
        exporter.export_affair(
            session, world.envelope, world.ctx("clerk", SLIP), purpose="給与支払報告書",
            recipients=[str(pyrage.x25519.Identity.generate().to_public())],
        )  # fmt: skip
    with pytest.raises(Exception, match="number:read"), unit_of_work(world.sessions) as session:
        vs.use(session, world.envelope, world.ctx("clerk2", SLIP), person_id=persons[0].id)

    # Earlier days, written with a moved clock: a baseline, a spike, a night, a dormant
    # manager waking up.
    today = utcnow().astimezone(TOKYO).date()
    clerk = world.ctx("clerk", SLIP)
    manager = world.ctx("manager", SLIP)
    clock = {"now": utcnow()}
    monkeypatch.setattr(audit, "utcnow", lambda: clock["now"])

    def at(moment: datetime) -> None:
        clock["now"] = moment

    ids = [p.id for p in persons]
    with unit_of_work(world.sessions) as session:
        for back in range(35, 3, -1):
            at(jst(today - timedelta(days=back), 11))
            audit.record_many(session, clerk, AuditAction.NUMBER_READ, ids[:2])
        at(jst(today - timedelta(days=3), 11))
        audit.record_many(session, clerk, AuditAction.NUMBER_READ, ids * 6)
        at(jst(today - timedelta(days=2), 23, 30))
        audit.record(session, clerk, AuditAction.NUMBER_READ, person_id=ids[4])
        at(jst(today - timedelta(days=1), 10))
        audit.record(session, None, AuditAction.AUTH_LOGIN, actor_id=manager.actor_id)
        audit.record_many(session, manager, AuditAction.NUMBER_READ, ids[:3])
    monkeypatch.undo()

    with unit_of_work(world.sessions) as session:
        report = periodic.gather(
            session, world.ctx("auditor"), since=today - timedelta(days=7), until=today,
            parameters=periodic.Parameters(bulk_threshold=5),
        )  # fmt: skip
    found = report.findings
    clerk_id, manager_id = world.users["clerk"].id, world.users["manager"].id
    assert any(
        f.actor == clerk_id and f.day == today - timedelta(days=3) for f in found[Kind.SPIKE]
    )
    assert any(f.actor == clerk_id and f.facts["ok"] for f in found[Kind.AFTER_HOURS])
    assert [f.actor for f in found[Kind.DORMANT]] == [manager_id]
    assert any(f.actor == world.users["clerk2"].id for f in found[Kind.DENIAL])
    assert [f.facts["persons"] for f in found[Kind.BULK_EXPORT]] == [len(numbers)]
    assert {(t.actor, t.affair) for t in report.accesses} >= {(clerk_id, SLIP)}

    written = audit_report.write(report, tmp_path / "report")
    html = written.html.read_text("utf-8")
    assert "監査記録の定期分析" in html and "Periodic analysis" in html
    assert html.count("<svg") >= 4
    # Every finding links to its appendix section, which names the entries behind it.
    total = sum(len(group) for group in found.values())
    for number in range(1, total + 1):
        assert f'href="#finding-{number}"' in html and f'id="finding-{number}"' in html
    for finding in found[Kind.BULK_EXPORT]:
        first, last = min(finding.seqs), max(finding.seqs)
        assert f"#{first}–#{last}" in html
    assert f"#{report.entry_seq}" in html
    # The report's own entry: produced, by whom, in which organisation.
    with world.sessions() as session:
        own = session.get(AuditEntry, report.entry_seq)
    assert own is not None
    assert (own.action, own.outcome) == (str(AuditAction.AUDIT_REPORT), str(Outcome.OK))
    assert own.actor_id == world.users["auditor"].id and own.organisation_id == world.org.id
    assert own.details is not None and own.details["entries"] == report.analysed
    assert written.pdf.read_bytes().startswith(b"%PDF")
    for number in numbers:
        assert number not in html
    text = _pdf_text(written.pdf)
    if text is None:
        pytest.skip("pdftotext (poppler-utils) is not installed: the PDF text was not checked")
    assert "監査記録の定期分析" in text
    for number in numbers:
        assert number not in text


def test_report_needs_audit_read_and_shows_nothing_of_another_organisation(
    world: World,
) -> None:
    person = make_person(world, "X001")
    with unit_of_work(world.sessions) as session:
        vs.summarise_person(session, world.ctx("clerk"), person.id)
    today = utcnow().astimezone(TOKYO).date()
    with pytest.raises(Exception, match="audit:read"), unit_of_work(world.sessions) as session:
        periodic.gather(session, world.ctx("clerk"), since=today, until=today)
    with unit_of_work(world.sessions) as session:
        access.grant_role(session, None, user=world.users["auditor"],
                          organisation_id=world.other_org.id, role=Role.AUDITOR)  # fmt: skip
    other = replace(world.ctx("auditor"), organisation_id=world.other_org.id)
    with unit_of_work(world.sessions) as session:
        theirs = periodic.gather(session, other, since=today, until=today)
        entries = session.scalars(
            select(AuditEntry.seq).where(AuditEntry.organisation_id == world.org.id)
        ).all()
    assert not set(entries) & set(theirs.events)
    assert all(t.actor != world.users["clerk"].id for t in theirs.accesses)
    assert world.users["clerk"].id not in theirs.names
    assert sum(len(group) for group in theirs.findings.values()) == 0

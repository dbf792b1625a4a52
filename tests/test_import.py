"""The streaming CSV import: bad lines reported by number, modes, resume (issue #2)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mnvault.audit.models import AuditEntry
from mnvault.db.engine import unit_of_work
from mnvault.vault import csvfile
from mnvault.vault import importer as imp
from mnvault.vault import services as vs
from mnvault.vault.models import ImportJob, NumberRecord, Person
from tests.conftest import World, synthetic_numbers

SLIP = "withholding_slip"


def write(path: Path, rows: list[list[str]], header: tuple[str, ...] = csvfile.COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def row(ref: str, number: str, kind: str = "employee", related: str = "") -> list[str]:
    return [
        ref,
        kind,
        f"試験 {ref}",
        number,
        "my_number_card",
        "drivers_licence",
        "",
        "",
        related,
        "2021-04-01",
        "",
    ]


def count(world: World, model: type) -> int:
    with world.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def run(world: World, path: Path, **kwargs: object) -> imp.ImportReport:
    return imp.import_persons(
        world.sessions, world.envelope, world.ctx("clerk"), path=path, affair_codes=[SLIP], **kwargs
    )  # type: ignore[arg-type]


@pytest.fixture
def good_numbers() -> list[str]:
    return synthetic_numbers(50, seed=7)


def bad_file(tmp_path: Path, good: list[str]) -> tuple[Path, dict[int, str]]:
    """A file full of bad lines; returns the path and the expected reason per line."""
    wrong_digit = good[1][:-1] + str((int(good[1][-1]) + 1) % 10)
    rows = [
        row("E1", good[0]),  # line 2: good
        row("E2", wrong_digit),  # line 3: check digit
        row("E3", good[0]),  # line 4: duplicate number in file
        row("E4", "12345"),  # line 5: length
        row("E5", "12345678901A"),  # line 6: non-digit
        row("E6", good[2], kind="alien"),  # line 7: unknown kind
        row("E7", good[3], kind="customer"),  # line 8: affair not applicable
        row("E1", good[4]),  # line 9: external id repeats
        ["E8", "employee", "short row"],  # line 10: field count
        row("E9", good[5], related="NOBODY"),  # line 11: related person unknown
        row("E10", good[6]),  # line 12: good
        row("D1", good[7], kind="dependent", related="E10"),  # line 13: good dependent
    ]
    rows[0][6] = ""
    rows[5][6] = "not-a-date"  # also bad verified_at, but kind fails first
    expected = {
        3: "check digit",
        4: "already held for another person",
        5: "wrong length",
        6: "non-digit",
        7: "unknown person kind",
        8: "does not apply",
        9: "external id E1",
        10: "fields where the header has",
        11: "related person",
    }
    return write(tmp_path / "bad.csv", rows), expected


def test_skip_bad_reports_each_bad_line_with_its_number(
    world: World, tmp_path: Path, good_numbers: list[str]
):
    path, expected = bad_file(tmp_path, good_numbers)
    report = run(world, path, mode=imp.ImportMode.SKIP_BAD, batch_size=4)
    got = {e.line: e.reason_en for e in report.first_errors}
    assert sorted(got) == sorted(expected)
    for line, fragment in expected.items():
        assert fragment in got[line], (line, got[line])
    assert report.imported == 3 and report.committed
    assert count(world, Person) == 3 and count(world, NumberRecord) == 3
    for err in report.first_errors:
        for number in good_numbers:
            assert number not in str(err)


def test_all_or_nothing_stores_nothing_when_a_line_is_bad(
    world: World, tmp_path: Path, good_numbers: list[str]
):
    path, expected = bad_file(tmp_path, good_numbers)
    report = run(world, path, mode=imp.ImportMode.ALL_OR_NOTHING, batch_size=4)
    assert not report.committed
    assert {e.line for e in report.first_errors} == set(expected)
    assert count(world, Person) == 0 and count(world, NumberRecord) == 0
    with world.sessions() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last is not None and (last.action, last.outcome) == ("import:finish", "failed")


def test_all_or_nothing_imports_a_clean_file(world: World, tmp_path: Path, good_numbers: list[str]):
    path = write(tmp_path / "ok.csv", [row(f"E{i}", n) for i, n in enumerate(good_numbers)])
    report = run(world, path, mode=imp.ImportMode.ALL_OR_NOTHING, batch_size=7)
    assert report.committed and report.imported == 50
    with unit_of_work(world.sessions) as session:
        person = vs.find_person(session, world.ctx("clerk"), "E17")
        assert (
            vs.use(session, world.envelope, world.ctx("clerk", SLIP), person_id=person.id)
            == good_numbers[17]
        )
    # One acquisition entry per person, none of them carrying the number.
    with world.sessions() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "number:acquire")
        ).all()
    assert len(entries) == 50
    assert all(good_numbers[17] not in str(e.details) for e in entries)


def test_interrupted_import_resumes_without_duplicates(
    world: World, tmp_path: Path, good_numbers: list[str], monkeypatch: pytest.MonkeyPatch
):
    path = write(tmp_path / "big.csv", [row(f"E{i}", n) for i, n in enumerate(good_numbers)])
    original = imp._Importer.write_batch
    calls = {"n": 0}

    def crash_on_third_batch(self, session, batch, report):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the operator pressed Ctrl-C mid-way
        return original(self, session, batch, report)

    monkeypatch.setattr(imp._Importer, "write_batch", crash_on_third_batch)
    with pytest.raises(KeyboardInterrupt):
        run(world, path, batch_size=10)
    assert count(world, Person) == 20  # two whole batches landed, nothing of the third
    assert count(world, NumberRecord) == 20
    monkeypatch.undo()
    report = run(world, path, batch_size=10)
    assert report.resumed_after_line == 21
    assert report.imported == 30 and report.rejected == 0
    assert count(world, Person) == 50 and count(world, NumberRecord) == 50
    with world.sessions() as session:
        job = session.scalars(select(ImportJob)).one()
        assert job.state == "done" and job.imported == 50
    again = run(world, path, batch_size=10)  # a finished file run again adds nothing
    assert again.imported == 0 and again.already_imported == 50
    assert count(world, Person) == 50


def test_malformed_csv_and_bad_header(world: World, tmp_path: Path, good_numbers: list[str]):
    header_bad = write(
        tmp_path / "h.csv",
        [row("E1", good_numbers[0])],
        header=("external_ref", "kind", "name", "number"),
    )
    report = run(world, header_bad)
    assert report.first_errors[0].line == 1 and "bad header" in report.first_errors[0].reason_en
    broken = tmp_path / "q.csv"
    lines = [
        ",".join(csvfile.COLUMNS),
        ",".join(row("E1", good_numbers[0])),
        'E2,employee,"unterminated,' + good_numbers[1],
    ]
    broken.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = run(world, broken)
    assert report.imported == 1
    assert [e.line for e in report.first_errors] == [3]
    assert "malformed CSV" in report.first_errors[0].reason_en
    assert good_numbers[1] not in str(report.first_errors[0])


def test_import_needs_an_assignment_to_every_affair(
    world: World, tmp_path: Path, good_numbers: list[str]
):
    from mnvault.access.errors import AuthorizationDenied

    path = write(tmp_path / "ok.csv", [row("E1", good_numbers[0])])
    with pytest.raises(AuthorizationDenied):
        imp.import_persons(
            world.sessions, world.envelope, world.ctx("clerk2"), path=path, affair_codes=[SLIP]
        )
    assert count(world, Person) == 0

"""Imports that real files do not break (issue #11, "Imports that real files do not break").

The files are written as Japanese Excel writes them: names in kanji and kana, CRLF line
ends, "CSV" in cp932 and "CSV UTF-8" with a BOM.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mnvault.audit.models import AuditEntry
from mnvault.vault import csvfile
from mnvault.vault import importer as imp
from mnvault.vault.csvfile import Encoding
from mnvault.vault.models import ImportJob, NumberRecord, Person
from tests.conftest import World, synthetic_numbers

SLIP = "withholding_slip"
NAMES = (
    "山田 太郎",
    "佐藤 花子",
    "髙橋 一郎",
    "ｻｲﾄｳ ｼﾞﾛｳ",
    "渡邊 さくら",
    "鈴木 ハナ",
    "①番 ㈱試験",
)


def excel_rows(numbers: list[str], *, ascii_until: int = 0, first: int = 0) -> list[list[str]]:
    """One person per number (ids from E{first}); names in kanji and kana from row
    ``ascii_until`` on."""
    return [
        [
            f"E{first + i:05d}", "employee",
            f"Taro {i}" if i < ascii_until else NAMES[i % len(NAMES)] + str(i),
            number, "my_number_card", "drivers_licence", "", "", "", "2021-04-01", "",
        ]
        for i, number in enumerate(numbers)
    ]  # fmt: skip


def excel_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    """As Excel saves it: CRLF, and for "CSV UTF-8" a BOM (encoding "utf-8-sig")."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(csvfile.COLUMNS)
    writer.writerows(rows)
    path.write_bytes(text.getvalue().encode(encoding))
    return path


def run(world: World, path: Path, **kwargs: object) -> imp.ImportReport:
    return imp.import_persons(
        world.sessions, world.envelope, world.ctx("clerk"), path=path, affair_codes=[SLIP],
        **kwargs,
    )  # type: ignore[arg-type]  # fmt: skip


def count(world: World, model: type) -> int:
    with world.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def jobs(world: World) -> list[ImportJob]:
    with world.sessions() as session:
        return list(session.scalars(select(ImportJob)))


@pytest.mark.parametrize(
    ("written", "chosen", "label"),
    [
        ("cp932", Encoding.AUTO, "cp932 (Shift_JIS)"),
        ("cp932", Encoding.CP932, "cp932 (Shift_JIS)"),
        ("utf-8-sig", Encoding.AUTO, "UTF-8"),
        ("utf-8", Encoding.AUTO, "UTF-8"),
        ("utf-8-sig", Encoding.UTF8, "UTF-8"),
    ],
)
def test_excel_files_import_in_their_encoding(
    world: World, tmp_path: Path, written: str, chosen: Encoding, label: str
):
    """Issue #11: UTF-8 (with or without BOM) and cp932 are detected or chosen; the
    names arrive as written (today a cp932 file stops the import with exit 70)."""
    numbers = synthetic_numbers(12, seed=31)
    path = excel_csv(tmp_path / "persons.csv", excel_rows(numbers), written)
    report = run(world, path, encoding=chosen, batch_size=5)
    assert (report.imported, report.rejected, report.committed) == (12, 0, True)
    assert report.encoding == label
    with world.sessions() as session:
        names = {
            ref: name for ref, name in session.execute(select(Person.external_ref, Person.name))
        }
    assert names["E00002"] == "髙橋 一郎2" and names["E00003"] == "ｻｲﾄｳ ｼﾞﾛｳ3"
    assert names["E00006"] == "①番 ㈱試験6"  # NEC and IBM extensions: cp932, not Shift_JIS


def test_cp932_after_a_committed_batch_leaves_no_half_import(world: World, tmp_path: Path):
    """Issue #11: the first non-ASCII byte after a committed batch, read as UTF-8 as
    today: every such line is a line-numbered error (never an internal error), the
    others land, and the job ends done (today: 2,500 of 3,001 rows and "running")."""
    numbers = synthetic_numbers(30, seed=32)
    path = excel_csv(tmp_path / "sjis.csv", excel_rows(numbers, ascii_until=25), "cp932")
    report = run(world, path, encoding=Encoding.UTF8, batch_size=10)
    assert report.imported == 25 and report.rejected == 5
    assert [e.line for e in report.first_errors] == [27, 28, 29, 30, 31]
    assert all("UTF-8 cannot decode" in e.reason_en for e in report.first_errors)
    assert [job.state for job in jobs(world)] == ["done"]


def test_all_or_nothing_finds_a_bad_byte_before_storing_anything(world: World, tmp_path: Path):
    """Issue #11: all-or-nothing stores nothing when a byte does not decode, and the
    job ends failed with its reason."""
    numbers = synthetic_numbers(30, seed=33)
    path = excel_csv(tmp_path / "sjis.csv", excel_rows(numbers, ascii_until=25), "cp932")
    report = run(world, path, encoding=Encoding.UTF8, mode=imp.ImportMode.ALL_OR_NOTHING,
                 batch_size=10)  # fmt: skip
    assert not report.committed and report.rejected == 5
    assert count(world, Person) == 0 and count(world, NumberRecord) == 0
    (job,) = jobs(world)
    assert job.state == "failed" and job.details is not None
    assert job.details["reason_en"] == "nothing stored: some lines are bad"


def test_damaged_utf8_is_detected_as_utf8_and_the_bad_line_named(world: World, tmp_path: Path):
    """Issue #11: detection does not take a UTF-8 file with one damaged byte for cp932
    (which would store every name garbled); the damaged line is refused by number."""
    numbers = synthetic_numbers(10, seed=34)
    path = excel_csv(tmp_path / "damaged.csv", excel_rows(numbers), "utf-8-sig")
    data = path.read_bytes()
    cut = data.index("佐藤".encode()) + 1  # a kanji's lead byte without the rest
    path.write_bytes(data[:cut] + data[cut + 2 :])
    report = run(world, path)
    assert report.encoding == "UTF-8"
    assert report.imported == 9
    assert [(e.line, "cannot decode" in e.reason_en) for e in report.first_errors] == [(3, True)]


@pytest.mark.parametrize("mode", list(imp.ImportMode))
def test_nul_bytes_are_refused_by_line(world: World, tmp_path: Path, mode: imp.ImportMode):
    """Issue #11: a NUL byte (PostgreSQL refuses it in text) is a line error on every
    database, in both modes, never an internal error."""
    numbers = synthetic_numbers(4, seed=35)
    rows = excel_rows(numbers)
    rows[1][2] = "山田\x00太郎"
    path = excel_csv(tmp_path / "nul.csv", rows, "utf-8-sig")
    report = run(world, path, mode=mode)
    assert [(e.line, "NUL" in e.reason_en) for e in report.first_errors] == [(3, True)]
    assert count(world, Person) == (3 if mode is imp.ImportMode.SKIP_BAD else 0)


def test_a_nul_in_the_header_or_a_utf16_file_is_refused(world: World, tmp_path: Path):
    """Issue #11: a file saved as UTF-16 ("Unicode text") is all NULs: one clear error."""
    path = tmp_path / "utf16.csv"
    path.write_bytes(",".join(csvfile.COLUMNS).encode("utf-16-le") + b"\r\x00\n\x00")
    report = run(world, path)
    assert [e.line for e in report.first_errors] == [1]
    assert "NUL" in report.first_errors[0].reason_en
    assert count(world, Person) == 0


def test_same_affair_twice_counts_once(world: World, tmp_path: Path):
    """Issue #11 / #12: an import naming the same affair twice behaves as acquire does
    (today an IntegrityError)."""
    numbers = synthetic_numbers(3, seed=36)
    path = excel_csv(tmp_path / "twice.csv", excel_rows(numbers), "utf-8-sig")
    report = imp.import_persons(
        world.sessions, world.envelope, world.ctx("clerk"), path=path, affair_codes=[SLIP, SLIP]
    )
    assert report.imported == 3 and report.committed


def test_a_job_that_fails_ends_failed_with_its_reason(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Issue #11: a job that fails on an internal error is never left "running"; the
    error is recorded as a failed finish, without the file's content."""
    numbers = synthetic_numbers(20, seed=37)
    path = excel_csv(tmp_path / "p.csv", excel_rows(numbers), "cp932")
    original = imp._Importer.write_batch
    calls = {"n": 0}

    def fail_on_second_batch(self, session, batch, report):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return original(self, session, batch, report)

    monkeypatch.setattr(imp._Importer, "write_batch", fail_on_second_batch)
    with pytest.raises(RuntimeError):
        run(world, path, batch_size=5)
    (job,) = jobs(world)
    assert job.state == "failed" and job.details is not None
    assert job.details["reason_en"] == "failed on an internal error (RuntimeError)"
    with world.sessions() as session:
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert last is not None and (last.action, last.outcome) == ("import:finish", "failed")
    monkeypatch.undo()
    report = run(world, path, batch_size=5)  # the same file again: resumed, then done
    assert report.resumed_after_line == 6 and report.imported == 15
    assert [j.state for j in jobs(world)] == ["done"] and count(world, Person) == 20


def test_an_interrupted_job_says_so(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Issue #11: Ctrl-C ends a job "interrupted" (resumable), not "running" forever."""
    numbers = synthetic_numbers(10, seed=38)
    path = excel_csv(tmp_path / "p.csv", excel_rows(numbers), "utf-8-sig")

    def interrupt(self, session, batch, report):  # type: ignore[no-untyped-def]
        raise KeyboardInterrupt

    monkeypatch.setattr(imp._Importer, "write_batch", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run(world, path, batch_size=5)
    assert [j.state for j in jobs(world)] == ["interrupted"]


def test_imports_are_rate_limited_per_user(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """Issue #11 (oracles): imports are rate-limited per user, as the lookup is; the
    count is the jobs the user started, so every path and process shares it."""
    from mnvault.vault.errors import ImportsRateLimited

    monkeypatch.setattr(imp, "IMPORTS_PER_HOUR", 2)
    numbers = synthetic_numbers(3, seed=39)
    for i in range(2):
        path = excel_csv(tmp_path / f"p{i}.csv", excel_rows(numbers[i : i + 1]), "utf-8-sig")
        assert run(world, path).committed
    path = excel_csv(tmp_path / "p2.csv", excel_rows(numbers[2:]), "utf-8-sig")
    with pytest.raises(ImportsRateLimited):
        run(world, path)
    other = imp.import_persons(
        world.sessions, world.envelope, world.ctx("manager"), path=path, affair_codes=[SLIP]
    )
    assert other.committed  # another user has a count of their own

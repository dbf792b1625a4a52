"""The persons CSV: its columns, how it is read, and the checks that need no database.

Reading is separate from importing so that the web upload, the CLI and the tests
share one definition of the file and its line numbers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from mnvault import numbers

COLUMNS = (
    "external_ref",
    "kind",
    "name",
    "my_number",
    "number_check_document",
    "identity_check_document",
    "verified_at",
    "department_code",
    "related_external_ref",
    "relationship_start",
    "relationship_end",
)
REQUIRED = (
    "external_ref",
    "kind",
    "name",
    "my_number",
    "number_check_document",
    "identity_check_document",
)


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    reason_ja: str
    reason_en: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason_ja} / {self.reason_en}"


class BadField(Exception):
    def __init__(self, reason_ja: str, reason_en: str) -> None:
        self.reason_ja = reason_ja
        self.reason_en = reason_en


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def records(handle: io.TextIOWrapper) -> Iterator[tuple[int, list[str]]]:
    """Yield (line number where the record starts, fields); quoted newlines are fine."""
    reader = csv.reader(handle, strict=True)
    previous_end = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise MalformedCsv(previous_end + 1, str(exc)) from None
        start = previous_end + 1
        previous_end = reader.line_num
        yield start, fields


class MalformedCsv(Exception):
    def __init__(self, line: int, detail: str) -> None:
        self.line = line
        self.detail = detail


def parse_date(text: str, column: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadField(
            f"{column} の日付が不正です（YYYY-MM-DD）", f"bad {column} date (YYYY-MM-DD)"
        ) from None


def parse_time(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise BadField("verified_at の日時が不正です", "bad verified_at timestamp") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def read_header(path: Path, error: Callable[[LineError], None]) -> tuple[int, dict[str, int]]:
    """The header's line and column positions; (0, {}) after reporting a bad header."""
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        try:
            header_line, header = next(records(handle))
        except StopIteration:
            error(LineError(1, "ファイルが空です", "the file is empty"))
            return 0, {}
        except MalformedCsv as bad:
            error(LineError(bad.line, "CSVの形式が不正です", f"malformed CSV: {bad.detail}"))
            return 0, {}
    positions = {name.strip(): i for i, name in enumerate(header)}
    missing = [c for c in REQUIRED if c not in positions]
    unknown = [c for c in positions if c not in COLUMNS]
    if missing or unknown:
        error(
            LineError(
                header_line,
                f"見出し行が不正です（不足: {missing}、不明: {unknown}）",
                f"bad header (missing: {missing}, unknown: {unknown})",
            )
        )
        return 0, {}
    return header_line, positions


def write_example_csv(path: Path, count: int, seed: int = 1) -> None:
    """Synthetic persons for tests, benchmarks and the README example (never real people)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for i, number in enumerate(numbers.generate_my_numbers(count, seed), start=1):
            writer.writerow(
                [
                    f"E{i:07d}",
                    "employee",
                    f"試験 太郎{i}",
                    number,
                    "my_number_card",
                    "my_number_card",
                    "",
                    "",
                    "",
                    "2020-04-01",
                    "",
                ]
            )
    os.chmod(path, 0o600)

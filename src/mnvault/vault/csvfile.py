"""The persons CSV: its columns, how it is read, and the checks that need no database.

Reading is separate from importing so that the web upload, the CLI and the tests
share one definition of the file and its line numbers.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path

from mnvault import numbers
from mnvault.vault.errors import InvalidInput

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
# Issue #13: the documents as a list ("drivers_licence;my_number_card"), the text of
# an "other" document, or the reason no 第16条 check is owed (vault.identity). Accepted, not
# written by default, so files and writers made before still line up.
LIST_COLUMNS = ("documents", "document_note", "verification_exemption")
REQUIRED = (
    "external_ref",
    "kind",
    "name",
    "my_number",
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


class Encoding(StrEnum):
    """What a persons CSV may be written in. Japanese Excel saves "CSV" in cp932 (Microsoft's
    Shift_JIS) and "CSV UTF-8" with a BOM; AUTO tells the two apart."""

    AUTO = "auto"
    UTF8 = "utf-8"
    CP932 = "cp932"

    @classmethod
    def named(cls, name: str) -> Encoding:
        """The encoding a person names (``shift_jis``, ``SJIS``, ``utf-8-sig`` …)."""
        key = name.strip().lower().replace("_", "-")
        found = _ALIASES.get(key)
        if found is None:
            raise BadEncoding(name)
        return found


_ALIASES = {
    "auto": Encoding.AUTO,
    **dict.fromkeys(("utf-8", "utf8", "utf-8-sig"), Encoding.UTF8),
    **dict.fromkeys(
        ("cp932", "ms932", "windows-31j", "shift-jis", "shiftjis", "sjis", "s-jis"),
        Encoding.CP932,
    ),
}
# The codec that reads each: utf-8-sig drops a BOM and reads a file without one alike.
_CODECS = {Encoding.UTF8: "utf-8-sig", Encoding.CP932: "cp932"}
ENCODING_LABELS = {Encoding.UTF8: "UTF-8", Encoding.CP932: "cp932 (Shift_JIS)"}


class BadEncoding(InvalidInput):
    message_ja = "文字コードは auto、utf-8、cp932（Shift_JIS）のいずれかです"
    message_en = "the encoding is one of auto, utf-8, cp932 (Shift_JIS)"

    def __init__(self, _name: str) -> None:
        super().__init__()  # the name typed is not repeated: it could be anything


@dataclass(frozen=True, slots=True)
class FileFacts:
    """What one pass over the bytes found, before anything is read as CSV or stored."""

    sha256: str
    encoding: Encoding  # never AUTO: the one chosen
    # Every byte decodes and none is NUL: lines need no check of their own.
    clean: bool

    @property
    def codec(self) -> str:
        return _CODECS[self.encoding]

    @property
    def label(self) -> str:
        return ENCODING_LABELS[self.encoding]


_CHUNK = 1 << 20


def examine(path: Path, encoding: Encoding = Encoding.AUTO) -> FileFacts:
    """Hash the file, and choose and check its encoding, in one pass (a second one only
    for a file that is not clean UTF-8 when the encoding is to be detected)."""
    digest = hashlib.sha256()
    first: Encoding = Encoding.UTF8 if encoding is Encoding.AUTO else encoding
    decoder = codecs.getincrementaldecoder(_CODECS[first])("strict")
    decodes, nul = True, False
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(chunk)
            nul = nul or b"\0" in chunk
            if decodes:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    decodes = False
        if decodes:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                decodes = False
    chosen = first
    if not decodes and encoding is Encoding.AUTO:
        chosen, decodes = _detect(path)
    return FileFacts(digest.hexdigest(), chosen, decodes and not nul)


def _detect(path: Path) -> tuple[Encoding, bool]:
    """UTF-8 that does not decode: cp932, or UTF-8 with a few damaged bytes?

    Japanese text in cp932 almost never forms valid UTF-8 sequences, so a file whose
    non-ASCII characters mostly decode as UTF-8 is damaged UTF-8 (its bad bytes are
    then reported line by line); otherwise it is cp932."""
    good = bad = 0
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as text:
        for chunk in iter(lambda: text.read(_CHUNK), ""):
            non_ascii = len(chunk) - len(chunk.encode("ascii", "ignore"))
            escaped = len(_ESCAPED.findall(chunk))
            bad += escaped
            good += non_ascii - escaped
    if good > bad:
        return Encoding.UTF8, False
    try:
        with path.open("r", encoding="cp932", newline="") as text:
            for _ in iter(lambda: text.read(_CHUNK), ""):
                pass
    except UnicodeDecodeError:
        return Encoding.CP932, False
    return Encoding.CP932, True


# A byte the codec could not decode, kept by errors="surrogateescape" as U+DC80..U+DCFF.
_ESCAPED = re.compile("[\udc80-\udcff]")
_FAULT = re.compile("[\x00\udc80-\udcff]")


def line_fault(fields: list[str], facts: FileFacts) -> BadField | None:
    """Why a line of an unclean file cannot be read: a NUL or an undecodable byte."""
    for text in fields:
        found = _FAULT.search(text)
        if found is None:
            continue
        if found.group() == "\x00":
            return BadField("NUL文字（0x00）を含む行です", "the line contains a NUL byte (0x00)")
        return BadField(
            f"{facts.label} として読めないバイトがあります（文字コードを指定してください）",
            f"a byte that {facts.label} cannot decode (choose the file's encoding)",
        )
    return None


def open_text(path: Path, facts: FileFacts) -> io.TextIOWrapper:
    """The file as text; bytes that do not decode are kept (escaped) for line_fault."""
    return path.open("r", encoding=facts.codec, errors="surrogateescape", newline="")


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


def read_header(
    path: Path, error: Callable[[LineError], None], facts: FileFacts
) -> tuple[int, dict[str, int]]:
    """The header's line and column positions; (0, {}) after reporting a bad header."""
    with open_text(path, facts) as handle:
        try:
            header_line, header = next(records(handle))
        except StopIteration:
            error(LineError(1, "ファイルが空です", "the file is empty"))
            return 0, {}
        except MalformedCsv as bad:
            error(LineError(bad.line, "CSVの形式が不正です", f"malformed CSV: {bad.detail}"))
            return 0, {}
    fault = None if facts.clean else line_fault(header, facts)
    if fault is not None:
        error(LineError(header_line, fault.reason_ja, fault.reason_en))
        return 0, {}
    positions = {name.strip(): i for i, name in enumerate(header)}
    missing = [c for c in REQUIRED if c not in positions]
    unknown = [c for c in positions if c not in COLUMNS and c not in LIST_COLUMNS]
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

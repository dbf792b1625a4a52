"""The attendance CSV: one user per line under a ``login`` header. Japanese Excel saves cp932
("CSV") or UTF-8 with a BOM ("CSV UTF-8"); both are read. Reading needs no database: it
returns the logins with their line numbers, or every fault with its line."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from mnvault.numbers import redact

HEADERS = ("login", "利用者", "利用者ID", "ログインID")
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class LineError:
    line: int
    reason_ja: str
    reason_en: str

    def __str__(self) -> str:
        return f"{self.line}行目 / line {self.line}: {self.reason_ja} / {self.reason_en}"


def decode(data: bytes) -> str | None:
    """The text of the file: UTF-8 (with or without a BOM), else cp932; None if neither."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for codec in ("utf-8", "cp932"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return None


def read(data: bytes) -> tuple[list[tuple[int, str]], list[LineError]]:
    """(line, login) for each row, and the faults; a fault anywhere refuses the file."""
    if len(data) > MAX_BYTES:
        return [], [LineError(1, "ファイルが大きすぎます", "the file is too large")]
    text = decode(data)
    if text is None:
        return [], [LineError(1, "文字コードが UTF-8 でも Shift_JIS でもありません",
                              "the file is neither UTF-8 nor Shift_JIS (cp932)")]  # fmt: skip
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, str]] = []
    errors: list[LineError] = []
    try:
        header = next(reader, None)
    except csv.Error:
        header = None
    if not header or header[0].strip() not in HEADERS:
        return [], [LineError(1, "1行目は見出し「login」です", "line 1 is the header 'login'")]
    seen: dict[str, int] = {}
    try:
        for fields in reader:
            line = reader.line_num
            login = fields[0].strip() if fields else ""
            if not login:
                if any(f.strip() for f in fields):
                    errors.append(LineError(line, "login が空です", "login is empty"))
                continue
            if redact(login) != login:
                # Never echoed: the line number is enough to find it.
                errors.append(LineError(line, "番号が書かれています", "a number is written here"))
                continue
            if login in seen:
                errors.append(LineError(line, f"{seen[login]}行目と重複しています",
                                        f"repeats line {seen[login]}"))  # fmt: skip
                continue
            seen[login] = line
            rows.append((line, login))
    except csv.Error:
        errors.append(LineError(reader.line_num, "CSVの形式が不正です", "malformed CSV"))
    return rows, errors

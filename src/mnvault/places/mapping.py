"""Reading the entry/exit logs that access-control systems export as CSV (別添1 2E a).

Each system names its columns differently, so the reader follows a *mapping*: which
column holds the time (one column, or a date column and a time column), the card holder,
the door and the direction, and which values mean "in" and "out". Built-in mappings cover
the usual layouts; an organisation saves its own for its system (``mnvault area mapping``).

A mapping, as JSON::

    {"time": "日時", "formats": ["%Y/%m/%d %H:%M:%S"],
     "user": "社員コード", "door": "扉", "direction": "入退",
     "in": ["入室", "IN"], "out": ["退室", "OUT"], "skip": ["警報"]}

or ``"date": "日付", "clock": "時刻"`` in place of ``"time"``. ``door`` is optional;
``skip`` lists direction values to pass over (alarms, door-held events). Times without an
offset are the organisation's local time. The file is UTF-8 (with or without BOM) or
cp932 (Shift_JIS, what Japanese Windows exports); the header is line 1, and every error
names its line. Pure: no database, no clock.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from mnvault.numbers import redact
from mnvault.places.errors import EntryLogRejected, InvalidMapping

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000
MAX_CELL = 100
DEFAULT_FORMATS = (
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z",
)


@dataclass(frozen=True)
class ColumnMapping:
    """A column mapping (see the module docstring for its JSON form)."""

    user: str
    direction: str
    inward: tuple[str, ...]
    outward: tuple[str, ...]
    time: str | None = None
    date: str | None = None
    clock: str | None = None
    door: str | None = None
    formats: tuple[str, ...] = DEFAULT_FORMATS
    skip: tuple[str, ...] = field(default_factory=tuple)

    def as_spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "user": self.user, "direction": self.direction,
            "in": list(self.inward), "out": list(self.outward), "formats": list(self.formats),
        }  # fmt: skip
        for key in ("time", "date", "clock", "door"):
            if getattr(self, key) is not None:
                spec[key] = getattr(self, key)
        if self.skip:
            spec["skip"] = list(self.skip)
        return spec


def _texts(spec: Mapping[str, Any], key: str, *, required: bool) -> tuple[str, ...]:
    value = spec.get(key)
    if value is None and not required:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InvalidMapping(f"{key}: 文字列の一覧", f"{key}: a list of strings")
    return tuple(v.strip() for v in value)


def _column(spec: Mapping[str, Any], key: str, *, required: bool) -> str | None:
    value = spec.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_CELL:
        raise InvalidMapping(f"{key}: 列名", f"{key}: a column name")
    return value.strip()


def from_spec(spec: Mapping[str, Any]) -> ColumnMapping:
    """A mapping from its JSON form, checked (InvalidMapping names what is wrong)."""
    if not isinstance(spec, Mapping):
        raise InvalidMapping("JSONオブジェクト", "a JSON object")
    unknown = set(spec) - {"time", "date", "clock", "formats", "user", "door", "direction",
                           "in", "out", "skip"}  # fmt: skip
    if unknown:
        raise InvalidMapping(f"不明な項目 {sorted(unknown)}", f"unknown keys {sorted(unknown)}")
    time = _column(spec, "time", required=False)
    date = _column(spec, "date", required=False)
    clock = _column(spec, "clock", required=False)
    if (time is None) == (date is None) or (date is None) != (clock is None):
        raise InvalidMapping(
            "time か date と clock のどちらかを指定", "give either time, or date and clock"
        )
    inward = _texts(spec, "in", required=True)
    outward = _texts(spec, "out", required=True)
    if set(inward) & set(outward):
        raise InvalidMapping("in と out が重複", "a value is both in and out")
    return ColumnMapping(
        user=_column(spec, "user", required=True) or "",
        direction=_column(spec, "direction", required=True) or "",
        inward=inward, outward=outward, time=time, date=date, clock=clock,
        door=_column(spec, "door", required=False),
        formats=_texts(spec, "formats", required=False) or DEFAULT_FORMATS,
        skip=_texts(spec, "skip", required=False),
    )  # fmt: skip


# The usual layouts; an organisation whose system differs saves its own mapping.
BUILT_IN: dict[str, ColumnMapping] = {
    "generic": from_spec(
        {
            "time": "time",
            "user": "user",
            "door": "door",
            "direction": "direction",
            "in": ["in", "IN", "entry"],
            "out": ["out", "OUT", "exit"],
        }
    ),
    "generic_ja": from_spec(
        {
            "time": "日時",
            "user": "社員コード",
            "door": "扉",
            "direction": "入退",
            "in": ["入室", "入"],
            "out": ["退室", "出", "退"],
            "skip": ["警報", "エラー"],
        }
    ),
    "split_ja": from_spec(
        {
            "date": "日付",
            "clock": "時刻",
            "user": "個人ID",
            "door": "ゲート",
            "direction": "通過区分",
            "in": ["入", "入場", "1"],
            "out": ["出", "退場", "2"],
        }
    ),
}


@dataclass(frozen=True)
class Line:
    line: int
    at: datetime  # UTC
    direction: str  # in / out
    badge: str
    door: str | None


def decode(data: bytes) -> str:
    """UTF-8 (a BOM is dropped) or, failing that, cp932."""
    if len(data) > MAX_BYTES:
        raise EntryLogRejected([(0, "ファイルが20MBを超えています", "the file exceeds 20 MB")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError:
        raise EntryLogRejected(
            [(0, "文字コードはUTF-8かShift_JIS(cp932)", "the encoding must be UTF-8 or cp932")]
        ) from None


def _when(mapping: ColumnMapping, cells: Mapping[str, str], zone: ZoneInfo) -> datetime | None:
    if mapping.time is not None:
        text = cells[mapping.time]
    else:
        text = f"{cells[mapping.date or '']} {cells[mapping.clock or '']}"
    for fmt in mapping.formats:
        try:
            parsed = datetime.strptime(text.strip(), fmt)
        except ValueError:
            continue
        local = parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
        return local.astimezone(UTC)
    return None


def parse(data: bytes, mapping: ColumnMapping, zone: ZoneInfo) -> list[Line]:
    """Every line of the file, or EntryLogRejected listing every bad line (all or none)."""
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    problems: list[tuple[int, str, str]] = []
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise EntryLogRejected([(1, "見出し行がありません", "no header line")]) from None
    except csv.Error:
        raise EntryLogRejected([(1, "CSVとして読めません", "not readable as CSV")]) from None
    wanted = [c for c in (mapping.time, mapping.date, mapping.clock, mapping.user,
                          mapping.direction, mapping.door) if c is not None]  # fmt: skip
    missing = [c for c in wanted if c not in header]
    if missing:
        raise EntryLogRejected(
            [(1, f"見出しに列 {missing} がありません", f"the header lacks columns {missing}")]
        )
    index = {name: header.index(name) for name in wanted}
    lines: list[Line] = []
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error:
            problems.append((reader.line_num, "CSVとして読めません", "not readable as CSV"))
            break
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(lines) >= MAX_ROWS:
            problems.append((number, f"{MAX_ROWS}行を超えています", f"more than {MAX_ROWS} rows"))
            break
        if len(row) < len(header):
            problems.append((number, "列が足りません", "too few columns"))
            continue
        cells = {name: row[i].strip() for name, i in index.items()}
        found = _line(number, mapping, cells, zone, problems)
        if found is not None:
            lines.append(found)
    if problems:
        raise EntryLogRejected(problems)
    if not lines:
        raise EntryLogRejected([(2, "記録が1行もありません", "no entries")])
    return lines


def _line(
    number: int,
    mapping: ColumnMapping,
    cells: Mapping[str, str],
    zone: ZoneInfo,
    problems: list[tuple[int, str, str]],
) -> Line | None:
    value = cells[mapping.direction]
    if value in mapping.skip:
        return None
    if value in mapping.inward:
        direction = "in"
    elif value in mapping.outward:
        direction = "out"
    else:
        problems.append((number, "入退の区分が不明です", "unknown direction value"))
        return None
    at = _when(mapping, cells, zone)
    if at is None:
        problems.append((number, "日時を読めません", "unreadable date and time"))
        return None
    badge = cells[mapping.user]
    door = cells[mapping.door] if mapping.door is not None else None
    if not badge or len(badge) > MAX_CELL or (door is not None and len(door) > MAX_CELL):
        problems.append((number, "利用者が空か長すぎます", "user empty or too long"))
        return None
    if any(redact(v) != v for v in (badge, door or "")):
        # 別添1 2C c: a record of the handling holds no number, even by accident.
        problems.append(
            (number, "個人番号と思われる値があります", "a value looks like an individual number")
        )
        return None
    return Line(number, at, direction, badge, door or None)


def names() -> Sequence[str]:
    return sorted(BUILT_IN)

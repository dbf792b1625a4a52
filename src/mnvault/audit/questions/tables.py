"""Answers as tables an auditor takes away: CSV, Excel, or text on a terminal.

Headers are Japanese with English beside them. Cells hold ids, codes, times and counts
from the trail, never a number (the trail holds none). Times are shown in the
organisation's time zone, which the header names.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from mnvault import local_time
from mnvault.spreadsheet import neutralise

Cell = str | int | float | datetime | date | uuid.UUID | None


class Format(StrEnum):
    CSV = "csv"
    TABLE = "table"
    XLSX = "xlsx"


MEDIA_TYPES = {
    Format.CSV: "text/csv; charset=utf-8",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    ja: str
    en: str

    @property
    def heading(self) -> str:
        return f"{self.ja} / {self.en}"


@dataclass(frozen=True, slots=True)
class Table:
    """One sheet: ``name`` is the sheet's (short, ASCII) name, ``title`` its heading."""

    name: str
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)


def _text(value: Cell, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time.shown(value, zone, seconds=True)
    # A client address or a code typed by someone must not run in the auditor's Excel.
    return neutralise(str(value))


def to_csv(table: Table, zone: ZoneInfo) -> bytes:
    """UTF-8 with a byte order mark, so Excel opens Japanese headers correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([column.heading for column in table.columns])
    for row in table.rows:
        writer.writerow([_text(value, zone) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _xlsx_cell(sheet: Any, value: Cell, zone: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        # Excel has no time zones: local wall time, the zone named in the header.
        cell = WriteOnlyCell(sheet, value=local_time.wall(value, zone))
        cell.number_format = local_time.EXCEL_SECONDS
        return cell
    if isinstance(value, int | float | date):
        return value
    return _text(value, zone) or None


def to_xlsx(tables: Sequence[Table], zone: ZoneInfo) -> bytes:
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for table in tables:
        sheet = workbook.create_sheet(table.name[:31])  # Excel's limit on sheet names
        sheet.append([table.title])
        header = []
        for column in table.columns:
            cell = WriteOnlyCell(sheet, value=column.heading)
            cell.font = bold
            header.append(cell)
        sheet.append(header)
        for row in table.rows:
            sheet.append([_xlsx_cell(sheet, value, zone) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _width(text: str) -> int:
    # Japanese characters take two columns on a terminal.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def to_text(table: Table, zone: ZoneInfo) -> str:
    """Aligned columns for a terminal; the title first, then one line per row."""
    head = [column.heading for column in table.columns]
    body = [[_text(value, zone) for value in row] for row in table.rows]
    widths = [max([_width(h)] + [_width(r[i]) for r in body]) for i, h in enumerate(head)]
    lines = [table.title, "  ".join(_pad(h, w) for h, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(_pad(c, w) for c, w in zip(r, widths, strict=True)) for r in body)
    if not body:
        lines.append("（該当なし / none）")
    return "\n".join(lines) + "\n"

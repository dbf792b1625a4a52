"""The register's sheets as CSV (UTF-8 with BOM, so Excel reads the Japanese headers) and as
an Excel workbook; a cell that would start a formula is neutralised (mnvault.spreadsheet).
Times are shown in the organisation's zone."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font

from mnvault import local_time
from mnvault.spreadsheet import neutralise

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Cell = str | int | datetime | date | None


@dataclass(frozen=True)
class Sheet:
    name: str  # short ASCII: the sheet's name
    title: str
    headings: tuple[str, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)


def _text(value: Cell, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time.shown(value, zone, seconds=True)
    return neutralise(str(value))


def to_csv(sheet: Sheet, zone: ZoneInfo) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(sheet.headings)
    for row in sheet.rows:
        writer.writerow([_text(v, zone) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _cell(value: Cell, zone: ZoneInfo) -> Any:
    if isinstance(value, datetime):
        return local_time.wall(value, zone)  # Excel has no zones
    if isinstance(value, int | date):
        return value
    return _text(value, zone) or None


def to_xlsx(sheets: Sequence[Sheet], zone: ZoneInfo) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        page = book.create_sheet(sheet.name[:31])
        page.append([sheet.title])
        page.append(list(sheet.headings))
        for cell in page[2]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            page.append([_cell(v, zone) for v in row])
            for cell in page[page.max_row]:
                if isinstance(cell.value, datetime):
                    cell.number_format = local_time.EXCEL_SECONDS
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

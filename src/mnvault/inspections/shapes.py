"""Registers as plain tables, written as CSV (UTF-8 with a BOM, which Japanese Excel opens
as such) or as an Excel workbook with one sheet per table. A cell that a spreadsheet would
evaluate is written as text (mnvault.spreadsheet). No table holds a number."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from mnvault import local_time
from mnvault.spreadsheet import neutralise

Cell = str | int | date | datetime | None


@dataclass(frozen=True)
class Table:
    name: str  # the sheet's name, at most 31 characters
    header: Sequence[str]
    rows: Sequence[Sequence[Cell]]


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time.shown(value, value.tzinfo)  # type: ignore[arg-type]  # the zone's
    if isinstance(value, date):
        return local_time.day(value)
    return neutralise(str(value))


def to_csv(table: Table) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.header)
    writer.writerows([_text(c) for c in row] for row in table.rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(tables: Sequence[Table]) -> bytes:
    from openpyxl import Workbook  # noqa: PLC0415 - only this format needs it

    workbook = Workbook(write_only=True)
    for table in tables:
        sheet = workbook.create_sheet(table.name[:31])
        sheet.append(list(table.header))
        for row in table.rows:
            sheet.append([c if isinstance(c, int) else _text(c) for c in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

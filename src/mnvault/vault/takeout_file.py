"""A take-out's file: the rows written as Excel or CSV, then protected for the recipient.

Japanese Excel is the file's usual reader. The workbook's cells are all text (number
format ``@``), so a 12-digit number never becomes ``3.12859E+11`` and a leading zero
stays. A CSV carries a UTF-8 byte order mark (Excel reads UTF-8 only with one) or is
cp932 on request; its numbers are plain digits for the recipient's software, which
Excel's double-click would turn into ``3.12859E+11`` (README: open it with データ →
テキストまたは CSV から, the column as 文字列, or choose the workbook). No cell runs as a
formula: a CSV cell passes through :func:`mnvault.spreadsheet.neutralise`, a workbook's
cell is text with Excel's quote prefix (shown as typed, never evaluated).

Protections: an age X25519 recipient (https://age-encryption.org), or a workbook
encrypted as Excel itself does (ECMA-376 agile encryption, AES-256, by msoffcrypto-tool)
under a passphrase the vault generates (:func:`new_passphrase`).
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Sequence
from enum import StrEnum

import msoffcrypto
import pyrage
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook

from mnvault import labels
from mnvault.spreadsheet import FORMULA_START, neutralise
from mnvault.vault.errors import InvalidInput

# The file's columns, in order (the codes; the approver's preview and a Japanese header
# name them by labels.TAKEOUT_COLUMNS).
COLUMNS = ("external_ref", "kind", "name", "my_number")
COLUMN_LABELS = labels.TAKEOUT_COLUMNS

# 32 symbols without look-alikes (0/o, 1/l): 20 of them carry 100 bits, and a group of
# four is easy to read over the telephone.
_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


class FileFormat(StrEnum):
    CSV = "csv"  # UTF-8 with a byte order mark
    CSV_CP932 = "csv_cp932"
    XLSX = "xlsx"


class Header(StrEnum):
    """The file's first line and its 区分 cells. JAPANESE (the default): labels for the
    people who open it (社員番号等, 区分, 氏名, 個人番号; 従業員, 扶養親族 …). CODES: what a
    system reads (external_ref, kind, name, my_number; employee, dependent …): the names
    and kinds of ``mnvault import persons``."""

    JAPANESE = "ja"
    CODES = "codes"


def header_row(header: Header) -> tuple[str, ...]:
    """The file's first line, as the approver's preview shows it too."""
    if header == Header.CODES:
        return COLUMNS
    return tuple(labels.text("takeout_column", c) for c in COLUMNS)


def person_row(
    external_ref: str, kind: str, name: str, number: str, header: Header
) -> tuple[str, ...]:
    """One person's line: the kind as its label under a Japanese header."""
    shown = kind if header == Header.CODES else labels.text("person_kind", kind)
    return (external_ref, shown, name, number)


class Protection(StrEnum):
    AGE = "age"  # to an X25519 recipient: typed, or from the organisation's register
    EXCEL_PASSPHRASE = "excel_passphrase"  # noqa: S105 - a method's name, not a secret


EXTENSIONS = {FileFormat.CSV: "csv", FileFormat.CSV_CP932: "csv", FileFormat.XLSX: "xlsx"}


def new_passphrase() -> str:
    """Five groups of four symbols, e.g. ``k7dm-x3pa-…``: 100 bits from ``secrets``."""
    symbols = "".join(secrets.choice(_ALPHABET) for _ in range(20))
    return "-".join(symbols[i : i + 4] for i in range(0, 20, 4))


def age_recipient(key: str) -> pyrage.x25519.Recipient:
    try:
        return pyrage.x25519.Recipient.from_str(key.strip())
    except Exception:  # pyrage raises its own error types for malformed keys
        raise InvalidInput("受取人の公開鍵が不正です", "malformed age recipient") from None


def write(rows: Sequence[Sequence[str]], file_format: FileFormat) -> bytes:
    """The rows (header first) as the file's bytes."""
    if file_format == FileFormat.XLSX:
        return _workbook(rows)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([neutralise(cell) for cell in row] for row in rows)
    text = buffer.getvalue()
    buffer.close()
    if file_format == FileFormat.CSV:
        return ("\ufeff" + text).encode("utf-8")
    try:
        return text.encode("cp932")
    except UnicodeEncodeError:
        raise InvalidInput(
            "cp932（Shift_JIS）で表せない文字があります。UTF-8 の CSV か Excel を選んでください",
            "a character has no cp932 (Shift_JIS) form; choose the UTF-8 CSV or Excel",
        ) from None


def _workbook(rows: Sequence[Sequence[str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # noqa: S101 - a new workbook has one sheet
    sheet.title = "持出し"
    for row in rows:
        sheet.append(list(row))
    for line in sheet.iter_rows():
        for cell in line:
            cell.data_type = "s"  # text, whatever it looks like
            cell.number_format = "@"
            if str(cell.value or "").startswith(FORMULA_START):
                cell.quotePrefix = True
    for letter, width in zip("ABCD", (16, 12, 24, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def encrypt_workbook(data: bytes, passphrase: str) -> bytes:
    """The workbook encrypted as Excel does (ECMA-376 agile, AES-256, SHA-512)."""
    plain = OOXMLFile(io.BytesIO(data))
    out = io.BytesIO()
    plain.encrypt(passphrase, out)
    return out.getvalue()


def decrypt_workbook(data: bytes, passphrase: str) -> bytes:
    """For tests and the recipient's side: the workbook opened with its passphrase."""
    office = msoffcrypto.OfficeFile(io.BytesIO(data))
    office.load_key(password=passphrase)
    out = io.BytesIO()
    office.decrypt(out)
    return out.getvalue()

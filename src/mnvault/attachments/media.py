"""What a file is, by its content, not by its name (a renamed .exe stays refused)."""

from __future__ import annotations

import io
import zipfile

from mnvault.attachments.errors import UnsupportedFile

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"

_MAGIC = ((b"%PDF-", PDF), (b"\x89PNG\r\n\x1a\n", PNG), (b"\xff\xd8\xff", JPEG))
# Office files are zip packages; the part that names the kind decides.
_OFFICE_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX))


def _office_type(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
    except zipfile.BadZipFile:
        return None
    for part, media_type in _OFFICE_PARTS:
        if part in names:
            return media_type
    return None


def _is_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "cp932"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False


def media_type_of(data: bytes) -> str:
    for magic, media_type in _MAGIC:
        if data.startswith(magic):
            return media_type
    if data.startswith(b"PK\x03\x04"):
        office = _office_type(data)
        if office is not None:
            return office
        raise UnsupportedFile("zip", "zip")
    if _is_text(data):
        return CSV
    raise UnsupportedFile()


EXTENSIONS = {PDF: ".pdf", PNG: ".png", JPEG: ".jpg", DOCX: ".docx", XLSX: ".xlsx", CSV: ".csv"}

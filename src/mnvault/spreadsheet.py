"""Cells of the CSV files people open in a spreadsheet (audit downloads, take-outs).

A cell that begins with one of FORMULA_START is a formula to Excel or LibreOffice (CSV
injection, OWASP): a name, a reference or an address typed by someone could run on the
machine of whoever opens the file. Such a cell is written with a leading apostrophe, which
the spreadsheet shows as text and does not evaluate. One helper for every such file.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet will show it and never evaluate it."""
    return f"'{text}" if text.startswith(FORMULA_START) else text

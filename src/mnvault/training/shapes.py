"""The people registers as tables; written as CSV or Excel like the inspection registers."""

from __future__ import annotations

from mnvault.inspections.shapes import Table, to_csv, to_xlsx

__all__ = ["Table", "to_csv", "to_xlsx"]

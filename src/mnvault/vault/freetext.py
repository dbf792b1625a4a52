"""Free text a person types (reasons, purposes, names, notes) never stores a number.

Every service that keeps such text passes it through :func:`without_number` before the
row is written: a number typed there is refused with a bilingual message naming the field
(the person can take it out and send the text again). What is recorded in the trail is
redacted once more at the audit boundary (mnvault.audit.redaction).
"""

from __future__ import annotations

from mnvault.numbers import redact
from mnvault.vault.errors import NumberInText


def without_number(text: str, field_ja: str, field_en: str) -> str:
    """``text`` as given, or NumberInText naming the field when it holds a number."""
    if redact(text) != text:
        raise NumberInText(field_ja, field_en)
    return text


def optional_without_number(text: str | None, field_ja: str, field_en: str) -> str | None:
    return None if text is None else without_number(text, field_ja, field_en)

"""What an audit entry may hold: never a number (DESIGN.md invariant 3), whatever a person
typed into whichever field.

Every entry is built by mnvault.audit.services (one at a time, in bulk, or for a refusal),
and each of those passes its text columns and details through here before the entry is
hashed. Fields with a format are validated where they are read (an affair code, an
organisation code, an address); this is the boundary that holds whatever a field without a
format (a reason, a purpose, a name, a reference) carries, and whatever a validator missed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mnvault.numbers import is_vault_id, redact


def _redacted(text: str) -> str:
    # Ids the vault made (str(uuid) in details, uuid4().hex request ids) are kept as they
    # are: their hex digits can spell a valid number by chance (about one id in a
    # thousand), and redacting it would break the id, not protect anyone.
    return text if is_vault_id(text) else redact(text)


# The text columns (affair code, request id, client address) are 64 characters wide; a
# redaction is longer than the digits it replaces, and an entry that does not fit would
# fail the operation it records.
COLUMN_WIDTH = 64


def recorded_text(value: str | None) -> str | None:
    return None if value is None else _redacted(value)[:COLUMN_WIDTH]


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return _redacted(value)
    if isinstance(value, list):
        return [_scrubbed(item) for item in value]
    if isinstance(value, dict):
        return {_redacted(key): _scrubbed(item) for key, item in value.items()}
    return value


def recorded_details(details: Mapping[str, Any]) -> dict[str, Any]:
    """``details`` (already a JSON round trip: strings, numbers, lists and dicts) with
    every string, keys included, redacted."""
    scrubbed: dict[str, Any] = _scrubbed(dict(details))
    return scrubbed

"""A chunk of bulk audit entries written to SQLite by one statement.

The entries of :func:`mnvault.audit.services.record_many` differ only in seq, person id
and the two hashes. Bound row by row through ``executemany`` (fourteen values each),
SQLite's Python binding cost more than the insert itself: about 4.8 s of CPU per million
entries against 1.5 s for this statement. Here the constant fields are bound once, the
person ids and the hashes travel as two packed blobs, and a recursive CTE counts the rows
out of them, so the rows stored are the very rows ``executemany`` would store: the same
column values, byte for byte (tests/test_audit_bulk.py compares them).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from mnvault.audit.chain import HASH_BYTES

ID_BYTES = 16

# seq and the constants are bound once per chunk; row i takes its person id and hashes
# out of the blobs (substr on a BLOB counts bytes and returns a BLOB).
_SQL = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :count)
INSERT INTO audit_entries (
    seq, occurred_at, actor_id, organisation_id, action, outcome, affair_code, person_id,
    spi_file_id, request_id, client_address, details, prev_hash, entry_hash
)
SELECT
    :first + i, :occurred_at, :actor_id, :organisation_id, :action, :outcome, :affair_code,
    substr(:persons, i * 16 + 1, 16),
    :spi_file_id, :request_id, :client_address, :details,
    substr(:hashes, i * 32 + 1, 32), substr(:hashes, i * 32 + 33, 32)
FROM n
"""


def pack(first: int, person_ids: Sequence[bytes], hashes: Sequence[bytes]) -> dict[str, Any]:
    """The per-chunk values: ``hashes`` holds the previous entry's hash, then one per
    entry (so entry i's prev_hash and entry_hash are hashes[i] and hashes[i + 1])."""
    count = len(person_ids)
    if count == 0:  # the CTE would still yield its first row
        raise ValueError("packed audit chunk: empty")
    persons, chained = b"".join(person_ids), b"".join(hashes)
    # A short blob would make substr() return short values without complaint.
    if len(persons) != count * ID_BYTES or len(chained) != (count + 1) * HASH_BYTES:
        raise ValueError("packed audit chunk: ids or hashes of the wrong size")
    return {"first": first, "count": count, "persons": persons, "hashes": chained}


def insert(
    connection: sqlite3.Connection, constants: dict[str, Any], chunk: dict[str, Any]
) -> None:
    """Insert one packed chunk; ``constants`` maps the constant columns to stored values."""
    before = connection.total_changes
    cursor = connection.cursor()
    try:
        cursor.execute(_SQL, {**constants, **chunk})
    finally:
        cursor.close()
    # Fail closed: a chunk that did not land whole must not advance the head. (The
    # driver's rowcount stays -1 for a statement that starts with WITH.)
    if connection.total_changes - before != chunk["count"]:
        raise RuntimeError("packed audit chunk: not every entry was inserted")

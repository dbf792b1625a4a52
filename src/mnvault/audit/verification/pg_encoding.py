"""Encoding a chunk of a PostgreSQL trail column by column (mnvault.audit.verification.parallel).

The driver's rows are turned into columns in C (``zip``); the fields that bulk entries
share, those before the person and those after it, are encoded once per distinct value
by the reference converters, and persons, seqs and previous hashes are spliced in, so
that what is left per entry is one ``bytes.join`` and its hashes.

The query hands over ids as their 16 bytes and details as the stored JSON text (the
driver would make a UUID object of every id and a dict of every details); the
converters read them to the canonical texts the sequential pass gets from the driver's
own values (tests/test_audit_parallel.py, odd details). Only columns whose values are
all of the types this query gives (text, bytes, a timestamp, NULL) take this path: for
those, equal values have the same canonical text, so encoding a distinct value once is
encoding every entry. Anything else is answered "not checked" and left to the
reference encoder, whose answer is the one that counts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from itertools import repeat
from operator import itemgetter
from typing import Any

from mnvault.audit import chain
from mnvault.audit.verification.chunkcheck import Chunk, check
from mnvault.audit.verification.sqlite_encoding import CONVERTERS_AS_READ, cut, seq_fields

SQL = (
    "SELECT seq, occurred_at, uuid_send(actor_id), uuid_send(organisation_id), action, "
    "outcome, affair_code, uuid_send(person_id), uuid_send(spi_file_id), request_id, "
    "client_address, details::text, prev_hash, entry_hash FROM audit_entries"
)
_RANGE_SQL = f"{SQL} WHERE seq > %s AND seq <= %s ORDER BY seq"
_DETAILS = CONVERTERS_AS_READ[10]
_PLAIN = frozenset({str, bytes, datetime, type(None)})
_CACHE_LIMIT = 50_000
_ID_PREFIX = (32).to_bytes(4, "big")
_HASH_PREFIX = chain.HASH_BYTES.to_bytes(4, "big")
_NULL = chain.field(None)


@lru_cache(maxsize=4096)
def details_from_text(raw: str | None) -> str | None:
    # What the sequential pass reads is psycopg's default JSON loader, json.loads, of
    # this very text; the same converter then makes it canonical.
    return None if raw is None else _DETAILS(json.loads(raw))


# The converters of columns occurred_at..details for the values :data:`SQL` gives.
CONVERTERS: tuple[Callable[[Any], str | None], ...] = (
    *CONVERTERS_AS_READ[:10],
    details_from_text,
)


def _group_encoder(
    converters: Sequence[Callable[[Any], str | None]], suffix: bytes
) -> Callable[[tuple[Any, ...]], bytes]:
    text = chain.text

    @lru_cache(maxsize=_CACHE_LIMIT)
    def encode(values: tuple[Any, ...]) -> bytes:
        return b"".join(
            [*map(text, (c(v) for c, v in zip(converters, values, strict=True))), suffix]
        )

    return encode


_before = _group_encoder(CONVERTERS[0:6], b"")  # occurred_at .. affair_code
_after = _group_encoder(CONVERTERS[7:11], _HASH_PREFIX)  # spi_file_id .. details
_person = CONVERTERS[6]


def _persons(column: list[Any]) -> Iterable[bytes]:
    """The encoded person of every entry: in C when all are 16-byte ids or all NULL."""
    if set(map(type, column)) == {bytes} and set(map(len, column)) == {16}:
        return map(
            _ID_PREFIX.__add__, cut(b"".join(column).hex().encode("ascii"), 32, 0, len(column))
        )
    if column.count(None) == len(column):
        return repeat(_NULL, len(column))
    return [chain.text(_person(value)) for value in column]


def check_range(cursor: Any, low: int, high: int, sizes: frozenset[int]) -> Chunk:
    """Entries low+1..high checked column by column; not ``ok`` where it does not apply."""
    cursor.execute(_RANGE_SQL, (low, high))
    rows = cursor.fetchall()
    count = high - low
    if count <= 0 or len(rows) != count:
        return Chunk()
    columns = [list(map(itemgetter(i), rows)) for i in range(14)]  # zip(*rows): 3x slower
    seqs, prevs, hashes = columns[0], columns[12], columns[13]
    if seqs != list(range(low + 1, high + 1)):
        return Chunk()
    if any(not set(map(type, column)) <= _PLAIN for column in columns[1:12]):
        return Chunk()
    for column in (prevs, hashes):
        if set(map(type, column)) != {bytes} or set(map(len, column)) != {chain.HASH_BYTES}:
            return Chunk()
    if prevs[1:] != hashes[:-1]:  # every entry after the first names the one before
        return Chunk()
    messages = map(
        b"".join,
        zip(
            seq_fields(low + 1, high),
            map(_before, zip(*columns[1:7], strict=True)),
            _persons(columns[7]),
            map(_after, zip(*columns[8:12], strict=True)),
            prevs,
            strict=True,
        ),
    )
    return check(
        low, count, first_prev=prevs[0], hashes=b"".join(hashes), messages=messages, sizes=sizes
    )

"""Encoding a chunk of a SQLite trail for verification without a Python step per entry
(mnvault.audit.verification.parallel).

At a million entries a second, fetching each row as Python objects already costs more
than hashing it. Entries come in runs that differ only in seq, person and hashes (a
bulk import writes thousands alike), so SQLite hands over, in C:

- one row per group of entries alike in every other column, with its seq range; the
  group's fields are encoded once, by the reference converters of mnvault.audit.trail;
- the persons, previous hashes and entry hashes of the whole chunk, each as one
  concatenated blob, in seq order (a range scan of the rowid, which is seq).

Only what the application writes takes this path: group values that are texts, blobs
or NULL (SQLite groups 1 with 1.0, which encode differently; values of the other
classes are equal only when identical), persons that are 16-byte blobs or NULL, hashes
that are 32-byte blobs, groups that are unbroken runs covering the chunk. Anything
else is left to the reference encoder (the chunk is answered "not checked"), whose
answer is the one that counts; so where this path confirms a chunk, the reference
would too.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain as joined
from itertools import repeat
from typing import Any

from mnvault.audit import chain
from mnvault.audit.trail import CONVERTERS
from mnvault.audit.verification.chunkcheck import Chunk, check

_GROUPED = (
    "occurred_at",
    "actor_id",
    "organisation_id",
    "action",
    "outcome",
    "affair_code",
    "spi_file_id",
    "request_id",
    "client_address",
    "details",
)
_WHERE = "FROM audit_entries WHERE seq > ? AND seq <= ?"
_SAME = " AND ".join(
    (
        *(f"{column} IS ?" for column in _GROUPED),
        # The two columns of NUMERIC affinity (DATETIME, JSON) would compare a text with
        # a number it spells: the class must match too.
        "typeof(occurred_at) IS ?",
        "typeof(details) IS ?",
        "typeof(person_id) IS ?",
        "length(person_id) IS ?",
        # Each hash exactly 32 long, so the concatenated hashes cut back into the rows'
        # own (a number is never 32 characters long; a text is as many bytes only in ASCII,
        # which the total length shows; ASCII text reads as the same bytes as a blob).
        "length(prev_hash) = 32",
        "length(entry_hash) = 32",
    )
)
_RUN_COLUMNS = (
    f"seq, {', '.join(_GROUPED)}, "
    "typeof(person_id), length(person_id), length(prev_hash), length(entry_hash)"
)
FIRST_SQL = f"SELECT {_RUN_COLUMNS} FROM audit_entries WHERE seq = ?"  # noqa: S608 - our names
NEXT_RUN_SQL = f"SELECT {_RUN_COLUMNS} {_WHERE} AND NOT ({_SAME}) ORDER BY seq LIMIT 1"
COLUMNS_SQL = (
    "SELECT CAST(group_concat(person_id, '') AS BLOB), "  # noqa: S608 - our names
    "CAST(group_concat(prev_hash, '') AS BLOB), CAST(group_concat(entry_hash, '') AS BLOB) "
    f"FROM (SELECT person_id, prev_hash, entry_hash {_WHERE} ORDER BY seq)"
)
# Runs shorter than this on average: a query a run costs more than the reference's
# reading entry by entry, which takes the chunk instead.
SHORTEST_RUNS = 32

# Where each grouped column sits among the converters (occurred_at .. details).
_BEFORE = range(0, 6)  # occurred_at .. affair_code, before the person
_AFTER = range(7, 11)  # spi_file_id .. details, after it
_ID_PREFIX = (32).to_bytes(4, "big")
_HASH_PREFIX = chain.HASH_BYTES.to_bytes(4, "big")
_NULL = chain.field(None)
_PLAIN = (str, bytes, type(None))
# The reference's converters as canonical_entry applies them: action and outcome by str()
# (a NULL there reads "None").
CONVERTERS_AS_READ: tuple[Callable[[Any], str | None], ...] = (
    *CONVERTERS[:3],
    str,
    str,
    *CONVERTERS[5:],
)


def seq_fields(first: int, last: int) -> Iterator[bytes]:
    """TAG and the encoded seq of first..last, without a Python step per seq.

    Seqs of one width are joined with their prefix (ASCII: TAG, then a length below 128)
    as one text, encoded once and cut at that width in C."""
    start = first
    while start <= last:
        digits = len(str(start))
        stop = min(last, 10**digits - 1)
        prefix = (chain.TAG + digits.to_bytes(4, "big")).decode("ascii")
        joined_text = prefix + prefix.join(map(str, range(start, stop + 1)))
        yield from cut(joined_text.encode("ascii"), len(prefix) + digits, 0, stop - start + 1)
        start = stop + 1


@lru_cache(maxsize=8)
def _cutter(size: int, count: int) -> struct.Struct:
    # One unpack makes all ``count`` pieces; cached, for most chunks and runs are alike.
    return struct.Struct(f"{size}s" * count)


def cut(blob: bytes, size: int, start: int, count: int) -> tuple[bytes, ...]:
    """``count`` pieces of ``size`` bytes from ``start`` (the caller checked the length)."""
    return _cutter(size, count).unpack_from(blob, start) if count else ()


def _encoded(values: tuple[Any, ...], columns: range) -> bytes:
    # The grouped columns skip the person: converter i reads values[i - 1] past it.
    return b"".join(
        chain.text(CONVERTERS_AS_READ[i](values[i - 1 if i > 6 else i])) for i in columns
    )


def _runs(cursor: Any, low: int, high: int) -> list[tuple[int, int, tuple[Any, ...]]] | None:
    """(first seq, last seq, the grouped values and whether the person is NULL) per run:
    every entry of a run is alike its first in all that :data:`_SAME` compares."""
    row = cursor.execute(FIRST_SQL, (low + 1,)).fetchone()
    runs: list[tuple[int, int, tuple[Any, ...]]] = []
    most = max(4, (high - low) // SHORTEST_RUNS)
    while row is not None:
        first, values = row[0], tuple(row[1:11])
        person_type, person_length, prev_length, hash_length = row[11:]
        if (
            len(runs) >= most
            or not all(isinstance(v, _PLAIN) for v in values)
            or (person_type, person_length) not in {("null", None), ("blob", 16)}
            or prev_length != 32
            or hash_length != 32
        ):
            return None
        kinds = (type(values[0]).__name__, type(values[9]).__name__)
        classes = tuple({"str": "text", "bytes": "blob", "NoneType": "null"}[k] for k in kinds)
        row = cursor.execute(
            NEXT_RUN_SQL, (first, high, *values, *classes, person_type, person_length)
        ).fetchone()
        runs.append((first, high if row is None else row[0] - 1, (*values, person_type == "null")))
    return runs


@dataclass(frozen=True, slots=True)
class Columns:
    """What SQLite hands over for a chunk: its runs, and persons, previous hashes and
    entry hashes each as one blob in seq order."""

    runs: list[tuple[int, int, tuple[Any, ...]]]
    persons: bytes
    prevs: bytes
    hashes: bytes


def read_range(cursor: Any, low: int, high: int) -> Columns | None:
    """Entries low+1..high as :class:`Columns`; None where this path does not apply."""
    runs = _runs(cursor, low, high)
    if not runs:
        return None
    persons, prevs, hashes = cursor.execute(COLUMNS_SQL, (low, high)).fetchone()
    count = high - low
    if len(prevs or b"") != 32 * count or len(hashes or b"") != 32 * count:
        return None
    with_person = sum(last - first + 1 for first, last, values in runs if not values[-1])
    if 16 * with_person != len(persons or b""):
        return None
    return Columns(runs, persons or b"", prevs, hashes)


def encode_range(low: int, high: int, columns: Columns) -> Iterator[bytes]:
    """The canonical encodings of entries low+1..high (chain encoding v1), in seq order.

    Per entry only its seq, person and previous hash vary within a run: they are cut
    from the blobs in C, and one ``bytes.join`` an entry splices them in."""
    count = high - low
    persons = cut(columns.persons.hex().encode("ascii"), 32, 0, len(columns.persons) // 16)
    befores: list[Iterable[bytes]] = []
    people: list[Iterable[bytes]] = []
    afters: list[Iterable[bytes]] = []
    taken = 0
    for first, last, values in columns.runs:
        count_here = last - first + 1
        if values[-1]:  # no person
            before = _encoded(values, _BEFORE) + _NULL
            people.append(repeat(b"", count_here))
        else:
            before = _encoded(values, _BEFORE) + _ID_PREFIX
            people.append(persons[taken : taken + count_here])
            taken += count_here
        befores.append(repeat(before, count_here))
        afters.append(repeat(_encoded(values, _AFTER) + _HASH_PREFIX, count_here))
    flat = joined.from_iterable
    prevs = cut(columns.prevs, 32, 0, count)
    return map(
        b"".join,
        zip(
            seq_fields(low + 1, high), flat(befores), flat(people), flat(afters), prevs, strict=True
        ),
    )


def check_range(cursor: Any, low: int, high: int, sizes: frozenset[int]) -> Chunk:
    """Entries low+1..high checked the fast way; not ``ok`` where it does not apply."""
    columns = read_range(cursor, low, high)
    if columns is None:
        return Chunk()
    prevs, hashes = columns.prevs, columns.hashes
    if prevs[32:] != hashes[:-32]:  # every entry after the first names the one before
        return Chunk()
    messages = encode_range(low, high, columns)
    return check(
        low, high - low, first_prev=prevs[:32], hashes=hashes, messages=messages, sizes=sizes
    )

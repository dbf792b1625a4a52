"""Verifying a large trail on every core (DESIGN.md §11: a million entries a second).

The trail is cut into chunks of consecutive seqs, each starting at a multiple of
:data:`CHUNK` (a power of two). Each worker process reads its chunk straight from the
database, re-hashes every entry, checks the links inside the chunk and hashes the
chunk's Merkle subtree (mnvault.audit.verification.chunkcheck); it sends back the chunk's first
``prev_hash``, last hash and frontier nodes. This process checks the links between
chunks and joins the subtrees, so the result is exactly the sequential pass's
(mnvault.audit.verification.verify).

On SQLite the encodings come from the query (mnvault.audit.verification.sqlite_encoding), on
PostgreSQL from the rows read as columns (mnvault.audit.verification.pg_encoding); a chunk either
declines is encoded entry by entry by the reference converters of mnvault.audit.trail.

It only ever confirms a whole trail: at the first sign of trouble it answers None
and the caller runs the sequential pass, which alone says what is wrong and where.
Workers are forked, so they inherit the engine (its URL and connect arguments) and
open connections of their own.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine

from mnvault.audit import chain
from mnvault.audit.merkle import Frontier, node_hash
from mnvault.audit.trail import ENTRIES_SQL, snapshot
from mnvault.audit.verification import pg_encoding, sqlite_encoding
from mnvault.audit.verification.chunkcheck import Chunk, check
from mnvault.audit.verification.verify import Scan

CHUNK = 1 << 16
_PERSON = 7  # the one column that differs in every bulk entry: never cached
_CACHE_LIMIT = 50_000
MMAP_BYTES = 1 << 30  # per worker; address space only, pages come from the OS cache

_engine: Engine | None = None


def _start_worker(engine: Engine) -> None:
    global _engine  # noqa: PLW0603 - one engine per worker process, set once
    engine.dispose(close=False)  # the parent's connections stay the parent's
    _engine = engine


_CONVERTERS = sqlite_encoding.CONVERTERS_AS_READ


def _encoder(
    converters: Sequence[Callable[[Any], str | None]] = _CONVERTERS,
) -> Callable[[Any], bytes]:
    """Encoded fields occurred_at..details of a raw row (chain encoding v1).

    Bulk entries share everything but seq and person: the fields before and after the
    person are looked up as two groups, so a million-entry import costs two dict
    lookups an entry instead of eleven encodings. The keys hold the values' types
    too: equal values of different types (1 and 1.0) encode differently."""
    text = chain.text
    before: dict[tuple[Any, ...], bytes] = {}
    after: dict[tuple[Any, ...], bytes] = {}
    person = converters[_PERSON - 1]

    def group(row: Any, start: int, stop: int) -> bytes:
        return b"".join(text(converters[i - 1](row[i])) for i in range(start, stop))

    def cached(cache: dict[tuple[Any, ...], bytes], row: Any, start: int, stop: int) -> bytes:
        values = row[start:stop]
        key = (*values, *map(type, values))
        try:
            return cache[key]
        except KeyError:
            if len(cache) > _CACHE_LIMIT:
                cache.clear()
            encoded = cache[key] = group(row, start, stop)
            return encoded
        except TypeError:  # an unhashable value (details as a dict on PostgreSQL)
            return group(row, start, stop)

    def encode(row: Any) -> bytes:
        return b"".join(
            (
                cached(before, row, 1, _PERSON),
                text(person(row[_PERSON])),
                cached(after, row, _PERSON + 1, 12),
            )
        )

    return encode


def _hash(value: Any) -> Any:
    return bytes(value) if isinstance(value, bytes | bytearray | memoryview) else value


def _reference_check(
    connection: Any,
    encode: Callable[[Any], bytes],
    low: int,
    high: int,
    sizes: frozenset[int],
    *,
    sql: str = ENTRIES_SQL,
) -> Chunk:
    rows = connection.exec_driver_sql(
        f"{sql} WHERE seq > {int(low)} AND seq <= {int(high)} ORDER BY seq"
    ).fetchall()
    if not rows:
        return Chunk()
    tag, seq_field, field = chain.TAG, chain.seq_field, chain.field
    seqs = [row[0] for row in rows]
    prevs = [_hash(row[12]) for row in rows]
    hashes = [_hash(row[13]) for row in rows]
    if seqs != list(range(low + 1, low + len(rows) + 1)) or prevs[1:] != hashes[:-1]:
        return Chunk()
    try:
        messages = [
            b"".join((tag, seq_field(row[0]), encode(row), field(prev)))
            for row, prev in zip(rows, prevs, strict=True)
        ]
        joined = b"".join(hashes)
    except (TypeError, AttributeError):  # a hash that is not bytes: the reference's to judge
        return Chunk()
    return check(low, len(rows), first_prev=prevs[0], hashes=joined, messages=messages, sizes=sizes)


_checkers: dict[str, Any] = {}


def _check_chunk(job: tuple[int, int, frozenset[int]]) -> Chunk:
    try:
        return _check(*job)
    except Exception:  # e.g. a text the driver cannot decode
        # Not confirmed: the sequential pass meets the same value and answers as it
        # always does (an unreadable trail is the caller's to report).
        return Chunk()


def _check(low: int, high: int, sizes: frozenset[int]) -> Chunk:
    assert _engine is not None  # noqa: S101 - set by _start_worker
    with snapshot(_engine) as connection:
        if connection.dialect.name == "sqlite":
            fast = sqlite_encoding.check_range
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            # Pages mapped rather than copied into the cache: a chunk is read twice (its
            # runs, then its columns) and is larger than the cache.
            cursor.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            try:
                result: Chunk = fast(cursor, low, high, sizes)
            finally:
                cursor.close()
            if result.ok:
                return result
        if connection.dialect.name == "postgresql":
            # Binary: ids and hashes come as bytes, not hex to decode (the values are
            # the same: psycopg's binary and text loaders agree).
            cursor = connection.connection.driver_connection.cursor(binary=True)  # type: ignore[union-attr]
            try:
                result = pg_encoding.check_range(cursor, low, high, sizes)
            finally:
                cursor.close()
            if result.ok:
                return result
            encode = _checkers.setdefault("postgresql", _encoder(pg_encoding.CONVERTERS))
            return _reference_check(connection, encode, low, high, sizes, sql=pg_encoding.SQL)
        encode = _checkers.setdefault("reference", _encoder())
        return _reference_check(connection, encode, low, high, sizes)


def _join(nodes: list[bytes], low: int, root: bytes) -> None:
    """Add a full chunk's subtree root to the perfect-subtree roots of entries 1..low."""
    nodes.append(root)
    carry = low // CHUNK
    while carry & 1:  # as Frontier.extend, one level up: chunks instead of leaves
        right = nodes.pop()
        nodes.append(node_hash(nodes.pop(), right))
        carry >>= 1


def covers(connection: Any, count: int) -> bool:
    """Whether the trail's seqs lie within 1..count, the range :func:`scan` checks.

    No count(*), which reads the whole table: each chunk of the scan checks that it
    holds exactly its own seqs, so with none outside the range none is missing."""
    lowest, highest = connection.exec_driver_sql(
        "SELECT min(seq), max(seq) FROM audit_entries"
    ).one()
    return bool(lowest == 1 and highest == count)


def _root(nodes: list[bytes]) -> bytes:
    """The root over perfect subtrees, largest first: the fold of Frontier.root, which
    gives the same root before adjacent equal subtrees are merged (a chunk's own root
    at its end) as after."""
    root = nodes[-1]
    for left in reversed(nodes[:-1]):
        root = node_hash(left, root)
    return root


def scan(engine: Engine, sizes: set[int], count: int, processes: int | None = None) -> Scan | None:
    """Entries 1..count checked on ``processes`` cores (default: all), or None.

    The caller has made sure that no seq lies outside 1..count (:func:`covers`); each
    chunk checks that none inside is missing or repeated."""
    if count <= 0 or CHUNK & (CHUNK - 1):
        return None
    jobs = [
        (low, min(low + CHUNK, count), frozenset(s for s in sizes if low < s <= low + CHUNK))
        for low in range(0, count, CHUNK)
    ]
    nodes: list[bytes] = []  # perfect-subtree roots over the chunks joined so far
    roots: dict[int, tuple[bytes, bytes]] = {}
    last = chain.GENESIS
    context = multiprocessing.get_context("fork")
    workers = min(processes or os.cpu_count() or 1, len(jobs))
    # Every chunk runs to the end and the pool is closed and joined, never terminated:
    # Pool.terminate() from a process with other threads (a server, pytest's) was seen
    # to hang for good in _terminate_pool. A broken trail costs the rest of the pass.
    pool = context.Pool(workers, initializer=_start_worker, initargs=(engine,))
    try:
        chunks = pool.map(_check_chunk, jobs)
    finally:
        pool.close()
        pool.join()
    for (low, high, _), chunk in zip(jobs, chunks, strict=True):
        if not chunk.ok or chunk.count != high - low or chunk.first_prev != last:
            return None
        for size, (own, entry_hash) in chunk.marks.items():
            roots[size] = (_root(nodes + own), entry_hash)
        if chunk.count == CHUNK:
            _join(nodes, low, chunk.tail[0])
        else:  # the last chunk
            nodes = nodes + chunk.tail
        last = chunk.last_hash
    return Scan(count, last, Frontier(count, nodes), roots)

"""Verifying a large trail on every core (DESIGN.md §11: a million entries a second).

The trail is cut into chunks of consecutive seqs; each worker process reads its chunk
straight from the database, re-hashes every entry, checks the links inside the chunk,
and sends back the chunk's first ``prev_hash``, last hash, and Merkle leaf hashes.
This process checks the links between chunks and builds the tree from the leaves in
order, so the result is exactly the sequential pass's (mnvault.audit.verify).

It only ever confirms a whole trail: at the first sign of trouble it answers None
and the caller runs the sequential pass, which alone says what is wrong and where.
Workers are forked, so they inherit the engine (its URL and connect arguments) and
open connections of their own.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine

from mnvault.audit import chain
from mnvault.audit.merkle import Frontier
from mnvault.audit.trail import CONVERTERS, ENTRIES_SQL, snapshot
from mnvault.audit.verify import Scan

CHUNK = 1 << 16
_PERSON = 7  # the one column that differs in every bulk entry: never cached
_CACHE_LIMIT = 50_000

_engine: Engine | None = None


def _start_worker(engine: Engine) -> None:
    global _engine  # noqa: PLW0603 - one engine per worker process, set once
    engine.dispose(close=False)  # the parent's connections stay the parent's
    _engine = engine


class _Chunk:
    __slots__ = ("count", "first_prev", "last_hash", "leaves", "marks", "ok")

    def __init__(self) -> None:
        self.ok = True
        self.count = 0
        self.first_prev = b""
        self.last_hash = b""
        self.leaves = b""
        self.marks: dict[int, bytes] = {}


def _encoder() -> Callable[[Any], bytes]:
    """Encoded fields occurred_at..details of a raw row (chain encoding v1).

    Bulk entries share everything but seq and person: the fields before and after the
    person are looked up as two groups, so a million-entry import costs two dict
    lookups an entry instead of eleven encodings."""
    text = chain.text
    before: dict[tuple[Any, ...], bytes] = {}
    after: dict[tuple[Any, ...], bytes] = {}
    person = CONVERTERS[_PERSON - 1]

    def group(row: Any, start: int, stop: int) -> bytes:
        return b"".join(text(CONVERTERS[i - 1](row[i])) for i in range(start, stop))

    def cached(cache: dict[tuple[Any, ...], bytes], row: Any, start: int, stop: int) -> bytes:
        key = tuple(row[start:stop])
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


def _check_chunk(job: tuple[int, int, frozenset[int]]) -> _Chunk:
    low, high, sizes = job
    assert _engine is not None  # noqa: S101 - set by _start_worker
    result = _Chunk()
    encode = _encoder()
    tag, sha256, seq_field = chain.TAG, hashlib.sha256, chain.seq_field
    hash_prefix = chain.HASH_BYTES.to_bytes(4, "big")
    leaves: list[bytes] = []
    expected, prev = low + 1, b""
    with snapshot(_engine) as connection:
        rows = connection.exec_driver_sql(
            f"{ENTRIES_SQL} WHERE seq > {int(low)} AND seq <= {int(high)} ORDER BY seq",
            execution_options={"stream_results": True, "yield_per": 10_000},
        )
        for row in rows:
            seq, stored_prev, stored_hash = row[0], bytes(row[12]), bytes(row[13])
            if seq != expected or (prev and stored_prev != prev):
                result.ok = False
                return result
            message = b"".join((tag, seq_field(seq), encode(row), hash_prefix, stored_prev))
            if sha256(message).digest() != stored_hash:
                result.ok = False
                return result
            if not prev:
                result.first_prev = stored_prev
            leaves.append(sha256(b"\x00" + stored_hash).digest())
            if seq in sizes:
                result.marks[seq] = stored_hash
            prev = stored_hash
            expected += 1
    result.count = expected - low - 1
    result.last_hash = prev
    result.leaves = b"".join(leaves)
    return result


def scan(engine: Engine, sizes: set[int], count: int, processes: int | None = None) -> Scan | None:
    """Entries 1..count checked on ``processes`` cores (default: all), or None.

    The caller has made sure its snapshot holds exactly the seqs 1..count."""
    if count <= 0:
        return None
    jobs = [
        (low, min(low + CHUNK, count), frozenset(s for s in sizes if low < s <= low + CHUNK))
        for low in range(0, count, CHUNK)
    ]
    frontier, roots = Frontier(), {}
    last = chain.GENESIS
    context = multiprocessing.get_context("fork")
    workers = min(processes or os.cpu_count() or 1, len(jobs))
    with context.Pool(workers, initializer=_start_worker, initargs=(engine,)) as pool:
        for (low, high, _), chunk in zip(jobs, pool.imap(_check_chunk, jobs), strict=True):
            if not chunk.ok or chunk.count != high - low or chunk.first_prev != last:
                pool.terminate()
                return None
            marks = sorted(chunk.marks)
            done = 0
            for size in marks:
                take = size - low - done
                frontier.extend_leaves(chunk.leaves[done * 32 : (done + take) * 32])
                done += take
                roots[size] = (frontier.root(), chunk.marks[size])
            frontier.extend_leaves(chunk.leaves[done * 32 :])
            last = chunk.last_hash
    return Scan(count, last, frontier, roots)

"""Checking one chunk of consecutive entries, given their columns
(mnvault.audit.verification.parallel).

Everything here runs as C loops over whole columns (``map`` over ``hashlib``, list
comparisons): at a million entries a second a Python statement per entry is already
too much. A chunk starts at a multiple of a power of two, so the Merkle subtrees inside
it are subtrees of the whole tree (RFC 6962 splits at powers of two): the chunk hashes
its own leaves and nodes, and the caller only joins the chunk roots.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

_sha256 = hashlib.sha256
# The method itself, not methodcaller("digest"): no lookup by name, 0.07 µs a hash less.
_digest = type(_sha256()).digest


class Chunk:
    """What a chunk of entries low+1..low+count gives when every entry in it holds."""

    __slots__ = ("count", "first_prev", "last_hash", "marks", "ok", "tail")

    def __init__(self) -> None:
        self.ok = False
        self.count = 0
        self.first_prev = b""
        self.last_hash = b""
        # tree size -> (the chunk's own frontier nodes at that size, the entry hash there)
        self.marks: dict[int, tuple[list[bytes], bytes]] = {}
        self.tail: list[bytes] = []  # the chunk's own frontier nodes over all its entries


def digests(messages: Iterable[bytes]) -> list[bytes]:
    return list(map(_digest, map(_sha256, messages)))


def levels(entry_hashes: list[bytes]) -> list[list[bytes]]:
    """The RFC 6962 leaves, then each level of nodes above them (pairs from the left)."""
    level = digests(map(b"\x00".__add__, entry_hashes))
    tree = [level]
    while len(level) > 1:
        pairs = map(bytes.__add__, level[0::2], level[1::2])
        level = digests(map(b"\x01".__add__, pairs))
        tree.append(level)
    return tree


def frontier_nodes(tree: list[list[bytes]], size: int) -> list[bytes]:
    """The perfect-subtree roots over the first ``size`` leaves, largest first."""
    nodes: list[bytes] = []
    start = 0
    for height in reversed(range(size.bit_length())):
        if size >> height & 1:
            nodes.append(tree[height][start >> height])
            start += 1 << height
    return nodes


def check(
    low: int,
    count: int,
    *,
    first_prev: bytes,
    hashes: bytes,
    messages: Iterable[Any],
    sizes: Iterable[int],
) -> Chunk:
    """Entries low+1..low+count, whose encodings are ``messages`` and whose stored hashes
    are ``hashes`` (joined); not ``ok`` at the first doubt.

    The caller has checked the seqs and that each ``prev_hash`` after the first is the
    stored hash before it. ``sizes``: the tree sizes whose roots the caller needs."""
    result = Chunk()
    try:
        computed = digests(messages)
    except TypeError:  # a value the encoder would not vouch for (None in the message)
        return result
    if count == 0 or len(computed) != count or b"".join(computed) != hashes:
        return result
    tree = levels(computed)
    for size in sizes:
        if low < size <= low + count:
            result.marks[size] = (frontier_nodes(tree, size - low), computed[size - low - 1])
    result.ok = True
    result.count = count
    result.first_prev = first_prev
    result.last_hash = computed[-1]
    result.tail = frontier_nodes(tree, count)
    return result

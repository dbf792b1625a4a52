"""The RFC 6962 (§2.1) Merkle tree over entry hashes, kept as a compact frontier.

leaf = SHA-256(0x00 || entry_hash), node = SHA-256(0x01 || left || right), and the tree
of n leaves splits at the largest power of two below n. The frontier holds the roots of
the perfect subtrees that make up n (largest first, one per set bit of n), so appending
costs one leaf hash plus, on average, one node hash, and the root of all entries so far
is a fold over at most 64 hashes: a checkpoint never re-reads the trail.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from mnvault.audit.chain import HASH_BYTES

_sha256 = hashlib.sha256
EMPTY_ROOT = _sha256(b"").digest()  # RFC 6962: MTH({}) = SHA-256()


def leaf_hash(entry_hash: bytes) -> bytes:
    return _sha256(b"\x00" + entry_hash).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


class Frontier:
    """The perfect-subtree roots of a tree of ``size`` leaves."""

    __slots__ = ("nodes", "size")

    def __init__(self, size: int = 0, nodes: list[bytes] | None = None) -> None:
        self.size = size
        self.nodes = nodes if nodes is not None else []
        if len(self.nodes) != size.bit_count():
            raise ValueError("frontier does not match its tree size")

    @classmethod
    def from_bytes(cls, size: int, packed: bytes) -> Frontier:
        nodes = [packed[i : i + HASH_BYTES] for i in range(0, len(packed), HASH_BYTES)]
        return cls(size, nodes)

    def to_bytes(self) -> bytes:
        return b"".join(self.nodes)

    def append(self, entry_hash: bytes) -> None:
        self.extend((entry_hash,))

    def extend(self, entry_hashes: Iterable[bytes]) -> None:
        # Local names: this runs once per entry of a million-row import.
        nodes = self.nodes
        push, pop = nodes.append, nodes.pop
        sha256 = _sha256
        size = self.size
        for entry_hash in entry_hashes:
            push(sha256(b"\x00" + entry_hash).digest())
            carry = size
            while carry & 1:  # each trailing 1-bit of the old size merges two equal subtrees
                right = pop()
                push(sha256(b"\x01" + pop() + right).digest())
                carry >>= 1
            size += 1
        self.size = size

    def extend_leaves(self, leaves: bytes) -> None:
        """Append leaf hashes already computed (packed, 32 bytes each) by another process."""
        nodes = self.nodes
        push, pop = nodes.append, nodes.pop
        sha256 = _sha256
        size = self.size
        for start in range(0, len(leaves), HASH_BYTES):
            push(leaves[start : start + HASH_BYTES])
            carry = size
            while carry & 1:
                right = pop()
                push(sha256(b"\x01" + pop() + right).digest())
                carry >>= 1
            size += 1
        self.size = size

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        root = self.nodes[-1]
        for left in reversed(self.nodes[:-1]):
            root = node_hash(left, root)
        return root


def tree_root(entry_hashes: Iterable[bytes]) -> bytes:
    frontier = Frontier()
    frontier.extend(entry_hashes)
    return frontier.root()

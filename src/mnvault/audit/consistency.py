"""RFC 6962 consistency proofs: that the tree of ``m`` leaves is a prefix of the tree of ``n``.

:func:`prove` builds PROOF(m, D[n]) (RFC 6962 §2.1.2) from what a signer keeps: the
frontier of the old tree (its perfect-subtree roots, mnvault.audit.merkle) and the leaf
hashes added since. Every node such a proof names is either one of those old subtree
roots or a subtree of the new leaves alone, so the entries signed before are never
read again. :func:`verify` is the check of RFC 9162 §2.1.4.2, which needs only the two
roots: the vault runs it before signing, and ``audit verify`` runs it between
consecutive witnessed checkpoints.
"""

from __future__ import annotations

from collections.abc import Sequence

from mnvault.audit.merkle import EMPTY_ROOT, Frontier, node_hash


def _largest_power_below(n: int) -> int:
    """The largest power of two smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def tree_hash(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes (already ``leaf_hash``-ed)."""
    if not leaves:
        return EMPTY_ROOT
    if len(leaves) == 1:
        return leaves[0]
    k = _largest_power_below(len(leaves))
    return node_hash(tree_hash(leaves[:k]), tree_hash(leaves[k:]))


class _Nodes:
    """MTH of any range a proof from ``old`` to ``old.size + len(new)`` asks for."""

    def __init__(self, old: Frontier, new: Sequence[bytes]) -> None:
        self.m = old.size
        self.new = new
        # (start, size) of each perfect subtree of the old tree, largest first.
        self.spans: list[tuple[int, int, bytes]] = []
        start = 0
        nodes = iter(old.nodes)
        for bit in range(self.m.bit_length() - 1, -1, -1):
            if self.m >> bit & 1:
                self.spans.append((start, 1 << bit, next(nodes)))
                start += 1 << bit

    def mth(self, start: int, end: int) -> bytes:
        if start >= self.m:
            return tree_hash(self.new[start - self.m : end - self.m])
        if end > self.m:  # never asked by the recursion below; a bug if it were
            raise ValueError("range straddles the old tree's end")
        covering = [
            (s, size, node) for s, size, node in self.spans if s >= start and s + size <= end
        ]
        if sum(size for _, size, _ in covering) != end - start:
            raise ValueError("range is not a union of the old tree's subtrees")
        root = covering[-1][2]
        for _, _, left in reversed(covering[:-1]):
            root = node_hash(left, root)
        return root


def prove(old: Frontier, new_leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) with m = old.size and n = m + len(new_leaves)."""
    m, n = old.size, old.size + len(new_leaves)
    if m in (0, n):
        return []
    nodes = _Nodes(old, new_leaves)
    proof: list[bytes] = []

    def subproof(m_: int, start: int, end: int, complete: bool) -> None:
        size = end - start
        if m_ == size:
            if not complete:
                proof.append(nodes.mth(start, end))
            return
        k = _largest_power_below(size)
        if m_ <= k:
            subproof(m_, start, start + k, complete)
            proof.append(nodes.mth(start + k, end))
        else:
            subproof(m_ - k, start + k, end, False)
            proof.append(nodes.mth(start, start + k))

    subproof(m, 0, n, True)
    return proof


def verify(
    first_size: int, second_size: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: whether ``proof`` shows the first tree is a prefix of the second."""
    if first_size < 0 or first_size > second_size:
        return False
    if first_size == second_size:
        return not proof and first_root == second_root
    if first_size == 0:  # the empty tree is a prefix of every tree
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first_size & (first_size - 1) == 0:  # an exact power of two
        path.insert(0, first_root)
    fn, sn = first_size - 1, second_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root

"""RFC 6962 consistency proofs (issue 11, "Audit trail that an insider with the database
cannot rewrite": a consistency proof between consecutive checkpoints is checked).

Checked three ways: against the Certificate Transparency test vectors (the eight leaves
of certificate-transparency's merkle_tree_test), against a proof built straight from the
RFC's definition over all leaves for every pair of sizes up to 64, and by mutation
(every altered node or root, a missing or extra node is refused; the sizes
themselves are bound by the signed checkpoints)."""

from __future__ import annotations

import hashlib

import pytest

from mnvault.audit import consistency
from mnvault.audit.merkle import Frontier, node_hash

LEAF_DATA = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
PROOFS = {
    (1, 1): [],
    (1, 8): [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
    (6, 8): [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
    (2, 5): [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
}


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _frontier(leaves: list[bytes]) -> Frontier:
    """The frontier of these leaf hashes (Frontier.extend takes entry hashes)."""
    frontier = Frontier()
    frontier.extend_leaves(b"".join(leaves))
    return frontier


def _reference_proof(m: int, leaves: list[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) exactly as RFC 6962 §2.1.2 writes it, over all the leaves."""

    def subproof(m_: int, d: list[bytes], b: bool) -> list[bytes]:
        if m_ == len(d):
            return [] if b else [consistency.tree_hash(d)]
        k = 1 << ((len(d) - 1).bit_length() - 1)
        if m_ <= k:
            return [*subproof(m_, d[:k], b), consistency.tree_hash(d[k:])]
        return [*subproof(m_ - k, d[k:], False), consistency.tree_hash(d[:k])]

    return subproof(m, leaves, True) if 0 < m <= len(leaves) else []


LEAVES = [_leaf(data) for data in LEAF_DATA]


def test_roots_match_the_certificate_transparency_vectors() -> None:
    for size in range(1, 9):
        assert consistency.tree_hash(LEAVES[:size]).hex() == ROOTS[size - 1]
        assert _frontier(LEAVES[:size]).root().hex() == ROOTS[size - 1]


@pytest.mark.parametrize(("m", "n"), sorted(PROOFS))
def test_proofs_match_the_certificate_transparency_vectors(m: int, n: int) -> None:
    proof = consistency.prove(_frontier(LEAVES[:m]), LEAVES[m:n])
    assert [node.hex() for node in proof] == PROOFS[(m, n)]
    root_m, root_n = bytes.fromhex(ROOTS[m - 1]), bytes.fromhex(ROOTS[n - 1])
    assert consistency.verify(m, n, root_m, root_n, proof)


def test_every_pair_of_sizes_up_to_64_agrees_with_the_definition() -> None:
    leaves = [hashlib.sha256(b"\x00" + i.to_bytes(4, "big")).digest() for i in range(64)]
    roots = [consistency.tree_hash(leaves[:size]) for size in range(65)]
    for n in range(1, 65):
        for m in range(1, n + 1):
            proof = consistency.prove(_frontier(leaves[:m]), leaves[m:n])
            assert proof == _reference_proof(m, leaves[:n]), (m, n)
            assert consistency.verify(m, n, roots[m], roots[n], proof), (m, n)
            if m == n:
                continue
            # Any other root, any altered node, any other size: refused.
            assert not consistency.verify(m, n, roots[m], roots[n - 1], proof)
            assert not consistency.verify(m, n, node_hash(roots[m], roots[m]), roots[n], proof)
            for index in range(len(proof)):
                bad = list(proof)
                bad[index] = node_hash(bad[index], bad[index])
                assert not consistency.verify(m, n, roots[m], roots[n], bad), (m, n, index)
            assert not consistency.verify(m, n, roots[m], roots[n], proof[:-1])
            assert not consistency.verify(m, n, roots[m], roots[n], [*proof, roots[n]])


def test_a_forked_history_has_no_proof() -> None:
    """A tree whose first leaves were rewritten is not an extension of the signed one."""
    leaves = [hashlib.sha256(bytes([i])).digest() for i in range(20)]
    forged = [hashlib.sha256(b"forged").digest(), *leaves[1:]]
    signed = _frontier(leaves[:7])
    proof = consistency.prove(signed, forged[7:20])
    assert not consistency.verify(7, 20, signed.root(), consistency.tree_hash(forged), proof)

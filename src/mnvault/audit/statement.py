"""What a checkpoint states and the exact bytes its Ed25519 signature covers.

A checkpoint says: "the RFC 6962 Merkle root of entries 1..tree_size is ``root``, and
entry ``tree_size`` has hash ``head_hash``", at a time, under a key. The signed message
(v1) uses the length-prefixed fields of mnvault.audit.chain:

    TAG || field(id) || field(tree_size) || field(root) || field(head_hash)
        || field(created_at) || field(key_id)

with id and tree_size in decimal ASCII, created_at as UTC ISO 8601 with microseconds
and key_id the hex SHA-256 of the raw 32-byte public key.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mnvault.audit.chain import field, text, timestamp

TAG = b"mnvault.audit.checkpoint.v1\x00"
WITNESS_FORMAT = "mnvault-audit-witness-v1"


def key_id(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()


@dataclass(frozen=True, slots=True)
class Checkpoint:
    id: int
    tree_size: int
    root: bytes
    head_hash: bytes
    created_at: datetime
    key_id: str
    signature: bytes

    def message(self) -> bytes:
        return b"".join(
            (
                TAG,
                text(str(self.id)),
                text(str(self.tree_size)),
                field(self.root),
                field(self.head_hash),
                timestamp(self.created_at),
                text(self.key_id),
            )
        )

    def to_json(self, public_key: bytes) -> dict[str, Any]:
        """A witness line: everything needed to check it, the public key included."""
        return {
            "format": WITNESS_FORMAT,
            "checkpoint": self.id,
            "tree_size": self.tree_size,
            "root": self.root.hex(),
            "head_hash": self.head_hash.hex(),
            "created_at": self.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
            "key_id": self.key_id,
            "public_key": public_key.hex(),
            "signature": self.signature.hex(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> tuple[Checkpoint, bytes]:
        """(checkpoint, public key) from a witness line; raises ValueError when malformed."""
        if data.get("format") != WITNESS_FORMAT:
            raise ValueError("unknown witness format")
        try:
            checkpoint = cls(
                id=int(data["checkpoint"]),
                tree_size=int(data["tree_size"]),
                root=bytes.fromhex(data["root"]),
                head_hash=bytes.fromhex(data["head_hash"]),
                created_at=datetime.fromisoformat(data["created_at"]).astimezone(UTC),
                key_id=str(data["key_id"]),
                signature=bytes.fromhex(data["signature"]),
            )
            return checkpoint, bytes.fromhex(data["public_key"])
        except (KeyError, TypeError) as exc:
            raise ValueError("incomplete witness line") from exc

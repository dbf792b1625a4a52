"""The pruned base: where a trail starts once its oldest entries were archived and pruned.

After entries 1..P are pruned the live trail is P+1..N, chained to entry P's hash. The
base is (P, entry P's hash, the Merkle frontier over 1..P). Verification starts from it
instead of from genesis, and accepts it only when

- a checkpoint signed by a trusted key states exactly that root and hash at size P
  (so the base is the genuine state of the trail at P), and
- the ``audit:prune`` entry that records the prune is in the trail, covered by a
  checkpoint, and carries the vault's signature over the prune statement below (so a
  deletion made with database access but without the signing key is not a prune).

Prune statement v1 (length-prefixed fields of mnvault.audit.chain):

    TAG || field(P) || field(entry P's hash) || field(Merkle root over 1..P)
        || field(archive SHA-256, hex) || field(key_id)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from mnvault.audit.chain import field, text
from mnvault.audit.merkle import Frontier
from mnvault.audit.statement import key_id

TAG = b"mnvault.audit.prune.v1\x00"
PRUNE_ACTION = "audit:prune"


@dataclass(frozen=True, slots=True)
class PrunedBase:
    seq: int  # entries 1..seq are pruned
    entry_hash: bytes
    frontier: bytes  # packed, mnvault.audit.merkle.Frontier.to_bytes
    record_seq: int = 0  # the audit:prune entry (0: none, e.g. in an archive)

    def merkle(self) -> Frontier:
        return Frontier.from_bytes(self.seq, self.frontier)

    def to_json(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "entry_hash": self.entry_hash.hex(),
            "frontier": self.frontier.hex(),
            "record_seq": self.record_seq,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PrunedBase:
        try:
            return cls(
                int(data["seq"]),
                bytes.fromhex(data["entry_hash"]),
                bytes.fromhex(data["frontier"]),
                int(data.get("record_seq", 0)),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError("incomplete pruned base") from exc


def statement(through: int, base_hash: bytes, root: bytes, archive_sha256: str, kid: str) -> bytes:
    return b"".join(
        (TAG, text(str(through)), field(base_hash), field(root), text(archive_sha256), text(kid))
    )


def signed_details(
    base: PrunedBase, archive_sha256: str, public_key: bytes, sign: Any, **extra: Any
) -> dict[str, Any]:
    """The prune entry's details: the statement, signed with the vault's key."""
    kid = key_id(public_key)
    message = statement(base.seq, base.entry_hash, base.merkle().root(), archive_sha256, kid)
    return {
        **extra,
        "pruned_through": base.seq,
        "base_hash": base.entry_hash.hex(),
        "archive_sha256": archive_sha256,
        "key_id": kid,
        "signature": sign(message).hex(),
    }


def record_signed(
    details_text: str | None, base: PrunedBase, keys: dict[str, bytes], verify: Any
) -> bool:
    """Whether a prune entry's details state this base under a trusted key's signature."""
    try:
        details = json.loads(details_text or "null")
        if not isinstance(details, dict):
            return False
        if int(details["pruned_through"]) != base.seq:
            return False
        if bytes.fromhex(details["base_hash"]) != base.entry_hash:
            return False
        kid = str(details["key_id"])
        message = statement(
            base.seq, base.entry_hash, base.merkle().root(), str(details["archive_sha256"]), kid
        )
        key = keys.get(kid)
        return key is not None and verify(key, message, bytes.fromhex(details["signature"]))
    except (KeyError, TypeError, ValueError):
        return False


_BASE_SQL = (
    "SELECT pruned_through, base_hash, base_frontier, record_seq FROM audit_prunes "
    "ORDER BY pruned_through DESC LIMIT 1"
)


def read_base(connection: Connection) -> PrunedBase | None:
    """The latest prune's base, from the driver's raw values (None: never pruned)."""
    row = connection.exec_driver_sql(_BASE_SQL).first()
    if row is None:
        return None
    return PrunedBase(int(row[0]), _raw(row[1]), _raw(row[2]), int(row[3]))


def _raw(value: object) -> bytes:
    # A value written behind the application's back may not be bytes: keep it, so the
    # base does not match its anchor and verification says so.
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode("utf-8")

"""The last tree head the vault signed, kept next to the keyring (outside the database).

Before signing a checkpoint the vault proves (RFC 6962, mnvault.audit.consistency) that
the trail it is about to sign extends this head, so a database rewritten, truncated or
restored behind its back is never signed over. The file holds the signed checkpoint and
the Merkle frontier at its size (at most 64 hashes), which is all a proof needs from the
old tree. It moves only forward: it is written after the checkpoint's transaction
commits (a rolled-back checkpoint must not become the reference), under an exclusive
lock, and only by a checkpoint with a higher id than the one it holds.
"""

from __future__ import annotations

import fcntl
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mnvault.audit.merkle import Frontier
from mnvault.audit.statement import Checkpoint

FILE_NAME = "audit-last-signed.json"
LOCK_SUFFIX = ".lock"


@dataclass(frozen=True)
class SignedHead:
    checkpoint: Checkpoint
    public_key: bytes
    frontier: Frontier


def path_of(keyring_path: Path) -> Path:
    return keyring_path.parent / FILE_NAME


def read(path: Path) -> SignedHead | None:
    """The head, None when there is none yet; raises ValueError when the file is damaged."""
    if not path.exists():
        return None
    return _decode(json.loads(path.read_text("utf-8")))


def _decode(data: dict[str, Any]) -> SignedHead:
    checkpoint, public_key = Checkpoint.from_json(data)
    try:
        nodes = [bytes.fromhex(node) for node in data["frontier"]]
    except (KeyError, TypeError) as exc:
        raise ValueError("no frontier in the signed head") from exc
    frontier = Frontier(checkpoint.tree_size, nodes)
    if frontier.root() != checkpoint.root:
        raise ValueError("the signed head's frontier does not give its root")
    return SignedHead(checkpoint, public_key, frontier)


def advance(path: Path, head: SignedHead) -> bool:
    """Record ``head`` unless the file already holds a later one; True when written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + LOCK_SUFFIX), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            current = read(path)
        except ValueError:
            current = None  # a damaged file is replaced by a good head
        if current is not None and current.checkpoint.id >= head.checkpoint.id:
            return False
        data = head.checkpoint.to_json(head.public_key)
        data["frontier"] = [node.hex() for node in head.frontier.nodes]
        temporary = path.with_name(path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(data, handle, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        return True
    finally:
        os.close(fd)

"""The witness: checkpoints copied to a JSON-lines file outside the database.

A database restored from an old backup, truncated, or rewritten wholesale no longer
holds the checkpoints the witness saw, so ``audit verify`` catches it. Lines are
appended with O_APPEND under an exclusive lock and synced, so several processes can
share one file; they may land out of order (two processes committing checkpoints at
nearly the same time), which is why readers key them by checkpoint id.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mnvault.audit.statement import Checkpoint


def append(path: Path, lines: Iterable[dict[str, object]]) -> None:
    data = "".join(json.dumps(line, sort_keys=True) + "\n" for line in lines).encode("utf-8")
    if not data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock


@dataclass(frozen=True)
class Proof:
    """A line's RFC 6962 proof that its tree extends checkpoint ``earlier``'s."""

    earlier: int
    earlier_size: int
    nodes: list[bytes]


@dataclass
class WitnessContents:
    """The checkpoints a witness file holds, with their public keys (which are never
    trusted: ``audit verify`` trusts the pinned key) and consistency proofs."""

    checkpoints: list[tuple[Checkpoint, bytes]] = field(default_factory=list)
    damaged_lines: list[int] = field(default_factory=list)  # 1-based line numbers
    proofs: dict[int, Proof] = field(default_factory=dict)  # checkpoint id -> its proof


def _proof(data: dict[str, Any]) -> Proof | None:
    found = data.get("consistency")
    if found is None:
        return None
    try:
        return Proof(
            int(found["from"]), int(found["from_size"]), [bytes.fromhex(n) for n in found["proof"]]
        )
    except (KeyError, TypeError) as exc:
        raise ValueError("incomplete consistency proof") from exc


def read(path: Path) -> WitnessContents:
    contents = WitnessContents()
    with path.open("r", encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise ValueError("not a witness line")
                checkpoint, public_key = Checkpoint.from_json(data)
                proof = _proof(data)
            except ValueError:  # json.JSONDecodeError is a ValueError
                contents.damaged_lines.append(line_number)
                continue
            contents.checkpoints.append((checkpoint, public_key))
            if proof is not None:
                contents.proofs[checkpoint.id] = proof
    return contents

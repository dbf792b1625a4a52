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


@dataclass
class WitnessContents:
    """The checkpoints a witness file holds, with their public keys."""

    checkpoints: list[tuple[Checkpoint, bytes]] = field(default_factory=list)
    damaged_lines: list[int] = field(default_factory=list)  # 1-based line numbers


def read(path: Path) -> WitnessContents:
    contents = WitnessContents()
    with path.open("r", encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                contents.checkpoints.append(Checkpoint.from_json(json.loads(line)))
            except ValueError:  # json.JSONDecodeError is a ValueError
                contents.damaged_lines.append(line_number)
    return contents

"""The project's copies of the legal texts (事業者編, 行政機関等編, each with 別添1/別添2; the
My Number Act), which tests quote from: reference material, not part of the repository.

One rule for where they are: MNVAULT_LEGAL_DIR, else ``../shared/legal`` beside the project
root (CI's layout), else ``../../shared/legal`` (a worktree sits one level deeper). A missing
copy fails a test under CI=true and skips it elsewhere (issue #13, Citations).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BESIDE = (ROOT.parent / "shared" / "legal", ROOT.parent.parent / "shared" / "legal")


def legal_dir() -> Path | None:
    """The folder of the copies, or None when there is none."""
    if named := os.environ.get("MNVAULT_LEGAL_DIR"):
        return Path(named)
    return next((folder for folder in BESIDE if folder.is_dir()), None)


def legal_copy(name: str) -> Path:
    """The copy of ``name`` (e.g. ``mynumber-act.txt``); fails under CI=true, else skips."""
    folder = legal_dir()
    path = (folder or BESIDE[0]) / name
    if not path.is_file():
        message = f"no copy of {name} at {path} (../shared/legal or ../../shared/legal)"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return path


def legal_text(name: str) -> str:
    return legal_copy(name).read_text(encoding="utf-8")

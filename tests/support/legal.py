"""The project's copies of the legal texts (事業者編, 行政機関等編, each with 別添1/別添2; the
My Number Act), which tests quote from: reference material, not part of the repository.

One rule for where they are: MNVAULT_LEGAL_DIR, else ``../shared/legal`` beside the project
root (CI's layout), else ``../../shared/legal`` (a worktree sits one level deeper), else
beside the checkout a local clone was made from (``git clone . "$(mktemp -d)"`` puts the
clone where no texts stand). A missing copy fails a test under CI=true and skips it
elsewhere (issue #13, Citations).
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _origin_checkout() -> Path | None:
    """The local checkout this clone was made from (its ``origin``), if it is one."""
    config = configparser.ConfigParser(strict=False, interpolation=None)
    try:
        config.read(ROOT / ".git" / "config", encoding="utf-8")
    except (OSError, configparser.Error):
        return None  # a worktree's .git is a file; it finds ../../shared/legal instead
    url = config.get('remote "origin"', "url", fallback="")
    origin = Path(url.removeprefix("file://"))
    return origin.resolve() if url and origin.is_absolute() and origin.is_dir() else None


_ORIGIN = _origin_checkout()
BESIDE = (
    ROOT.parent / "shared" / "legal",
    ROOT.parent.parent / "shared" / "legal",
    *((_ORIGIN.parent / "shared" / "legal",) if _ORIGIN is not None else ()),
)


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
        message = f"no copy of {name} at {path} (looked in {', '.join(map(str, BESIDE))})"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    return path


def legal_text(name: str) -> str:
    return legal_copy(name).read_text(encoding="utf-8")

"""Copying an initialised deployment for a test, witness included.

The audit witness lives outside the data directory, one file per data directory
(mnvault.config.default_witness); a copy of the directory is a restore, and the copy's
own witness must be the original's, or verification rightly reports it missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from mnvault.config import default_witness


def copy_deployment(source: Path, target: Path) -> None:
    shutil.copytree(source, target)
    env = dict(os.environ)
    witness = default_witness(source.resolve(), env)
    if witness.exists():
        copied = default_witness(target.resolve(), env)
        copied.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(witness, copied)

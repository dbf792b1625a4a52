"""The CLI tests' fork server (tests/support/zygote.py) runs the real command in a process of
its own: the same output, exit code and files as a fresh interpreter, given the same
environment, input and working directory (issue #12, the suite's time)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from mnvault.numbers import generate_my_number
from tests.support.cli import mnvault
from tests.support.zygote import Zygote


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MNVAULT_")}
    return {**env, "MNVAULT_DATA_DIR": str(tmp_path / "data")}


@pytest.mark.parametrize(
    "args",
    [
        ["number", "check", "<valid>", "<invalid>"],  # exit code 1, both streams
        ["number", "check", "-"],  # the number from standard input
        ["--help"],
        ["no-such-command"],  # click's usage error: exit code 2
    ],
)
def test_forked_and_spawned_commands_answer_alike(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    valid = generate_my_number(random.Random(len(args)))
    invalid = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    args = [valid if a == "<valid>" else invalid if a == "<invalid>" else a for a in args]
    monkeypatch.chdir(tmp_path)  # the command runs where the caller is
    forked = mnvault(args, _env(tmp_path), stdin=f"{valid}\n")
    spawned = mnvault(args, _env(tmp_path), stdin=f"{valid}\n", spawn=True)
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        spawned.returncode, spawned.stdout, spawned.stderr,
    )  # fmt: skip
    assert valid not in forked.stdout + forked.stderr


def test_a_command_gets_its_own_environment_and_umask(tmp_path: Path) -> None:
    """The server's own state (its environment, umask, working directory) never reaches a
    command, and one command's never reaches the next."""
    first = mnvault(["init", "--org-name", "試験株式会社"], _env(tmp_path))
    assert first.returncode == 0, first.stderr
    credentials = tmp_path / "data" / "initial-credentials.txt"
    assert oct(credentials.stat().st_mode)[-3:] == "600"  # the command's umask, 077
    again = mnvault(["init", "--org-name", "別の会社"], _env(tmp_path))
    assert again.returncode != 0  # the same data directory: refused, not re-initialised
    elsewhere = mnvault(["init", "--org-name", "別の会社"], _env(tmp_path / "other"))
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert Zygote.children_cpu > 0  # the forked commands' CPU time is counted

"""Driving the real `mnvault` command as a person would, second factor included.

A TOTP code is accepted once per 30-second step (RFC 6238 §5.2), and a test runs many
commands within one step; :func:`fresh_code` stands in for the wait by forgetting the
last step used, behind the service's back, then computes the code for now as an
authenticator app would. Everything else goes through the command line itself.
"""

from __future__ import annotations

import base64
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from contextlib import closing
from pathlib import Path

from mnvault.crypto.totp import totp_code

MNVAULT = [sys.executable, "-m", "mnvault.cli.main"]


def mnvault(
    args: list[str], env: dict[str, str], stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*MNVAULT, *args], env=env, input=stdin, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def secret_of(output: str) -> bytes:
    """The TOTP secret of the otpauth:// URI an enrolment printed."""
    uri = re.search(r"otpauth://\S+", output)
    assert uri, "no otpauth URI in the output"
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri.group(0)).query)["secret"][0]
    return base64.b32decode(secret + "=" * (-len(secret) % 8))


def fresh_code(data: Path, login: str, secret: bytes) -> str:
    # Closed at once: an open connection would keep SQLite from checkpointing its WAL
    # when the command exits, and tests copy the database file as a backup.
    with closing(sqlite3.connect(data / "db" / "mnvault.sqlite3")) as db, db:
        db.execute(
            "UPDATE user_security SET totp_last_step = NULL"
            " WHERE user_id = (SELECT id FROM users WHERE login = ?)",
            (login,),
        )
    return totp_code(secret, time.time())


def first_sign_in(
    args: list[str], env: dict[str, str], data: Path, *, new_password: str
) -> tuple[dict[str, str], bytes]:
    """A new clerk's or manager's first command: change the password an admin set, enrol
    an authenticator (the command stops after showing it), then run ``args`` with the
    first code. Returns the env with the new password, and the TOTP secret."""
    first = mnvault(args, {**env, "MNVAULT_NEW_PASSWORD": new_password})
    assert first.returncode == 1, first.stderr
    assert "password changed" in first.stderr and "--totp" in first.stderr
    env = {**env, "MNVAULT_USER_PASSWORD": new_password}
    return env, secret_of(first.stderr)

"""Driving the real `mnvault` command as a person would, second factor included.

A TOTP code is accepted once per 30-second step (RFC 6238 §5.2), and a test runs many
commands within one step; :func:`fresh_code` stands in for the wait by forgetting the
last step used, behind the service's back, then computes a code as an authenticator app
would (for the next step: see there). Everything else goes through the command line itself.

:func:`deployment` is the data directory a new user's first commands leave (``init``, an
administrator's first password change, a clerk and a manager added, both signed in for
the first time): built once per run through the real command, then copied for each
test, since those seven commands cost more than most tests that use them (issue #12).
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from mnvault.access.passwords import normalise_password
from mnvault.access.services import hash_password
from mnvault.crypto import LocalKeyring, ScryptParams
from mnvault.crypto.totp import totp_code
from mnvault.deployment.services import DEV_PASSPHRASE_FILE
from tests.support.copies import copy_deployment
from tests.support.zygote import Zygote

MNVAULT = [sys.executable, "-m", "mnvault.cli.main"]
TOTP_STEP = 30


def mnvault(
    args: list[str], env: dict[str, str], stdin: str = "", *, spawn: bool = False
) -> subprocess.CompletedProcess[str]:
    """One command in a process of its own: forked from the tests' CLI server (imports done
    once, see tests/support/zygote.py), or with ``spawn`` in a fresh interpreter, exactly as a
    user starts it (the leak test and the start-up test)."""
    if not spawn:
        done = Zygote.run(args, env, stdin, timeout=120)
        return subprocess.CompletedProcess(
            [*MNVAULT, *args], done.returncode, done.stdout, done.stderr
        )
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
    # The code of the next 30-second step: the command accepts one step either side of
    # its own (RFC 6238 §5.2), so it is still good however long a loaded machine takes
    # to start the command, up to a minute; the current step's code could have expired
    # in as little as a second (issue #12: no test depends on timing).
    return totp_code(secret, time.time() + TOTP_STEP)


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


ADMIN_PASSWORD = "the first administrator's own passphrase"
CLERK_PASSWORD = "sato keeps the withholding slips"
MANAGER_PASSWORD = "suzuki approves the take-outs"


@dataclass
class Deployment:
    env: dict[str, str]  # the clerk's
    data: Path
    secrets: dict[str, bytes]  # login -> TOTP secret
    manager_env: dict[str, str]

    def code(self, login: str) -> dict[str, str]:
        return {"MNVAULT_TOTP": fresh_code(self.data, login, self.secrets[login])}

    def clerk(self, *args: str) -> tuple[int, str]:
        """A command as the clerk sato (with a fresh TOTP code): exit code and all output."""
        result = mnvault(list(args), {**self.env, **self.code("sato")})
        return result.returncode, result.stdout + result.stderr

    def manager(self, *args: str) -> tuple[int, str]:
        """A command as the manager suzuki."""
        result = mnvault(list(args), {**self.manager_env, **self.code("suzuki")})
        return result.returncode, result.stdout + result.stderr

    def moved_to(self, data: Path) -> Deployment:
        """The same deployment with its data directory copied to ``data``."""
        copy_deployment(self.data, data)
        where = {"MNVAULT_DATA_DIR": str(data)}
        return Deployment(
            {**self.env, **where}, data, dict(self.secrets), {**self.manager_env, **where}
        )


def cheapen_keyring(data: Path) -> None:
    """Re-seal the deployment's keyring at the tests' scrypt cost (the same keys).

    Every command unseals the keyring: at the production cost (2**17, 128 MiB) that is most
    of a command's CPU time, and the suite runs hundreds of them (issue #12). The file
    records its cost, so this weakens only this copy; the leak test keeps the full cost."""
    passphrase = (data / DEV_PASSPHRASE_FILE).read_text("utf-8").strip()
    keyring = LocalKeyring.open(data / "keyring" / "keyring.json", passphrase)
    keyring.change_passphrase(passphrase, ScryptParams.fast_for_tests())


PASSWORDS = {"admin": ADMIN_PASSWORD, "sato": CLERK_PASSWORD, "suzuki": MANAGER_PASSWORD}
# Argon2id at its smallest cost: the hash string records its cost, so verification follows it.
_CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def set_password_cost(data: Path, *, cheap: bool) -> None:
    """Re-hash the three users' passwords at the tests' cost (or the production cost):
    each command verifies one, at 64 MiB of Argon2id in production (issue #12)."""
    with closing(sqlite3.connect(data / "db" / "mnvault.sqlite3")) as db, db:
        for login, password in PASSWORDS.items():
            hashed = (
                _CHEAP_HASHER.hash(normalise_password(password))
                if cheap
                else hash_password(password)
            )
            db.execute("UPDATE users SET password_hash = ? WHERE login = ?", (hashed, login))


def initialise_deployment(data: Path, *, fast_keyring: bool = True) -> Deployment:
    """What a new user's first commands do, checked on the way (``fast_keyring``: at the
    tests' scrypt cost after ``init``, see :func:`cheapen_keyring`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MNVAULT_")}
    env["MNVAULT_DATA_DIR"] = str(data)
    env["MNVAULT_LOG_LEVEL"] = "DEBUG"  # the leak test wants every log line there is
    result = mnvault(["init", "--org-name", "試験株式会社"], env)
    assert result.returncode == 0, result.stderr
    assert "initial-credentials.txt" in result.stdout
    credentials = (data / "initial-credentials.txt").read_text("utf-8")
    assert oct((data / "initial-credentials.txt").stat().st_mode)[-3:] == "600"
    if fast_keyring:
        cheapen_keyring(data)
    admin_password = re.search(r"admin_password = (\S+)", credentials).group(1)  # type: ignore[union-attr]
    # No --org-code given: a random one, announced and kept with the credentials.
    code = re.search(r"organisation_code = (org-[a-z0-9]{6})\b", credentials).group(1)  # type: ignore[union-attr]
    assert code in result.stdout
    env.update(
        MNVAULT_ORGANISATION=code, MNVAULT_USER="admin", MNVAULT_USER_PASSWORD=admin_password
    )
    add_clerk = ["user", "add", "sato", "--role", "clerk", "--affair", "withholding_slip"]
    # The first administrator's password was generated: it is changed before anything.
    refused = mnvault(add_clerk, env)
    assert refused.returncode == 1 and "MNVAULT_NEW_PASSWORD" in refused.stderr
    # An admin enrols a second factor too (issue #11): change, enrol, then the command.
    env, admin_secret = first_sign_in(add_clerk, env, data, new_password=ADMIN_PASSWORD)
    secrets = {"admin": admin_secret}

    def code(login: str) -> str:
        return fresh_code(data, login, secrets[login])

    result = mnvault(add_clerk, {**env, "MNVAULT_TOTP": code("admin")})
    assert result.returncode == 0, result.stderr
    clerk_password = result.stdout.strip().split()[-1]
    result = mnvault(
        ["user", "add", "suzuki", "--role", "manager"], {**env, "MNVAULT_TOTP": code("admin")}
    )
    assert result.returncode == 0, result.stderr
    admin = dict(env)
    manager = {**env, "MNVAULT_USER": "suzuki",
               "MNVAULT_USER_PASSWORD": result.stdout.strip().split()[-1]}  # fmt: skip
    env.update(MNVAULT_USER="sato", MNVAULT_USER_PASSWORD=clerk_password)
    env, secrets["sato"] = first_sign_in(
        ["person", "show", "E0000001"], env, data, new_password=CLERK_PASSWORD
    )
    manager, secrets["suzuki"] = first_sign_in(
        ["person", "show", "E0000001"], manager, data, new_password=MANAGER_PASSWORD
    )
    for login, own in (("sato", env), ("suzuki", manager)):
        first = mnvault(["person", "show", "E0000001"], {**own, "MNVAULT_TOTP": code(login)})
        assert "recovery codes" in first.stderr  # the enrolment is confirmed by this code
    # The admin knew both first passwords: the accounts reach no number until confirmed
    # with a code from each one's own authenticator, in person. The organisation's first
    # manager (before any number) by the admin; the clerk by that manager.
    for who, whom in (("admin", "suzuki"), ("suzuki", "sato")):
        acting = admin if who == "admin" else manager
        done = mnvault(
            ["user", "confirm", whom, "--code", code(whom)],
            {**acting, "MNVAULT_TOTP": code(who)},
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
    if fast_keyring:
        set_password_cost(data, cheap=True)
    return Deployment(env, data, secrets, manager)


_initialised: list[Deployment] = []


def _shared_template(factory: pytest.TempPathFactory) -> Deployment:
    """The run's initialised deployment, built by the first worker that needs it and read by
    the others (pytest-xdist's recipe for a once-per-run fixture: the workers' temp dirs share
    a parent, which pytest removes with old runs). Never written after it is built: each test
    gets a copy (:meth:`Deployment.moved_to`)."""
    root = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    root = root / "cli-template"
    root.mkdir(exist_ok=True)
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        saved = root / "deployment.json"
        if saved.exists():
            fields = json.loads(saved.read_text("utf-8"))
            return Deployment(
                fields["env"], Path(fields["data"]),
                {login: bytes.fromhex(secret) for login, secret in fields["secrets"].items()},
                fields["manager_env"],
            )  # fmt: skip
        made = initialise_deployment(root / "data")
        fields = {
            "env": made.env, "data": str(made.data), "manager_env": made.manager_env,
            "secrets": {login: secret.hex() for login, secret in made.secrets.items()},
        }  # fmt: skip
        saved.write_text(json.dumps(fields), "utf-8")
        return made


@pytest.fixture
def deployment(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Deployment:
    """A copy of the run's initialised deployment, in ``tmp_path / "data"``."""
    if not _initialised:
        _initialised.append(_shared_template(tmp_path_factory))
    return _initialised[0].moved_to(tmp_path / "data")


@pytest.fixture
def full_cost_deployment(deployment: Deployment) -> Deployment:
    """The copy re-sealed at the production scrypt cost: the run a real user's commands
    make, kept for the leak test (issue #12: one or two full-cost subprocess tests)."""
    passphrase = (deployment.data / DEV_PASSPHRASE_FILE).read_text("utf-8").strip()
    keyring = LocalKeyring.open(deployment.data / "keyring" / "keyring.json", passphrase)
    keyring.change_passphrase(passphrase, ScryptParams())
    set_password_cost(deployment.data, cheap=False)
    return deployment


def read_all_numbers(csv_path: Path) -> list[str]:
    return [line.split(",")[3] for line in csv_path.read_text("utf-8").splitlines()[1:]]

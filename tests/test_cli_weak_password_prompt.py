"""On a terminal, a weak new password at the first sign-in is refused with its reasons
and asked for again, instead of ending the command (issue #11, "Operating it as the
README says"; NIST SP 800-63B §5.1.1.2 as mnvault.access.passwords applies it)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from mnvault.access import services as access
from mnvault.access.models import Role
from mnvault.config import load_settings
from mnvault.crypto import ScryptParams
from mnvault.deployment import services as deployment
from mnvault.orgs.models import OrganisationKind

FIRST = "first password set by the admin 42"
WEAK = "password"
STRONG = "a long phrase the clerk chose herself"
# click writes a hidden prompt's text, then getpass turns the echo off (discarding what
# was typed before) and writes the last space: after that space, typing is safe.
NEW_PROMPT = "new password: "
REPEAT_PROMPT = "Repeat for confirmation: "


class Terminal:
    """A command on a pseudo-terminal, read until an expected text appears."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(  # the command under test, on its own terminal
            args, stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True
        )
        os.close(slave)
        self.seen = ""
        self.cursor = 0  # where the next expect starts looking

    def expect(self, text: str, *, limit: int = 200_000) -> str:
        """Read until ``text`` appears after the last match (a state, not a time); the
        text read since that match."""
        while text not in self.seen[self.cursor :]:
            ready, _, _ = select.select([self.master], [], [], 20)
            assert ready, f"nothing more after {self.seen[-800:]!r}; waited for {text!r}"
            try:
                chunk = os.read(self.master, 4096)
            except OSError:  # the command ended: its side of the terminal is closed
                chunk = b""
            assert chunk, f"the command ended before {text!r}: {self.seen[-500:]!r}"
            self.seen += chunk.decode("utf-8", "replace")
            assert len(self.seen) < limit
        start = self.cursor
        self.cursor = self.seen.index(text, start) + len(text)
        return self.seen[start : self.cursor]

    def type(self, line: str) -> None:
        os.write(self.master, line.encode() + b"\n")

    def close(self) -> None:
        self.process.kill()
        self.process.wait()
        os.close(self.master)


def test_a_refused_new_password_is_asked_for_again_on_a_terminal(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MNVAULT_")}
    env.update(MNVAULT_DATA_DIR=str(tmp_path / "data"), MNVAULT_PASSPHRASE="pty test")
    settings = load_settings(tmp_path / "data", env=env)
    init = deployment.initialise(
        settings, organisation_name="試験株式会社", organisation_kind=OrganisationKind.COMPANY,
        organisation_code="shiken", passphrase="pty test", scrypt=ScryptParams.fast_for_tests(),
    )  # fmt: skip
    vault = deployment.open_vault(settings, "pty test")
    try:
        with vault.transaction() as session:
            clerk = access.create_user(
                session, None, home_organisation_id=init.organisation_id, login="sato",
                display_name="佐藤", password=FIRST,
            )  # fmt: skip
            clerk.must_change_password = True
            access.grant_role(
                session, None, user=clerk, organisation_id=init.organisation_id, role=Role.CLERK
            )
    finally:
        vault.close()
    env.update(MNVAULT_ORGANISATION="shiken", MNVAULT_USER="sato", MNVAULT_USER_PASSWORD=FIRST)
    terminal = Terminal([sys.executable, "-m", "mnvault.cli.main", "person", "show", "E0001"], env)
    try:
        terminal.expect(NEW_PROMPT)
        terminal.type(WEAK)
        terminal.expect(REPEAT_PROMPT)
        terminal.type(WEAK)
        terminal.expect("does not meet the requirements")
        # Asked again, not stopped: a second prompt follows the reasons.
        terminal.expect(NEW_PROMPT)
        terminal.type(STRONG)
        terminal.expect(REPEAT_PROMPT)
        terminal.type(STRONG)
        terminal.expect("password changed")
    finally:
        terminal.close()

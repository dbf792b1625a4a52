"""A running server follows a KEK rotation made by another process (the CLI).

Issue #11, "Keys in a running server": after `mnvault keys rotate` (or a disposal run)
from the CLI, a server opened before it answered every number read and every TOTP step
with 409 "KEK version N is not available" until restarted, because unwrapping never
re-read the keyring file. Here the real CLI rotates while the server keeps reading; no
read may fail, during the rotation or after it, and a second factor still verifies.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from mnvault.crypto.totp import totp_code
from mnvault.numbers import generate_my_numbers
from tests.api_support import PASSPHRASE, PASSWORD, SLIP, Api, acquire, api, bearer
from tests.cli_support import MNVAULT

__all__ = ["api"]  # the fixture, imported so that pytest uses it here


def test_reads_and_second_factors_survive_a_cli_rotation(api: Api, tmp_path: Path) -> None:
    token = api.full_session("clerk")
    numbers = list(generate_my_numbers(3, seed=311))
    people = [acquire(api, token, f"R{i}", n) for i, n in enumerate(numbers)]

    def read_all() -> list[tuple[int, str]]:
        answers = []
        for person_id in people:
            response = api.client.post(
                f"/api/v1/persons/{person_id}/number/read",
                headers=bearer(token), json={"affair": SLIP},
            )  # fmt: skip
            answers.append((response.status_code, response.json().get("my_number", "")))
        return answers

    expected = [(200, n) for n in numbers]
    assert read_all() == expected
    api.full_session("admin")  # admins give a second factor too (issue #11): enrol it
    env = {
        **os.environ,
        "MNVAULT_DATA_DIR": str(tmp_path / "data"),
        "MNVAULT_PASSPHRASE": PASSPHRASE,
        "MNVAULT_USER": f"{api.organisation_code}:admin",
        "MNVAULT_USER_PASSWORD": PASSWORD,
        # The next step's code: the enrolment above used this step's (a code works once).
        "MNVAULT_TOTP": totp_code(api.secrets["admin"], time.time() + 30),
    }
    rotation = subprocess.Popen(
        [*MNVAULT, "keys", "rotate", "--batch-size", "1"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        while rotation.poll() is None:  # reads all through the rotation, however long
            assert read_all() == expected
        out, err = rotation.communicate()
    finally:
        if rotation.poll() is None:
            rotation.kill()
            rotation.wait()
    assert rotation.returncode == 0, err
    assert "KEK versions destroyed: 1" in out
    # Every key is now under version 2 and version 1 is gone: the server, opened before
    # the rotation, must have picked up version 2 to answer at all.
    assert read_all() == expected
    # A second factor: the clerk's TOTP secret was re-wrapped under version 2 too.
    again = api.full_session("clerk")
    assert again != token

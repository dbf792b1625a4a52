"""End to end through the real `mnvault` command, as a new user would run it, plus the
leak test: no synthetic number appears in any output, log line or the database file.

The deployment's first commands (init, an administrator's first password, users, first
sign-ins) run once per process through the real command, with their checks, in
tests/support/cli.py; each test gets a copy of the data directory."""

from __future__ import annotations

import functools
import json
import sqlite3
from pathlib import Path

import pyrage
import pytest

from mnvault.vault.csvfile import write_example_csv
from tests.support.cli import (
    ADMIN_PASSWORD,
    CLERK_PASSWORD,
    MANAGER_PASSWORD,
    Deployment,
    deployment,
    full_cost_deployment,
    mnvault,
    read_all_numbers,
)

# The fixture and names other CLI tests took from here, now in tests/support/cli.py.
__all__ = [
    "ADMIN_PASSWORD",
    "CLERK_PASSWORD",
    "MANAGER_PASSWORD",
    "Deployment",
    "deployment",
    "full_cost_deployment",
    "mnvault",
    "read_all_numbers",
]


@pytest.mark.slow
def test_import_show_export_and_nothing_leaks(full_cost_deployment: Deployment, tmp_path: Path):
    deployment = full_cost_deployment
    # Each command a fresh interpreter, as a user starts it (the other CLI tests fork theirs
    # from the tests' server, tests/support/zygote.py): nothing printed at start-up leaks.
    spawned = functools.partial(mnvault, spawn=True)
    env, data = deployment.env, deployment.data
    header = json.loads((data / "keyring" / "keyring.json").read_text("utf-8"))["header"]
    assert header["kdf"]["n"] == 2**17  # as init leaves it: the production cost

    def clerk() -> dict[str, str]:
        return {**env, **deployment.code("sato")}

    people = tmp_path / "people.csv"
    write_example_csv(people, 300, seed=11)
    numbers = read_all_numbers(people)
    bad = numbers[5][:-1] + str((int(numbers[5][-1]) + 1) % 10)
    with people.open("a", encoding="utf-8") as handle:
        handle.write(f"X1,employee,誤り,{bad},my_number_card,my_number_card,,,,,\n")
    outputs: list[str] = []

    result = spawned(["import", "persons", str(people), "--affair", "withholding_slip"], clerk())
    outputs += [result.stdout, result.stderr]
    assert result.returncode == 1  # one bad line
    assert "line 302" in result.stderr and "check digit" in result.stderr
    assert "300 件取込み / imported" in result.stdout

    result = spawned(["person", "show", "E0000007"], clerk())
    outputs += [result.stdout, result.stderr]
    assert result.returncode == 0, result.stderr
    assert "************" in result.stdout

    result = spawned(
        ["person", "show", "E0000007", "--reveal", "--affair", "withholding_slip"], clerk()
    )
    assert result.returncode == 0, result.stderr
    assert numbers[6] in result.stdout  # the authorized reveal is the one place it shows

    admin_env = {**env, "MNVAULT_USER": "admin"}
    result = spawned(
        ["person", "show", "E0000007", "--reveal", "--affair", "withholding_slip"],
        {**admin_env, "MNVAULT_USER_PASSWORD": "wrong"},
    )
    outputs += [result.stdout, result.stderr]
    assert result.returncode == 1

    identity = pyrage.x25519.Identity.generate()
    out = tmp_path / "slip.csv.age"
    result = spawned(
        ["export", "request", "--affair", "withholding_slip", "--purpose", "税務署への提出",
         "--recipient", str(identity.to_public())],
        clerk(),
    )  # fmt: skip
    outputs += [result.stdout, result.stderr]
    assert result.returncode == 0, result.stderr
    request_id = result.stdout.split("requested: ")[1].split()[0]
    own = spawned(["export", "decide", request_id, "--approve"], clerk())
    outputs += [own.stdout, own.stderr]
    assert own.returncode == 1  # the requester cannot approve their own take-out
    manager = {**deployment.manager_env, **deployment.code("suzuki")}
    approved = spawned(["export", "decide", request_id, "--approve"], manager)
    outputs += [approved.stdout, approved.stderr]
    assert approved.returncode == 0, approved.stderr
    result = spawned(["export", "download", request_id, "--out", str(out)], clerk())
    outputs += [result.stdout, result.stderr]
    assert result.returncode == 0, result.stderr
    exported = pyrage.decrypt(out.read_bytes(), [identity]).decode("utf-8")
    assert exported.count("\n") == 301
    assert numbers[0] in exported
    assert numbers[0].encode() not in out.read_bytes()

    result = spawned(["number", "check", numbers[1], bad], env)
    outputs += [result.stdout, result.stderr]
    assert result.returncode == 1

    # The leak test proper: no number in what was printed (except the reveal above) nor
    # in any file of the data directory (database, WAL, keyring).
    printed = "\n".join(outputs)
    for number in [*numbers, bad]:
        assert number not in printed
    for path in data.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            for number in [*numbers, bad]:
                assert number.encode() not in blob, f"a number in plain text in {path.name}"
    with sqlite3.connect(data / "db" / "mnvault.sqlite3") as db:
        dump = "\n".join(db.iterdump())
    for number in [*numbers, bad]:
        assert number not in dump


def test_health_reports_keyring_and_database(deployment: Deployment):
    from fastapi.testclient import TestClient

    from mnvault.app import create_app
    from mnvault.config import load_settings

    data = deployment.data
    settings = load_settings(data, env={})
    with TestClient(create_app(settings)) as client:
        body = client.get("/health").json()
        assert body["keyring"] == "unsealed" and body["database"] == "ok"
        headers = client.get("/").headers
        assert headers["cache-control"] == "no-store" and headers["x-frame-options"] == "DENY"
    # Without the development passphrase file, the server starts sealed and says so.
    (data / "dev-passphrase").rename(data.parent / "moved-passphrase")
    with TestClient(create_app(load_settings(data, env={}))) as client:
        body = client.get("/health").json()
        assert body == {**body, "keyring": "sealed", "status": "degraded"}

"""`mnvault audit archive / verify-archive / prune` end to end (issue 4: retention is
configurable; archiving exports a signed, verifiable segment before anything is pruned;
pruning is itself an audited, checkpointed event; the pruned trail still verifies).
Issue #11: archive and prune need a signed-in user with the permission (an auditor; a
clerk is refused, audited) and their entries name that user."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.test_cli_flow import ADMIN_PASSWORD, Deployment, deployment, mnvault

__all__ = ["deployment"]  # the fixture, shared with the main CLI flow


@pytest.mark.slow
def test_archive_verify_offline_prune_and_verify(deployment: Deployment, tmp_path: Path) -> None:
    clerk, data = deployment.env, deployment.data
    admin = {
        **clerk,
        "MNVAULT_USER": "admin",
        "MNVAULT_USER_PASSWORD": ADMIN_PASSWORD,
        **deployment.code("admin"),
    }  # admins give a second factor too (issue #11)
    added = mnvault(["user", "add", "kansa", "--role", "auditor"], admin)
    assert added.returncode == 0, added.stderr
    env = {**clerk, "MNVAULT_USER": "kansa",
           "MNVAULT_USER_PASSWORD": added.stdout.strip().split()[-1],
           "MNVAULT_NEW_PASSWORD": "kansa keeps the trail safe"}  # fmt: skip
    assert mnvault(["audit", "activity"], env).returncode == 0  # the first password changed
    env["MNVAULT_USER_PASSWORD"] = env.pop("MNVAULT_NEW_PASSWORD")

    def run(*args: str) -> tuple[int, str]:
        result = mnvault(list(args), env)
        return result.returncode, result.stdout + result.stderr

    assert run("audit", "checkpoint")[0] == 0
    archived = tmp_path / "archive.jsonl"
    # Not without a user, nor by a clerk: the trail is the auditor's to take out.
    nobody = {k: v for k, v in env.items() if k != "MNVAULT_USER"}
    unsigned = mnvault(["audit", "archive", "--out", str(archived)], nobody)
    assert unsigned.returncode == 1 and "--user" in unsigned.stderr
    denied = mnvault(
        ["audit", "archive", "--out", str(archived), "--before", "2100-01-01"],
        {**clerk, **deployment.code("sato")},
    )
    assert denied.returncode == 1 and not archived.exists()
    code, out = run("audit", "archive", "--out", str(archived), "--before", "2100-01-01")
    assert code == 0, out
    assert "archived entries 1 to" in out
    header = json.loads(archived.read_text("utf-8").splitlines()[0])
    key = mnvault(["audit", "public-key"], env).stdout.strip()

    # Offline, with nothing but the public key.
    code, out = run("audit", "verify-archive", str(archived), "--public-key", key)
    assert code == 0, out
    assert f"entries 1 to {header['last_seq']}" in out
    altered = tmp_path / "altered.jsonl"
    altered.write_text(
        archived.read_text("utf-8").replace('"outcome": "ok"', '"outcome": "denied"', 1), "utf-8"
    )
    code, out = run("audit", "verify-archive", str(altered), "--public-key", key)
    assert code == 1 and "does not verify" in out

    # The default retention (seven years) keeps these entries; --retention-days overrides.
    now = datetime.now(UTC).isoformat()
    code, out = run("audit", "prune", "--archive", str(archived), "--before", now)
    assert code == 1 and "retention period (2557 days)" in out
    code, out = run("audit", "prune", "--archive", str(archived))  # before: now - 7 years
    assert code == 1 and "holds entries from the given date on" in out
    code, out = run(
        "audit", "prune", "--archive", str(altered), "--before", now, "--retention-days", "0"
    )
    assert code == 1 and "does not verify" in out
    code, out = run(
        "audit", "prune", "--archive", str(archived), "--before", now, "--retention-days", "0"
    )
    assert code == 0, out
    assert f"pruned entries 1 to {header['last_seq']}" in out
    with sqlite3.connect(data / "db" / "mnvault.sqlite3") as db:
        actors = dict(
            db.execute(
                "SELECT action, hex(actor_id) FROM audit_entries WHERE action IN "
                "('audit:archive', 'audit:prune', 'access:denied') ORDER BY seq"
            ).fetchall()
        )
        (kansa,) = db.execute("SELECT hex(id) FROM users WHERE login = 'kansa'").fetchone()
        (sato,) = db.execute("SELECT hex(id) FROM users WHERE login = 'sato'").fetchone()
    assert actors["audit:archive"] == actors["audit:prune"] == kansa
    assert actors["access:denied"] == sato  # the clerk's archive, refused and recorded

    code, out = run("audit", "verify")
    assert code == 0, out
    assert f"entries up to {header['last_seq']} archived and pruned" in out

    # A deletion that is not a recorded prune is still caught.
    database = data / "db" / "mnvault.sqlite3"
    with sqlite3.connect(database) as db:
        (low,) = db.execute("SELECT min(seq) FROM audit_entries").fetchone()
        db.execute("DELETE FROM audit_entries WHERE seq = ?", (low,))
    code, out = run("audit", "verify")
    assert code == 1
    assert f"entry {low} is missing" in out or f"entries 1 to {low}" in out, out

"""`mnvault audit verify` end to end: exit 0 on an intact trail, exit 1 naming the entry
when the database was edited, restored from a backup, or an export was altered."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from mnvault.config import load_settings
from mnvault.vault.csvfile import write_example_csv
from tests.test_cli_flow import Deployment, deployment, mnvault, read_all_numbers

__all__ = ["deployment"]  # the fixture, shared with the main CLI flow


def test_verify_catches_edits_restores_and_altered_exports(
    deployment: Deployment, tmp_path: Path
) -> None:
    env, data = deployment.env, deployment.data
    people = tmp_path / "people.csv"
    write_example_csv(people, 30, seed=5)
    numbers = read_all_numbers(people)
    outputs: list[str] = []

    def run(*args: str) -> tuple[int, str]:
        # The clerk's second factor, for the commands that sign in (audit verify,
        # checkpoint and export are the operator's and ask for none).
        signs_in = args[0] in {"import", "person"}
        result = mnvault(list(args), {**env, **deployment.code("sato")} if signs_in else env)
        outputs.extend([result.stdout, result.stderr])
        return result.returncode, result.stdout + result.stderr

    assert run("import", "persons", str(people), "--affair", "withholding_slip")[0] == 0
    assert run("audit", "checkpoint")[0] == 0
    code, out = run("audit", "verify")
    assert code == 0, out
    assert "intact" in out and "改ざんされていません" in out

    database = data / "db" / "mnvault.sqlite3"
    backup = tmp_path / "backup.sqlite3"
    shutil.copy(database, backup)

    # Offline: an export checks with nothing but the public key.
    exported = tmp_path / "trail.jsonl"
    assert run("audit", "export", "--out", str(exported))[0] == 0
    witness = load_settings(env=env).audit_witness_path
    assert not witness.is_relative_to(data)  # issue 11: the witness is outside the data dir
    key = json.loads(witness.read_text("utf-8").splitlines()[0])["public_key"]
    assert run("audit", "verify", "--trail", str(exported), "--public-key", key)[0] == 0
    lines = exported.read_text("utf-8").splitlines()
    record = json.loads(lines[7])
    record["entry"]["outcome"] = "denied"
    lines[7] = json.dumps(record, ensure_ascii=False)
    altered = tmp_path / "altered.jsonl"
    altered.write_text("\n".join(lines) + "\n", "utf-8")
    code, out = run("audit", "verify", "--trail", str(altered), "--public-key", key)
    assert code == 1
    assert f"entry {record['entry']['seq']} was changed" in out

    # Someone edits an entry in the database file.
    with sqlite3.connect(database) as db:
        db.execute("UPDATE audit_entries SET action = 'person:read' WHERE seq = 9")
    code, out = run("audit", "verify")
    assert code == 1
    assert "entry 9 was changed" in out and "9 番が改変" in out

    # Someone restores an older database after more work was signed and witnessed.
    shutil.copy(backup, database)
    assert run("person", "show", "E0000003")[0] == 0
    assert run("audit", "checkpoint")[0] == 0
    shutil.copy(backup, database)
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    code, out = run("audit", "verify")
    assert code == 1
    assert "witness" in out and "証人" in out

    for output in outputs:
        for number in numbers:
            assert number not in output

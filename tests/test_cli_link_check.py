"""Issue #13, 紐付けの確認 through the real CLI: with the setting on (事業者編 別添1 2B 手法の
例示), an imported number awaits a second person's check — `person show` says so, the importing
clerk cannot check it, the manager can (`person link-check`), and only then may it be
provided. No number is printed."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from mnvault.vault.csvfile import write_example_csv
from tests.test_cli_flow import Deployment, deployment, read_all_numbers

__all__ = ["deployment"]

SLIP = "withholding_slip"


def _require_the_check(data: Path) -> None:
    # As the organisation settings screen stores it (orgs/linking.py).
    with closing(sqlite3.connect(data / "db" / "mnvault.sqlite3")) as db, db:
        (org_id,) = db.execute("SELECT id FROM organisations").fetchone()
        db.execute(
            "INSERT INTO organisation_settings (organisation_id, linking_check) VALUES (?, 1)",
            (org_id,),
        )


def test_an_imported_number_waits_for_the_managers_check(
    deployment: Deployment, tmp_path: Path
) -> None:
    _require_the_check(deployment.data)
    clerk, boss = deployment.clerk, deployment.manager
    people = tmp_path / "people.csv"
    write_example_csv(people, 1, seed=77)
    numbers = read_all_numbers(people)
    outputs = []
    code, out = clerk("import", "persons", str(people), "--affair", SLIP)
    outputs.append(out)
    assert code == 0, out
    code, out = clerk("person", "show", "E0000001")
    outputs.append(out)
    assert "確認待ち" in out and "awaiting a second check" in out
    code, out = clerk("person", "link-check", "E0000001", "--affair", SLIP)
    outputs.append(out)
    assert code == 1 and "取得・訂正した者以外" in out
    code, out = boss("user", "assign", "suzuki", "--affair", SLIP)
    outputs.append(out)
    assert code == 0, out
    code, out = boss("person", "link-check", "E0000001", "--affair", SLIP)
    outputs.append(out)
    assert code == 0 and "link checked" in out, out
    code, out = clerk("person", "show", "E0000001")
    outputs.append(out)
    assert "確認待ち" not in out
    assert not any(number in text for number in numbers for text in outputs)

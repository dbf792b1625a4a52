"""`mnvault person withdraw-affair` through the real CLI (issue #5; 事業者編 第4-3-(3)B):
the manager withdraws a mistaken affair; the clerk is refused; the last affair is refused
with a bilingual error pointing to disposal. No number is printed."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from mnvault.vault.csvfile import write_example_csv
from tests.test_cli_flow import Deployment, deployment, read_all_numbers

__all__ = ["deployment"]  # the fixture, shared with the main CLI flow

DECL = "dependent_deduction_declaration"


def add_affair_behind_the_back(data: Path, external_ref: str, code: str) -> None:
    # The CLI clerk is assigned to one affair only and the CLI cannot assign another;
    # the mistaken second affair is set up directly, as an earlier acquisition left it.
    with closing(sqlite3.connect(data / "db" / "mnvault.sqlite3")) as db, db:
        db.execute(
            "INSERT INTO number_record_affairs (person_id, affair_id)"
            " SELECT p.id, a.id FROM persons p, affairs a"
            " WHERE p.external_ref = ? AND a.code = ? AND a.organisation_id IS NULL",
            (external_ref, code),
        )


def test_withdraw_a_mistaken_affair(deployment: Deployment, tmp_path: Path) -> None:
    clerk, boss = deployment.clerk, deployment.manager

    people = tmp_path / "people.csv"
    write_example_csv(people, 1, seed=31)
    numbers = read_all_numbers(people)
    code, out = clerk("import", "persons", str(people), "--affair", "withholding_slip")
    assert code == 0, out
    add_affair_behind_the_back(deployment.data, "E0000001", DECL)
    outputs = []

    withdraw = ("person", "withdraw-affair", "E0000001", "--affair", DECL, "--reason", "対象外")
    code, out = clerk(*withdraw)
    outputs.append(out)
    assert code == 1 and "error" in out  # a clerk withdraws nothing

    code, out = boss(*withdraw)
    outputs.append(out)
    assert code == 0, out
    assert f"withdrawn: {DECL}" in out and "acquired for: withholding_slip" in out

    code, out = boss(*withdraw[:3], "--affair", "withholding_slip", "--reason", "対象外")
    outputs.append(out)
    assert code == 1
    assert "最後の事務" in out and "last affair" in out and "dispose" in out

    assert not any(number in out for number in numbers for out in outputs)

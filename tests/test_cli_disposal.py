"""`mnvault dispose …` end to end through the real CLI (issue 5): a retirement recorded by
the clerk makes a number due, the manager sees it and plans the batch, the planner's own
confirmation is refused (another manager confirms: 別添1 2B, 2C a, 2E d), the batch runs,
and refusals come back as bilingual errors with exit code 1. No number is printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from mnvault.vault.csvfile import write_example_csv
from tests.cli_support import first_sign_in
from tests.test_cli_flow import ADMIN_PASSWORD, Deployment, deployment, mnvault, read_all_numbers

__all__ = ["deployment"]  # the fixture, shared with the main CLI flow


@pytest.mark.slow
def test_retire_see_due_plan_confirm_run(deployment: Deployment, tmp_path: Path) -> None:
    env = deployment.env
    clerk, boss = deployment.clerk, deployment.manager

    people = tmp_path / "people.csv"
    write_example_csv(people, 3, seed=21)
    numbers = read_all_numbers(people)
    outputs: list[str] = []
    code, out = clerk("import", "persons", str(people), "--affair", "withholding_slip")
    assert code == 0, out

    code, out = clerk("dispose", "end", "E0000002", "--on", "2010-03-31")
    outputs.append(out)
    assert code == 0, out
    assert "recorded: E0000002 retirement 2010-03-31" in out
    code, out = clerk("dispose", "end", "E0000002", "--on", "31/03/2010")
    assert code == 1 and "error" in out  # a bad date: refused before anything is written

    code, out = boss("dispose", "due")
    outputs.append(out)
    assert code == 0, out
    assert "E0000002" in out and "E0000001" not in out
    assert "total: 1" in out

    code, out = boss("dispose", "rules")
    outputs.append(out)
    assert code == 0, out
    assert "withholding_slip" in out

    code, out = clerk("dispose", "--due", "--reason", "退職後の保存期間経過")
    assert code == 1 and "エラー / error" in out  # a clerk plans no disposal

    code, out = boss(
        "dispose", "--due", "--reason", "退職後の保存期間経過", "--confirm", "--statement", "確認"
    )
    assert code == 1 and "別の責任者" in out and "another manager" in out  # a company
    code, out = boss("dispose", "--due", "--reason", "退職後の保存期間経過")
    outputs.append(out)
    assert code == 0 and "awaiting confirmation by a manager other than the planner" in out
    batch_id = out.split("mnvault dispose confirm ")[-1].split()[0]
    code, out = boss("dispose", "confirm", batch_id)
    assert code == 1 and "別の責任者" in out and "another manager" in out

    admin = {**env, "MNVAULT_USER": "admin", "MNVAULT_USER_PASSWORD": ADMIN_PASSWORD,
             **deployment.code("admin")}  # fmt: skip
    added = mnvault(["user", "add", "tanaka", "--role", "manager"], admin)
    assert added.returncode == 0, added.stderr
    second = {**env, "MNVAULT_USER": "tanaka",
              "MNVAULT_USER_PASSWORD": added.stdout.strip().split()[-1]}  # fmt: skip
    second, secret = first_sign_in(
        ["dispose", "due"], second, deployment.data, new_password="tanaka checks disposals"
    )
    deployment.secrets["tanaka"] = secret
    result = mnvault(["dispose", "confirm", batch_id], {**second, **deployment.code("tanaka")})
    outputs.append(result.stdout + result.stderr)
    assert result.returncode == 0, result.stderr
    assert "confirmed" in result.stdout
    code, out = boss("dispose", "run", batch_id)
    outputs.append(out)
    assert code == 0 and "completed" in out

    code, out = boss("dispose", "list")
    outputs.append(out)
    assert code == 0, out

    code, out = boss("dispose", "due")
    assert code == 0 and "total: 0" in out

    code, out = clerk("person", "show", "E0000002", "--reveal", "--affair", "withholding_slip")
    assert code == 1 and "no number is held" in out  # the number is gone
    code, out = clerk("person", "show", "E0000001", "--reveal", "--affair", "withholding_slip")
    assert code == 0 and numbers[0] in out  # the others still decrypt after the rotation
    assert not any(n in text for n in numbers for text in outputs)

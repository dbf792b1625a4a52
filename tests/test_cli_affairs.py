"""`mnvault affair list|define` and `mnvault person add-affair` through the real CLI
(issue #13, Affairs items 2-4): the manager defines an affair and adds one to a number
held, with the notice; a clerk is refused both; a company is not offered 利用事務. No
number is printed."""

from __future__ import annotations

from pathlib import Path

from mnvault.vault.csvfile import write_example_csv
from tests.test_cli_flow import Deployment, deployment, read_all_numbers

__all__ = ["deployment"]  # the fixture, shared with the main CLI flow

HEALTH = "health_pension_insurance"


def test_affairs_through_the_cli(deployment: Deployment, tmp_path: Path) -> None:
    clerk, boss = deployment.clerk, deployment.manager
    people = tmp_path / "people.csv"
    write_example_csv(people, 1, seed=33)
    numbers = read_all_numbers(people)
    code, out = clerk("import", "persons", str(people), "--affair", "withholding_slip")
    assert code == 0, out
    outputs = []

    code, out = boss("affair", "list")
    outputs.append(out)
    assert code == 0, out
    assert "withholding_slip" in out and "retirement_income_declaration" in out
    assert "resident_tax_assessment" not in out  # 番号法第9条第1項: not a company's

    define = (
        "affair",
        "define",
        "company_housing",
        "--kind",
        "related",
        "--name-ja",
        "社宅管理",
        "--name-en",
        "Company housing",
        "--legal-basis",
        "番号法第9条第4項; 地方税法",
        "--person-kind",
        "employee",
    )
    code, out = clerk(*define)
    outputs.append(out)
    assert code == 1 and "error" in out
    code, out = boss(*define)
    outputs.append(out)
    assert code == 0 and "defined: company_housing" in out, out

    code, out = boss(
        "affair",
        "define",
        "city_aid",
        "--kind",
        "use",
        "--name-ja",
        "助成",
        "--name-en",
        "Aid",
        "--legal-basis",
        "番号法第9条第2項",
        "--person-kind",
        "resident",
    )
    outputs.append(out)
    assert code == 1 and "利用事務" in out

    add = (
        "person",
        "add-affair",
        "E0000001",
        "--affair",
        HEALTH,
        "--notified-on",
        "2026-04-01",
        "--method",
        "intranet",
    )
    code, out = clerk(*add)
    outputs.append(out)
    assert code == 1 and "error" in out
    code, out = boss(*add)
    outputs.append(out)
    assert code == 0, out
    assert f"added: {HEALTH}" in out and f"acquired for: {HEALTH}, withholding_slip" in out

    assert not any(number in out for number in numbers for out in outputs)

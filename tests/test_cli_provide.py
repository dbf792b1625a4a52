"""Issue #13 (Provision, 番号法第19条) through the real CLI: `mnvault provide items` lists
the table's items open to the organisation; `mnvault provide record` refuses a free-text
basis with the bilingual error and records an item. Source: mynumber-act.txt 第十九条."""

from __future__ import annotations

from pathlib import Path

import pyrage

from mnvault.vault.csvfile import write_example_csv
from tests.test_cli_flow import Deployment, deployment

__all__ = ["deployment"]  # the fixture, shared with the main CLI flow

RECORD = (
    "provide", "record", "E0000001", "--affair", "withholding_slip",
    "--recipient-kind", "other", "--recipient-name", "乙株式会社", "--method", "paper",
)  # fmt: skip


def test_provide_on_the_command_line(deployment: Deployment, tmp_path: Path) -> None:
    clerk = deployment.clerk
    people = tmp_path / "people.csv"
    write_example_csv(people, 1, seed=41)
    code, out = clerk("import", "persons", str(people), "--affair", "withholding_slip")
    assert code == 0, out
    code, out = clerk("provide", "items")
    assert code == 0, out
    assert "番号法第19条第15号" in out and "番号法第19条第12号" not in out
    for basis in ("番号法第19条第99号", "番号法第19条（社内で共有）"):
        code, out = clerk(*RECORD, "--basis", basis)
        assert code == 1
        assert "番号法第19条の各号" in out and "Article 19" in out
    code, out = clerk(*RECORD, "--basis", "番号法第19条第16号", "--item16-condition", "consent")
    assert code == 0, out
    assert "番号法第19条第16号" in out
    # A take-out to a group company is a provision: a free-text basis is refused.
    key = str(pyrage.x25519.Identity.generate().to_public())
    take_out = ("export", "request", "--affair", "withholding_slip", "--purpose", "委託",
                "--recipient", key, "--outside-recipient", "甲グループ株式会社")  # fmt: skip
    code, out = clerk(*take_out, "--outside-basis", "番号法第19条（グループ内で共有）")
    assert code == 1 and "Article 19" in out
    code, out = clerk(*take_out, "--outside-basis", "番号法第19条第6号")
    assert code == 0, out

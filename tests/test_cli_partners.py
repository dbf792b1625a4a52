"""Issue #16 from the command line: `mnvault partner` registers a 委託先, records its selection
and contract, lists it, ends it; the places abroad and the SPI file register print; init
recorded the storage location (default: Japan). A clerk is refused."""

from __future__ import annotations

import json

from mnvault.partners.checklists import REQUIRED_CLAUSES, SELECTION
from tests.test_cli_flow import Deployment, deployment

__all__ = ["deployment"]


def test_partner_commands(deployment: Deployment) -> None:
    code, out = deployment.manager("partner", "places")
    assert code == 0, out
    assert "JP" in out  # init recorded where the data is kept

    code, out = deployment.manager(
        "partner", "register", "--name", "給与計算受託", "--affair", "withholding_slip",
        "--code", "kou-corp",
    )  # fmt: skip
    assert code == 0, out
    partner_id = next(line.split("\t")[0] for line in out.splitlines() if "給与計算受託" in line)
    checked = [a for key, _, _ in SELECTION for a in ("--checked", key)]
    code, out = deployment.manager("partner", "select", partner_id, *checked)
    assert code == 0, out
    clauses = [a for key, _, _ in REQUIRED_CLAUSES[1:] for a in ("--clause", key)]
    code, out = deployment.manager(
        "partner", "contract", partner_id, *clauses, "--start", "2026-01-01"
    )
    assert code == 1 and "秘密保持義務" in out, out  # a required clause is missing
    clauses = [a for key, _, _ in REQUIRED_CLAUSES for a in ("--clause", key)]
    code, out = deployment.manager(
        "partner", "contract", partner_id, *clauses, "--start", "2026-01-01"
    )
    assert code == 0 and "契約中" in out, out
    code, out = deployment.manager("partner", "end", partner_id, "--reason", "満了")
    assert code == 0 and "終了" in out, out
    code, out = deployment.manager("partner", "list")
    assert code == 0 and "返却・廃棄の確認" in out, out

    code, out = deployment.manager("partner", "spi-files", "--format", "json")
    assert code == 0, out
    json.JSONDecoder().raw_decode(out[out.index("[") :])

    code, out = deployment.clerk("partner", "list")
    assert code == 1, out

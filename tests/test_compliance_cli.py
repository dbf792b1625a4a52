"""Issue #14: `mnvault compliance status [--format table|json|xlsx]` and `mnvault compliance
due [--within DAYS]` as the manager; a clerk is refused."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from tests.test_cli_flow import Deployment, deployment

__all__ = ["deployment"]  # the fixture, shared with the main CLI flow


def test_status_due_and_formats(deployment: Deployment, tmp_path: Path) -> None:
    code, out = deployment.manager("compliance", "status")
    assert code == 0, out
    assert "J-2G" in out and "未対応/open" in out
    assert "2F 技術的安全管理措置" in out

    code, out = deployment.manager("compliance", "status", "--format", "json")
    assert code == 0, out
    body, _end = json.JSONDecoder().raw_decode(out[out.index("{") :])  # log lines follow
    assert {m["id"]: m["state"] for m in body["measures"]}["J-2Fb"] == "met_by_system"

    book = tmp_path / "compliance.xlsx"
    code, out = deployment.manager("compliance", "status", "--format", "xlsx", "--out", str(book))
    assert code == 0, out
    sheets = load_workbook(book, read_only=True).sheetnames
    assert sheets[0] == "概要 summary" and "2F" in sheets

    code, out = deployment.manager("compliance", "due", "--within", "30")
    assert code == 0, out
    assert "J-2Ed" not in out  # nothing is past its disposal date in a fresh deployment

    code, out = deployment.manager("compliance", "evidence-pack", "--out", str(tmp_path / "pack"))
    assert code == 0, out
    assert sorted(p.name for p in (tmp_path / "pack").iterdir()) == [
        "compliance.pdf", "compliance.xlsx", "spi-files.csv", "trail-statement.json",
    ]  # fmt: skip
    statement = json.loads((tmp_path / "pack" / "trail-statement.json").read_text("utf-8"))
    assert statement["verification"]["ok"] is True

    code, out = deployment.clerk("compliance", "status")
    assert code == 1, out

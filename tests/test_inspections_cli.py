"""Issue #15: `mnvault inspection …` and `mnvault training …` as the manager — the checklist,
an inspection from start to a closed corrective action, the schedules, attendance imported
from a cp932 CSV, who is due, a pledge, the registers as Excel; a clerk is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.test_cli_flow import Deployment, deployment

__all__ = ["deployment"]


@pytest.mark.slow
def test_inspection_and_training_commands(deployment: Deployment, tmp_path: Path) -> None:
    code, out = deployment.manager("inspection", "checklist")
    assert code == 0 and "J-2Ce" in out, out
    code, out = deployment.manager(
        "inspection", "start", "--kind", "self_inspection", "--title", "自己点検", "--on",
        "2026-04-10",
    )  # fmt: skip
    assert code == 0, out
    inspection_id = re.findall(r"[0-9a-f-]{36}", out)[-1]
    code, out = deployment.manager("inspection", "show", inspection_id)
    assert code == 0, out
    items = re.findall(r"^([0-9a-f-]{36})\t(J-\S+)\tpending", out, re.MULTILINE)
    first = items[0][0]
    code, out = deployment.manager(
        "inspection", "record", first, "--result", "finding", "--note", "記入漏れ"
    )
    assert code == 0, out
    code, out = deployment.manager(
        "inspection", "action", first, "--title", "様式の見直し", "--owner", "suzuki",
        "--due", "2026-05-31",
    )  # fmt: skip
    assert code == 0, out
    action_id = re.findall(r"[0-9a-f-]{36}", out)[-1]
    code, out = deployment.manager("inspection", "close", action_id, "--note", "改訂した")
    assert code == 0, out
    code, out = deployment.manager("inspection", "actions")
    assert "様式の見直し" in out and "closed" in out, out
    code, out = deployment.manager("inspection", "schedule")
    assert code == 0 and "self_inspection" in out, out
    book = tmp_path / "inspections.xlsx"
    code, out = deployment.manager("inspection", "export", "--out", str(book))
    assert code == 0 and load_workbook(book).sheetnames[1] == "是正措置 corrective actions", out
    code, out = deployment.clerk("inspection", "checklist")
    assert code == 1, out

    code, out = deployment.manager("training", "plan", "--title", "番号事務研修", "--year", "2026")
    assert code == 0, out
    plan_id = re.findall(r"[0-9a-f-]{36}", out)[-1]
    code, out = deployment.manager(
        "training", "session", "--plan", plan_id, "--on", "2026-04-10", "--topic", "適正な取扱い"
    )
    assert code == 0, out
    session_id = re.findall(r"[0-9a-f-]{36}", out)[-1]
    attendance = tmp_path / "受講者.csv"
    attendance.write_bytes("利用者ID\r\nsato\r\n".encode("cp932"))
    code, out = deployment.manager("training", "import-attendance", session_id, str(attendance))
    assert code == 0 and "imported: 1" in out, out
    attendance.write_bytes(b"login\r\nsato\r\nnobody\r\n")
    code, out = deployment.manager("training", "import-attendance", session_id, str(attendance))
    assert code == 1 and "3行目" in out, out
    code, out = deployment.manager("training", "due")
    assert code == 0 and "ありません / none" in out, out  # sato, the one clerk, attended
    code, out = deployment.manager(
        "training", "pledge", "sato", "--kind", "pledge", "--signed-on", "2026-04-01"
    )
    assert code == 0, out
    code, out = deployment.manager("training", "pledges")
    assert "\tpledge\tscreen\t2026-04-01" in out and "no pledge" not in out, out
    code, out = deployment.manager("training", "clerk", "sato")
    assert code == 0 and "withholding_slip" in out, out
    book = tmp_path / "training.xlsx"
    code, out = deployment.manager("training", "export", "--out", str(book))
    assert code == 0 and "誓約書 pledges" in load_workbook(book).sheetnames, out

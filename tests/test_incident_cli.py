"""Issue #17: `mnvault incident open|show|report` as the manager on a real deployment; a clerk
is refused."""

from __future__ import annotations

import json
from pathlib import Path

from tests.test_cli_flow import Deployment, deployment

__all__ = ["deployment"]  # the fixture, shared with the main CLI flow


def test_open_show_and_report(deployment: Deployment, tmp_path: Path) -> None:
    code, out = deployment.manager(
        "incident", "open", "--title", "源泉徴収票の誤送付", "--event", "leak",
        "--aware-on", "2026-12-01", "--unit", "人事部", "--persons-max", "150",
        "--from", "analysis_finding:bulk_export:2026-12-01",
    )  # fmt: skip
    assert code == 0, out
    incident_id = next(line for line in out.splitlines() if line.count("-") == 4).strip()

    code, out = deployment.manager("incident", "show", incident_id)
    assert code == 0, out
    assert "確報期限 / final report due: 2027-01-04" in out

    code, out = deployment.manager("incident", "report", incident_id, "--kind", "final")
    assert code == 0, out
    body, _end = json.JSONDecoder().raw_decode(out[out.index("{") :])
    assert body["version"] == 1 and body["sections"][0][0] == "(1) 概要"

    pdf = tmp_path / "final.pdf"
    code, out = deployment.manager(
        "incident", "report", incident_id, "--kind", "final", "--format", "pdf", "--out", str(pdf)
    )
    assert code == 0, out
    assert pdf.read_bytes().startswith(b"%PDF") and "version 2" in out

    code, out = deployment.clerk("incident", "show", incident_id)
    assert code == 1, out

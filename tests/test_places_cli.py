"""Issue #16 on the command line: `mnvault area add/import/list/check` and `mnvault device
add/takeout/approve/return/dispose/export` as the manager sato's colleague suzuki; the asker
cannot approve their own take-out; a bad entry log names its lines."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_cli_flow import Deployment, deployment

__all__ = ["deployment"]


def test_area_and_device_commands(deployment: Deployment, tmp_path: Path) -> None:
    code, out = deployment.manager(
        "area", "add", "--name", "給与課", "--kind", "handling", "--location", "本社3階",
        "--measure", "entry_control", "--measure", "screening", "--network", "10.0.3.0/24",
    )  # fmt: skip
    assert code == 0, out
    log = tmp_path / "gate.csv"
    log.write_bytes(
        "日時,社員コード,扉,入退\n2026/11/10 09:00:00,sato,3F,入室\n2026/11/10 ??,sato,3F,退室\n"
        .encode("cp932")
    )  # fmt: skip
    code, out = deployment.manager("area", "import", str(log), "--area", "給与課",
                                   "--mapping", "generic_ja")  # fmt: skip
    assert code == 1 and "3行目" in out and "line 3" in out, out
    log.write_bytes("日時,社員コード,扉,入退\n2026/11/10 09:00:00,sato,3F,入室\n".encode("cp932"))
    code, out = deployment.manager("area", "import", str(log), "--area", "給与課",
                                   "--mapping", "generic_ja")  # fmt: skip
    assert code == 0 and "1行" in out, out
    code, out = deployment.clerk("area", "list")
    assert code == 0 and "給与課" in out and "10.0.3.0/24" in out, out

    code, out = deployment.manager(
        "device", "add", "--kind", "usb", "--label", "USB-07", "--owner", "sato",
        "--encryption", "full_disk",
    )  # fmt: skip
    assert code == 0, out
    code, out = deployment.manager(
        "device", "takeout", "USB-07", "--purpose", "提出", "--to", "税務署",
        "--safeguard", "encrypted",
    )  # fmt: skip
    assert code == 0, out
    takeout = re.search(r"asked: (\S+)", out).group(1)  # type: ignore[union-attr]
    code, out = deployment.manager("device", "approve", takeout)
    assert code == 1 and "申請者本人は承認できません" in out, out
    code, out = deployment.manager("device", "refuse", takeout)
    assert code == 1, out  # refusing one's own is deciding it too
    code, out = deployment.clerk(
        "device", "takeout", "USB-07", "--purpose", "提出", "--to", "税務署",
        "--safeguard", "sealed",
    )  # fmt: skip
    assert code == 1 and "already open" in out, out  # the manager's is still open

    code, out = deployment.manager(
        "device", "dispose", "USB-07", "--method", "physical_destruction", "--on", "2026-11-10",
        "--by", "suzuki",
    )  # fmt: skip
    assert code == 0, out
    sheet = tmp_path / "places.csv"
    code, out = deployment.manager("device", "export", "--format", "csv", "--out", str(sheet))
    assert code == 0, out
    assert "USB-07" in sheet.read_text("utf-8-sig") and "廃棄済み" in sheet.read_text("utf-8-sig")

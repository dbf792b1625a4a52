"""Issue #14, the evidence pack: PDF (Japanese text, one section per measure), Excel workbook (a
sheet per group), SPI file register and the trail statement (latest signed checkpoint as a
witness line + a verification at that moment); the build is an audit entry; no number appears in
the PDF text or the workbook."""

from __future__ import annotations

import io
import random
import subprocess
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from mnvault.access.context import Context
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditEntry
from mnvault.compliance import pack
from mnvault.numbers import generate_my_number
from tests.api_support import Api, acquire, api

__all__ = ["api"]


def test_pack_holds_no_number_and_is_audited(api: Api, tmp_path: Path) -> None:
    numbers = [generate_my_number(random.Random(seed)) for seed in (5, 6)]
    clerk = api.full_session("clerk")
    for i, number in enumerate(numbers):
        acquire(api, clerk, f"E{i}", number)
    manager = Context(actor_id=api.users["manager"], organisation_id=api.organisation_id)
    with api.vault.transaction() as session:
        built = pack.build(
            session, manager, engine=api.vault.engine,
            public_key=api.vault.keyring.public_signing_key(),
            witness_path=api.vault.settings.audit_witness_path,
        )  # fmt: skip
    files = pack.write(built, tmp_path / "pack")
    assert {p.name for p in files} == {
        "compliance.pdf", "compliance.xlsx", "spi-files.csv", "trail-statement.json",
    }  # fmt: skip
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-enc", "UTF-8", str(tmp_path / "pack" / "compliance.pdf"), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert "安全管理措置の状況" in text and "J-2Fb" in text and "組織的安全管理措置" in text
    book = load_workbook(io.BytesIO(built.xlsx), read_only=True)
    cells = " ".join(
        str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
        for value in row if value is not None
    )  # fmt: skip
    assert "J-2G" in cells and "2F" in book.sheetnames
    for number in numbers:
        assert number not in text and number not in cells
        assert number not in built.spi_files_csv.decode("utf-8-sig")
        assert number not in str(built.statement)
    assert built.statement["verification"]["ok"] is True
    with api.vault.transaction() as session:
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.action == str(AuditAction.COMPLIANCE_EVIDENCE_PACK))
        ).all()
        assert len(entries) == 1 and entries[0].actor_id == api.users["manager"]

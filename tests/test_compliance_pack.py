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


def test_the_latest_analysis_report_is_in_the_pack_of_one_who_may_read_the_trail(
    api: Api, tmp_path: Path
) -> None:
    """Issue #14, the evidence pack: "the latest analysis report" (別添1 2C b/2C e) is a file of
    the pack and the statement names it; the report names accounts and persons, so a builder
    without audit:read (the manager) gets the pack without it and the statement says why."""
    from datetime import date, timedelta

    from mnvault.audit.reports import stored

    number = generate_my_number(random.Random(8))
    acquire(api, api.full_session("clerk"), "E9", number)
    auditor = Context(actor_id=api.users["auditor"], organisation_id=api.organisation_id)
    manager = Context(actor_id=api.users["manager"], organisation_id=api.organisation_id)
    root = tmp_path / "data"
    today = date.today()
    with api.vault.transaction() as session:
        older = stored.generate(session, auditor, root=root, since=today - timedelta(days=60),
                                until=today - timedelta(days=31))  # fmt: skip
    with api.vault.transaction() as session:
        latest = stored.generate(session, auditor, root=root, since=today - timedelta(days=30),
                                 until=today)  # fmt: skip
    assert latest > older

    def build(context: Context) -> pack.Pack:
        with api.vault.transaction() as session:
            return pack.build(
                session, context, engine=api.vault.engine,
                public_key=api.vault.keyring.public_signing_key(),
                witness_path=api.vault.settings.audit_witness_path, reports_root=root,
            )  # fmt: skip

    built = build(auditor)
    files = pack.write(built, tmp_path / "pack")
    assert f"analysis-report-{latest}.pdf" in {p.name for p in files}
    assert built.statement["analysis_report"]["included"] is True
    assert built.statement["analysis_report"]["entry_seq"] == latest
    report_pdf = tmp_path / "pack" / f"analysis-report-{latest}.pdf"
    text = subprocess.run(
        ["/usr/bin/pdftotext", "-enc", "UTF-8", str(report_pdf), "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    assert text.strip() and number not in text

    without = build(manager)
    assert without.analysis is None
    assert not any(name.startswith("analysis-report") for name in pack.files_of(without))
    assert without.statement["analysis_report"] == {
        "included": False, "reason": "the builder may not read the trail",
    }  # fmt: skip

"""The evidence pack: what an internal audit or a PPC 立入検査 asks for, for one organisation at
one moment — a PDF (Japanese fonts, contents, one section per measure), an Excel workbook (one
sheet per group), the SPI file register (CSV), the latest periodic analysis report of the trail
(別添1 2C b/2C e; when the one building the pack may read the trail) and a statement of the
audit trail (the latest signed checkpoint as a witness line, verifiable offline with the public
key, and the result of verifying the whole trail then). Building it is itself an audit entry.
No number appears in it.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from mnvault import local_time
from mnvault.access.context import Context
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, decide, organisation_resource
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.audit.models import AuditCheckpoint
from mnvault.audit.period import zone_of
from mnvault.audit.reports import stored
from mnvault.audit.statement import Checkpoint
from mnvault.audit.verification import verify as audit_verify
from mnvault.compliance import services as compliance
from mnvault.compliance.catalogue import GROUPS
from mnvault.compliance.shapes import to_xlsx
from mnvault.compliance.state import STATE_EN, STATE_JA
from mnvault.vault.models import SpiFile


@dataclass(frozen=True)
class Pack:
    report: compliance.Report
    pdf: bytes
    xlsx: bytes
    spi_files_csv: bytes
    statement: dict[str, Any]
    analysis: Analysis | None = None


def trail_statement(
    session: Session,
    engine: Engine,
    public_key: bytes,
    witness_path: Path | None,
    at: datetime,
    *,
    processes: int | None = 1,
) -> dict[str, Any]:
    """The latest signed checkpoint and a full verification of the trail at this moment
    (``processes``: 1 in a web request, which must not fork; None for all cores)."""
    # Only the vault's own key is trusted, never a key a witness names (issue #11).
    report = audit_verify.verify_database(engine, [public_key], witness_path, processes=processes)
    row = session.scalar(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc()).limit(1))
    first = report.first
    checkpoint = None
    if row is not None:
        signed = Checkpoint(
            row.id,
            row.tree_size,
            row.root,
            row.head_hash,
            row.created_at,
            row.key_id,
            row.signature,
        )
        checkpoint = signed.to_json(public_key)
    return {
        "format": "mnvault-compliance-trail-statement-v1",
        "at": at.isoformat(),
        "checkpoint": checkpoint,
        "verification": {
            "ok": report.ok,
            "entries": report.entries,
            "signed_through": report.signed_through,
            "first_problem": str(first.problem) if first else None,
            "first_seq": first.first_seq if first else None,
        },
    }


def _spi_csv(session: Session, organisation_id: Any) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    zone = zone_of(session, organisation_id)
    writer.writerow(["名称 / name", "利用目的 / purpose", "事務 / affairs", "登録 / created"])
    for f in session.scalars(
        select(SpiFile).where(SpiFile.organisation_id == organisation_id).order_by(SpiFile.name)
    ):
        writer.writerow(
            [f.name, f.purpose, ",".join(f.affair_codes), local_time.shown(f.created_at, zone)]
        )
    return out.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 with a BOM as Japanese


def html_of(report: compliance.Report, statement: dict[str, Any]) -> str:
    env = Environment(
        loader=PackageLoader("mnvault.compliance", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    checkpoint = statement["checkpoint"] or {}
    verification = statement["verification"]
    rows = [(f"checkpoint.{k}", v) for k, v in checkpoint.items()] + [
        (f"verification.{k}", v) for k, v in verification.items()
    ]

    def at(value: datetime | None) -> str:
        return local_time.shown(value, report.zone)

    return env.get_template("pack.html.j2").render(
        r=report,
        groups=[(g, [m for m in report.measures if m.measure.group == g.id]) for g in GROUPS],
        statement_rows=rows,
        state_ja=STATE_JA,
        state_en=STATE_EN,
        at=at,
    )


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 - Pango and fonts only for the pack

    pdf: bytes = HTML(string=html).write_pdf()
    return pdf


@dataclass(frozen=True)
class Contents:
    """What the pack states, before it is rendered."""

    report: compliance.Report
    statement: dict[str, Any]
    spi_files_csv: bytes
    analysis: Analysis | None = None


@dataclass(frozen=True)
class Analysis:
    """The latest stored periodic analysis report (its audit entry names who made it)."""

    seq: int
    pdf: bytes

    @property
    def file_name(self) -> str:
        return f"analysis-report-{self.seq}.pdf"


def _latest_analysis(
    session: Session, context: Context, reports_root: Path | None
) -> tuple[Analysis | None, dict[str, Any]]:
    """The latest kept report and what the statement says of it. The report names accounts
    and persons, so it goes into the pack only for one who may read the trail."""
    if reports_root is None:
        return None, {"included": False, "reason": "no data directory"}
    if not decide(session, context, Permission.AUDIT_READ).allowed:
        return None, {"included": False, "reason": "the builder may not read the trail"}
    kept = [k for k in stored.latest(session, context, root=reports_root) if k.available]
    if not kept:
        return None, {"included": False, "reason": "no periodic analysis report kept yet"}
    latest = kept[0]
    pdf = stored.pdf_of(session, context, root=reports_root, seq=latest.seq)
    return Analysis(latest.seq, pdf), {
        "included": True,
        "entry_seq": latest.seq,
        "produced_at": latest.produced_at.isoformat(),
        "since": latest.since.isoformat() if latest.since else None,
        "until": latest.until.isoformat() if latest.until else None,
    }


def gather(
    session: Session,
    context: Context,
    *,
    engine: Engine,
    public_key: bytes,
    witness_path: Path | None,
    processes: int | None = 1,
    reports_root: Path | None = None,
) -> Contents:
    """Authorize, compute every measure's state, verify the trail, audit the pack."""
    authorize(session, context, Permission.COMPLIANCE_READ, organisation_resource(context))
    report = compliance.compute(session, context.organisation_id)
    statement = trail_statement(
        session, engine, public_key, witness_path, report.at, processes=processes
    )
    analysis, statement["analysis_report"] = _latest_analysis(session, context, reports_root)
    contents = Contents(report, statement, _spi_csv(session, context.organisation_id), analysis)
    audit.record(
        session,
        context,
        AuditAction.COMPLIANCE_EVIDENCE_PACK,
        details={"measures": len(report.measures), "trail_ok": statement["verification"]["ok"]},
    )
    return contents


def render(contents: Contents) -> Pack:
    report, statement = contents.report, contents.statement
    pdf = render_pdf(html_of(report, statement))
    return Pack(report, pdf, to_xlsx(report), contents.spi_files_csv, statement, contents.analysis)


def build(
    session: Session,
    context: Context,
    *,
    engine: Engine,
    public_key: bytes,
    witness_path: Path | None,
    processes: int | None = 1,
    reports_root: Path | None = None,
) -> Pack:
    """gather() then render(): the whole pack, in the caller's transaction."""
    return render(
        gather(
            session, context, engine=engine, public_key=public_key, witness_path=witness_path,
            processes=processes, reports_root=reports_root,
        )
    )  # fmt: skip


def files_of(pack: Pack) -> dict[str, bytes]:
    files = {
        "compliance.pdf": pack.pdf,
        "compliance.xlsx": pack.xlsx,
        "spi-files.csv": pack.spi_files_csv,
        "trail-statement.json": json.dumps(pack.statement, ensure_ascii=False, indent=2).encode(),
    }
    if pack.analysis is not None:
        files[pack.analysis.file_name] = pack.analysis.pdf
    return files


def to_zip(pack: Pack) -> bytes:
    """The pack as one download (the screen and the API)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files_of(pack).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def write(pack: Pack, out_dir: Path) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in files_of(pack).items():
        path = out_dir / name
        path.write_bytes(data)
        written.append(path)
    return written

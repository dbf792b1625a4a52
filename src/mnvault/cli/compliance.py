"""``mnvault compliance``: the state of every measure, and what falls due."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in, signed_in_transaction
from mnvault.compliance import pack
from mnvault.compliance import services as compliance
from mnvault.compliance.shapes import report_json, text_table, to_xlsx
from mnvault.deployment.errors import KNOWN_ERRORS

app = typer.Typer(
    help="安全管理措置の状況 / compliance with the safety-management measures", no_args_is_help=True
)


class Format(StrEnum):
    JSON = "json"
    TABLE = "table"
    XLSX = "xlsx"


@app.command("status")
def status(
    fmt: Annotated[Format, typer.Option("--format", help="table | json | xlsx")] = Format.TABLE,
    out: Annotated[Path | None, typer.Option("--out", help="xlsx の出力先 / xlsx file")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """措置ごとの状態（システムで充足・記録あり・期限切れ・未対応）/ each measure's state."""
    if fmt is Format.XLSX and out is None and sys.stdout.isatty():
        typer.echo("エラー / error: --out を指定してください / give --out for xlsx", err=True)
        raise typer.Exit(2)
    with signed_in_transaction(data_dir, user) as (session, context):
        report = compliance.status(session, context)
    if fmt is Format.JSON:
        typer.echo(json.dumps(report_json(report), ensure_ascii=False, indent=2))
    elif fmt is Format.XLSX:
        data = to_xlsx(report)
        if out is None:
            sys.stdout.buffer.write(data)
        else:
            out.write_bytes(data)
            typer.echo(f"書き出しました / written: {out}")
    else:
        typer.echo(text_table(report))


@app.command("due")
def due(
    within: Annotated[
        int, typer.Option("--within", help="この日数以内に期限 / due within DAYS")
    ] = compliance.DEFAULT_DUE_DAYS,
    fmt: Annotated[Format, typer.Option("--format", help="table | json")] = Format.TABLE,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """期限切れ、または期限が近い措置 / measures overdue or falling due within DAYS."""
    with signed_in_transaction(data_dir, user) as (session, context):
        found = compliance.due(session, context, within_days=within)
        report = compliance.compute(session, context.organisation_id)
    if fmt is Format.JSON:
        typer.echo(json.dumps(report_json(report, found), ensure_ascii=False, indent=2))
        return
    if not found:
        typer.echo("期限の近い措置はありません / nothing falls due")
        return
    typer.echo(text_table(report, found))


@app.command("evidence-pack")
def evidence_pack(
    out: Annotated[Path, typer.Option("--out", help="出力先ディレクトリ / output directory")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """内部監査・立入検査向けの証跡一式 / the evidence pack (PDF, Excel, register, trail)."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                built = pack.build(
                    session, context, engine=vault.engine,
                    public_key=vault.keyring.public_signing_key(),
                    witness_path=vault.settings.audit_witness_path, processes=None,
                    reports_root=vault.settings.data_dir,
                )  # fmt: skip
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    for path in pack.write(built, out):
        typer.echo(f"書き出しました / written: {path}")
    if not built.statement["verification"]["ok"]:
        typer.echo("警告 / warning: 監査証跡の検証に失敗 / the trail did not verify", err=True)
        raise typer.Exit(3)

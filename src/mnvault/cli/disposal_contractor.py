"""mnvault dispose contractor …: disposal done by a contractor, with its certificate."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.disposal import contractor
from mnvault.vault import services as vault_services

app = typer.Typer(help="委託先による廃棄 / disposal by a contractor", no_args_is_help=True)


@app.command("record")
def record(
    certificate: Annotated[Path, typer.Argument(help="廃棄証明書 (PDF/PNG/JPEG) / certificate")],
    contractor_name: Annotated[str, typer.Option("--contractor", help="委託先 / contractor")],
    on: Annotated[str, typer.Option("--on", help="廃棄日 YYYY-MM-DD / date performed")],
    method: Annotated[str, typer.Option(help="廃棄方法 / method")],
    person: Annotated[list[str], typer.Option("--person", help="社員番号等 / external id")],
    affair: Annotated[list[str], typer.Option("--affair", help="事務 / affair")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """委託先の廃棄を証明書付きで記録 / record a contractor's disposal with its certificate."""
    try:
        performed_on = date.fromisoformat(on)
        data = certificate.read_bytes()
    except ValueError:
        fail(f"日付は YYYY-MM-DD で指定 / give the date as YYYY-MM-DD: {on}")
    except OSError as exc:
        fail(f"証明書を読めません / cannot read the certificate: {exc.strerror}")
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                ids = [vault_services.find_person(session, context, ref).id for ref in person]
                row = contractor.record(
                    session,
                    vault.envelope,
                    context,
                    contractor_name=contractor_name,
                    performed_on=performed_on,
                    method=method,
                    certificate=data,
                    person_ids=ids,
                    affair_codes=affair,
                )
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo(f"記録しました / recorded: {row.id}")
    typer.echo(
        f"  証明書 / certificate: {row.certificate_media_type} sha256 {row.certificate_sha256}"
    )


@app.command("certificate")
def show_certificate(
    record_id: Annotated[str, typer.Argument(help="記録ID / record id")],
    out: Annotated[Path, typer.Option("--out", help="保存先 / write to")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """保存した証明書を取り出す（ハッシュを検証）/ write out a stored certificate (verified)."""
    try:
        parsed = uuid.UUID(record_id)
    except ValueError:
        fail(f"記録IDが正しくありません / not a record id: {record_id}")
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                row, data = contractor.certificate(
                    session, vault.envelope, context, record_id=parsed
                )
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    out.write_bytes(data)
    typer.echo(f"{out}: {row.certificate_media_type}, sha256 {row.certificate_sha256}")

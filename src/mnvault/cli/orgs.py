"""mnvault org …: departments and the register of SPI files (run as an admin)."""

from __future__ import annotations

from typing import Annotated

import typer

from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.orgs import services as orgs

app = typer.Typer(help="組織・部署・特定個人情報ファイル / organisation", no_args_is_help=True)


@app.command("add-department")
def add_department(
    code: Annotated[str, typer.Argument(help="部署コード / department code")],
    name: Annotated[str, typer.Argument(help="部署名 / name")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """部署を追加 / add a department."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                orgs.create_department(session, context, code=code, name=name)
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo(f"追加しました / added: {code} {name}")


@app.command("add-spi-file")
def add_spi_file(
    name: Annotated[str, typer.Argument(help="ファイル名称 / name (例: 従業員番号台帳)")],
    purpose: Annotated[str, typer.Option(help="利用目的 / purpose")],
    affair: Annotated[list[str], typer.Option(help="事務 / affair (repeatable)")],
    department: Annotated[str | None, typer.Option(help="取扱部署コード / department")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """特定個人情報ファイルを登録 / register an SPI file."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                orgs.register_spi_file(
                    session, context, name=name, purpose=purpose, affair_codes=affair,
                    responsible_user_id=context.actor_id, department_code=department,
                )  # fmt: skip
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo(f"登録しました / registered: {name}")


@app.command("spi-files")
def spi_files(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """特定個人情報ファイルの一覧（番号は含まない） / the SPI file register (no numbers)."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                register = orgs.spi_file_register(session, context)
                lines = [
                    f"{f.name}\t{', '.join(f.affair_codes)}\t{f.purpose}\t{f.created_at:%Y-%m-%d}"
                    for f in register
                ]
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo("名称 / name\t事務 / affairs\t利用目的 / purpose\t登録日 / registered")
    for line in lines:
        typer.echo(line)

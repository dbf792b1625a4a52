"""mnvault affair …: the affairs the organisation may acquire numbers for, and its own."""

from __future__ import annotations

from typing import Annotated

import typer

from mnvault.affairs import services as affairs
from mnvault.affairs.models import AffairKind
from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in
from mnvault.deployment.errors import KNOWN_ERRORS

app = typer.Typer(help="事務 / affairs", no_args_is_help=True)


@app.command("list")
def list_(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """この組織で取得できる事務 / the affairs this organisation may acquire numbers for."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                rows = [
                    (a.code, a.kind, a.organisation_id is not None, a.name_ja, a.legal_basis)
                    for a in affairs.offered_affairs(session, context.organisation_id)
                ]
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    for code, kind, own, name, basis in rows:
        mark = "組織独自/own" if own else "標準/catalogue"
        typer.echo(f"{code}\t{kind}\t{mark}\t{name}\t{basis}")


@app.command("define")
def define(
    code: Annotated[str, typer.Argument(help="事務コード（英小文字・数字・_） / affair code")],
    kind: Annotated[AffairKind, typer.Option(help="use=利用事務 / related=関係事務")],
    name_ja: Annotated[str, typer.Option(help="名称（日本語） / name in Japanese")],
    name_en: Annotated[str, typer.Option(help="名称（英語） / name in English")],
    legal_basis: Annotated[str, typer.Option(help="法令上の根拠 / legal basis")],
    person_kind: Annotated[
        list[str], typer.Option(help="対象となる本人の種別（複数可） / person kinds")
    ],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """組織独自の事務を定義する（責任者; 番号へのアクセスは付与しない） / define an affair of
    the organisation's own (a manager; it grants no access to any number)."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                made = affairs.define_affair(
                    session,
                    context,
                    code=code,
                    kind=kind,
                    name_ja=name_ja,
                    name_en=name_en,
                    legal_basis=legal_basis,
                    person_kinds=person_kind,
                )
                made_code = made.code
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo(f"定義 / defined: {made_code}")

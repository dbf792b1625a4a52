"""mnvault token …: API tokens for system users (issue #11). An administrator asks for
one (shown once); one that can return a number works when a manager, not the
administrator, approves it; managers list what waits for them."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

import typer

from mnvault.access import services as access
from mnvault.admin import listing
from mnvault.affairs.services import get_affair
from mnvault.auth import services as auth
from mnvault.cli.common import DataDir, UserOpt, fail, signed_in_transaction

app = typer.Typer(
    help="APIトークン（システム利用者） / API tokens (system users)", no_args_is_help=True
)


def _token_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        fail("トークンIDが正しくありません / not a token id")


@app.command("create")
def create(
    login: Annotated[str, typer.Argument(help="システム利用者のログイン名 / system user's login")],
    name: Annotated[str, typer.Option(help="トークン名 / token name")],
    affair: Annotated[list[str], typer.Option(help="事務 / affair (repeatable)")],
    days: Annotated[int, typer.Option(min=1, max=366, help="有効日数 / valid days")] = 90,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """トークンを発行（一度だけ表示） / make a token for a system user (shown once). One
    that can return a number works once a manager approves it (`mnvault token approve`)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        target = access.member_by_login(session, context, login)
        for code in affair:
            get_affair(session, context.organisation_id, code)
        token, row = auth.create_api_token(
            session, context, user_id=target.id, name=name.strip()[:100], affair_codes=affair,
            valid_for=timedelta(days=days),
        )  # fmt: skip
        waiting = row.approved_at is None
        token_id = row.id
    typer.echo(f"トークンID / token id: {token_id}")
    typer.echo(f"トークン / token (shown once): {token}")
    if waiting:
        typer.echo(
            "事務取扱責任者の承認後に使えます / it works once a manager approves it: "
            f"mnvault token approve {token_id}"
        )


@app.command("list")
def list_tokens(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """この組織のトークン（トークン自体は表示しない） / the organisation's tokens."""
    with signed_in_transaction(data_dir, user) as (session, context):
        rows = listing.tokens(session, context)
    if not rows:
        typer.echo("ありません / none")
    for t in rows:
        typer.echo(
            f"{t.id}  {t.prefix}…  {t.login}  {','.join(t.affairs)}  {t.state}  "
            f"{t.expires_at.date().isoformat()}"
        )


@app.command("approvals")
def approvals(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """承認待ち（事務取扱責任者） / what waits for a manager: tokens and accounts."""
    with signed_in_transaction(data_dir, user) as (session, context):
        rows = listing.awaiting_approval(session, context)
    if not rows:
        typer.echo("承認待ちはありません / nothing awaits approval")
    for r in rows:
        typer.echo(
            f"{r.kind}  {r.id}  {r.login}  {r.name}  {','.join(r.affairs)}  "
            f"依頼者 / asked by: {r.requested_by or '—'}"
        )


@app.command("approve")
def approve(
    token_id: Annotated[str, typer.Argument(help="トークンID / token id")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """トークンを承認（依頼した管理者以外の事務取扱責任者） / approve a token (a manager,
    never the one who asked)."""
    wanted = _token_id(token_id)
    with signed_in_transaction(data_dir, user) as (session, context):
        auth.approve_api_token(session, context, token_id=wanted)
    typer.echo("承認しました / approved")


@app.command("revoke")
def revoke(
    token_id: Annotated[str, typer.Argument(help="トークンID / token id")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """トークンを失効 / revoke a token."""
    wanted = _token_id(token_id)
    with signed_in_transaction(data_dir, user) as (session, context):
        auth.revoke_api_token(session, context, token_id=wanted)
    typer.echo("失効させました / revoked")

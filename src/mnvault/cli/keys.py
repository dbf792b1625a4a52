"""mnvault keys …: rotate the KEK (re-wrap online, resumable) and show its versions."""

from __future__ import annotations

from typing import Annotated

import typer

from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in
from mnvault.cli.progress import progress_printer
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.keys import services as keys

app = typer.Typer(help="鍵 (KEK) / keys", no_args_is_help=True)


@app.command("rotate")
def rotate(
    batch_size: Annotated[int, typer.Option(help="1回に包み直す鍵の数 / keys per batch")] = 5000,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """新しいKEK版へ切替え、全データ鍵を包み直し、旧版を破棄（中断後は再実行で再開）/
    rotate to a new KEK version, re-wrap every data key, destroy the old version
    (re-run to resume an interrupted rotation)."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)

        progress = progress_printer("包み直し済み / re-wrapped")

        try:
            result = keys.rotate(
                vault.sessions, vault.keyring, context, batch_size=batch_size, progress=progress
            )
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    if result.resumed:
        typer.echo("中断していたローテーションを再開しました / resumed an interrupted rotation")
    destroyed = ", ".join(map(str, result.destroyed_versions)) or "-"
    typer.echo(f"現行KEK版 / current KEK version: {result.to_version}")
    typer.echo(f"包み直したデータ鍵 / data keys re-wrapped: {result.rewrapped}")
    typer.echo(f"破棄したKEK版 / KEK versions destroyed: {destroyed}")
    typer.echo(f"完了 / completed at: {result.finished_at.isoformat()}")


@app.command("status")
def status(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """KEK版ごとの状態と包んでいる鍵の数（鍵そのものは表示しない）/
    KEK versions and how many wrapped keys each holds (never key material)."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                versions, open_rotation = keys.status(session, vault.keyring, context)
                pending = (
                    (open_rotation.to_version, open_rotation.rewrapped) if open_rotation else None
                )
                index_keys = vault.keyring.index_versions()
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo("版 / version  状態 / state  鍵数 / wrapped keys  作成 / created  破棄 / destroyed")
    for v in versions:
        typer.echo(
            f"{v.version:>4}  {v.state:<9}  {v.wrapped_keys:>10}  {v.created_at}  "
            f"{v.destroyed_at or '-'}"
        )
    typer.echo(
        "索引鍵 / blind-index keys: " + ", ".join(f"v{i.version} {i.state}" for i in index_keys)
    )
    if pending:
        typer.echo(
            f"未完了のローテーション（v{pending[0]}、{pending[1]}件済み）: "
            f"mnvault keys rotate で再開 / unfinished rotation to v{pending[0]} "
            f"({pending[1]} done): run `mnvault keys rotate` to resume"
        )

"""mnvault import persons … and mnvault export …."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Annotated

import typer

from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.vault.exporter import export_affair
from mnvault.vault.importer import ImportMode, LineError, import_persons

import_app = typer.Typer(help="取込み / imports", no_args_is_help=True)


@import_app.command("persons")
def persons(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV (UTF-8)")],
    affair: Annotated[list[str], typer.Option(help="取得目的の事務 / affair (repeatable)")],
    all_or_nothing: Annotated[
        bool,
        typer.Option(
            "--all-or-nothing/--skip-bad",
            help="1行でも不正なら何も取り込まない / store nothing if any line is bad "
            "(default: skip bad lines, resumable)",
        ),
    ] = False,
    errors_file: Annotated[
        Path | None, typer.Option(help="エラー行の一覧を書き出す / write the line errors here")
    ] = None,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = 2000,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """本人と個人番号をCSVから取り込む / import persons and their numbers from CSV."""
    mode = ImportMode.ALL_OR_NOTHING if all_or_nothing else ImportMode.SKIP_BAD
    error_handle = errors_file.open("w", encoding="utf-8") if errors_file else None
    shown = 0

    def on_error(err: LineError) -> None:
        nonlocal shown
        if error_handle:
            error_handle.write(f"{err}\n")
        if shown < 50:
            typer.echo(str(err), err=True)
            shown += 1

    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        size = file.stat().st_size
        show_bar = sys.stderr.isatty()
        try:
            with typer.progressbar(
                length=size, label="取込み / importing", file=sys.stderr, hidden=not show_bar
            ) as bar:
                done = 0

                def on_progress(position: int) -> None:
                    nonlocal done
                    if position > done:
                        bar.update(position - done)
                        done = position

                report = import_persons(
                    vault.sessions,
                    vault.envelope,
                    context,
                    path=file,
                    affair_codes=affair,
                    mode=mode,
                    batch_size=batch_size,
                    on_error=on_error,
                    on_progress=on_progress,
                )
        except KNOWN_ERRORS as exc:
            fail(str(exc))
        finally:
            if error_handle:
                error_handle.close()
    if shown < report.rejected:
        typer.echo(
            f"… ほか {report.rejected - shown} 行 / and {report.rejected - shown} more", err=True
        )
    if report.resumed_after_line:
        typer.echo(f"再開 / resumed after line {report.resumed_after_line}")
    outcome = (
        "取込み完了 / imported" if report.committed else "何も取り込んでいません / nothing stored"
    )
    typer.echo(
        f"{outcome}: {report.imported} 件取込み / imported, {report.rejected} 件エラー / rejected, "
        f"{report.already_imported} 件取込み済み / already imported"
    )
    if report.rejected:
        raise typer.Exit(1)


def export(
    affair: Annotated[str, typer.Option(help="事務 / affair")],
    out: Annotated[Path, typer.Option(help="出力ファイル（age 暗号化） / output file (age)")],
    purpose: Annotated[str, typer.Option(help="持出しの目的 / purpose of the take-out")],
    recipient: Annotated[
        list[str] | None,
        typer.Option(help="受取人の age 公開鍵 / recipient age public key (age1…)"),
    ] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """事務の個人番号を暗号化ファイルに書き出す（持出しとして記録） / encrypted export."""
    passphrase = None
    if not recipient:
        passphrase = os.environ.get("MNVAULT_EXPORT_PASSPHRASE")
        if not passphrase:
            if not sys.stdin.isatty():
                fail(
                    "--recipient か MNVAULT_EXPORT_PASSPHRASE が必要です / "
                    "give --recipient or MNVAULT_EXPORT_PASSPHRASE"
                )
            passphrase = str(
                typer.prompt(
                    "ファイルのパスフレーズ / file passphrase",
                    hide_input=True,
                    confirmation_prompt=True,
                )
            )
    if out.exists():
        fail(f"{out} は既に存在します / already exists")
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user).for_affair(affair)
        try:
            with vault.transaction() as session:
                result = export_affair(
                    session,
                    vault.envelope,
                    context,
                    purpose=purpose,
                    passphrase=passphrase,
                    recipients=recipient,
                )
                fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(result.encrypted)
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo(f"書き出しました / written: {out} ({result.person_count} 人 / persons, age)")
    typer.echo(f"持出し記録 / take-out: {result.take_out_id}  sha256 {result.sha256}")

"""mnvault import persons … and mnvault export …."""

from __future__ import annotations

import os
import stat
import sys
import uuid
from pathlib import Path
from typing import Annotated

import typer

from mnvault.audit.period import zone_of
from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in, signed_in_transaction
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.numbers import redact
from mnvault.vault import exporter, takeout_recipients
from mnvault.vault.csvfile import BadEncoding, Encoding, LineError
from mnvault.vault.importer import ImportMode, import_persons
from mnvault.vault.models import RecipientKind, TakeOutRecipientKind
from mnvault.vault.outside_takeout import OutsideRecipient
from mnvault.vault.takeout_file import FileFormat, Header, Protection

import_app = typer.Typer(help="取込み / imports", no_args_is_help=True)


@import_app.command("persons")
def persons(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV (UTF-8 or cp932/Shift_JIS)")
    ],
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
    encoding: Annotated[
        str,
        typer.Option(
            help="文字コード: auto（判定）、utf-8、cp932（Shift_JIS、Excel の「CSV」） / "
            "encoding: auto (detect), utf-8, cp932 (Shift_JIS, Japanese Excel's CSV)",
        ),
    ] = "auto",
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """本人と個人番号をCSVから取り込む / import persons and their numbers from CSV."""
    try:
        chosen = Encoding.named(encoding)
    except BadEncoding as exc:
        fail(str(exc))
    mode = ImportMode.ALL_OR_NOTHING if all_or_nothing else ImportMode.SKIP_BAD
    error_handle = errors_file.open("w", encoding="utf-8") if errors_file else None
    shown = 0

    def on_error(err: LineError) -> None:
        nonlocal shown
        # A reason may quote a field (an unknown kind, a reference); a number typed into
        # that field is redacted here as the web import's report does.
        line = redact(str(err))
        if error_handle:
            error_handle.write(f"{line}\n")
        if shown < 50:
            typer.echo(line, err=True)
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
                    encoding=chosen,
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
    typer.echo(f"文字コード / encoding: {report.encoding}")
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


export_app = typer.Typer(
    help="持出し（申請→責任者の承認→申請者のダウンロード） / take-outs: request, approve, download",
    no_args_is_help=True,
)


@export_app.command("request")
def export_request(
    affair: Annotated[str, typer.Option(help="事務 / affair")],
    purpose: Annotated[str, typer.Option(help="持出しの目的 / purpose of the take-out")],
    recipient: Annotated[
        str, typer.Option(help="受取人の age 公開鍵 / recipient's age public key (age1…)")
    ] = "",
    registered: Annotated[
        str,
        typer.Option(
            help="登録済みの受取人の名前 / a registered recipient's name (export recipients)"
        ),
    ] = "",
    workbook: Annotated[
        bool,
        typer.Option(
            "--workbook",
            help="パスワード付き Excel（パスワードは一度だけ表示） / a passphrase-protected Excel "
            "workbook (the passphrase is printed once)",
        ),
    ] = False,
    file_format: Annotated[
        FileFormat, typer.Option("--format", help="csv (UTF-8 BOM) | csv_cp932 | xlsx")
    ] = FileFormat.CSV,
    header: Annotated[
        Header,
        typer.Option(
            help="見出し行と区分: ja（日本語、既定）| codes（システム向けの英字コード） / "
            "the first line and kinds: Japanese labels (default) or codes, for a system"
        ),
    ] = Header.JAPANESE,
    outside_recipient: Annotated[
        str | None,
        typer.Option(help="組織外（グループ会社を含む別法人）の提供先 / outside recipient"),
    ] = None,
    outside_basis: Annotated[
        str | None, typer.Option(help="その根拠: 番号法第19条第N号 / its Art. 19 item")
    ] = None,
    outside_kind: Annotated[
        RecipientKind, typer.Option(help="提供先の種別 / recipient kind")
    ] = RecipientKind.OTHER,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """持出しを申請（事務取扱担当者） / request a take-out (clerk). 組織外への持出しは
    提供: --outside-recipient と --outside-basis / outside the organisation it is a provision."""
    outside = None
    if outside_recipient or outside_basis:
        outside = OutsideRecipient(outside_kind, outside_recipient or "", outside_basis or "")
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user).for_affair(affair)
        try:
            with vault.transaction() as session:
                registered_id = None
                if registered:
                    by_name = {
                        r.name: r.id for r in takeout_recipients.recipients(session, context)
                    }
                    if registered not in by_name:
                        fail(f"登録済みの受取人がいません / no registered recipient: {registered}")
                    registered_id = by_name[registered]
                created = exporter.request_takeout(
                    session, vault.envelope, context, purpose=purpose,
                    protection=Protection.EXCEL_PASSPHRASE if workbook else Protection.AGE,
                    recipient=recipient, registered_recipient=registered_id,
                    file_format=FileFormat.XLSX if workbook else file_format, outside=outside,
                    header=header,
                )  # fmt: skip
                request_id = created.request.id
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo(f"申請しました / requested: {request_id}")
    if created.passphrase:
        # Printed this once (the vault keeps it sealed): for the recipient, by another channel.
        typer.echo(
            f"Excel のパスワード（一度だけ表示） / the workbook's passphrase: {created.passphrase}"
        )
    typer.echo("責任者の承認を待ってください / a manager must now approve it")


@export_app.command("list")
def export_list(
    waiting: Annotated[
        bool,
        typer.Option(
            "--waiting/--mine",
            help="承認待ちの申請（責任者） / requests awaiting a decision (manager), or your own",
        ),
    ] = True,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """持出し申請の一覧（誰が・目的・人数） / take-out requests: who asked, purpose, persons."""
    with signed_in_transaction(data_dir, user) as (session, context):
        zone = zone_of(session, context.organisation_id)
        lines = [
            "\t".join(
                (
                    str(v.request.id),
                    v.request.state,
                    v.affair.code,
                    v.requested_by,
                    f"{v.request.requested_at.astimezone(zone):%Y/%m/%d %H:%M}",
                    "-" if v.person_count is None else str(v.person_count),
                    v.request.purpose,
                )
            )
            for v in exporter.export_requests(session, context, waiting=waiting)
        ]
    typer.echo(
        "申請ID / id\t状態 / state\t事務 / affair\t申請者 / requested by\t"
        "申請日時 / requested at\t人数 / persons\t目的 / purpose"
    )
    for line in lines:
        typer.echo(line)
    if not lines:
        typer.echo("該当する申請はありません / no requests")


@export_app.command("decide")
def export_decide(
    request_id: Annotated[uuid.UUID, typer.Argument(help="申請ID / request id")],
    approve: Annotated[bool, typer.Option("--approve/--reject")] = True,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """持出し申請を承認・却下（責任者、申請者本人は不可） / approve or reject (manager)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        decided = exporter.decide_export(session, context, request_id=request_id, approve=approve)
        state = decided.state
    typer.echo(f"{'承認' if approve else '却下'}しました / {state}: {request_id}")


@export_app.command("download")
def export_download(
    request_id: Annotated[uuid.UUID, typer.Argument(help="申請ID / request id")],
    out: Annotated[Path, typer.Option(help="出力ファイル（暗号化済み） / output file (encrypted)")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """承認済みの持出しを書き出す（申請者、1回限り） / write an approved take-out (requester)."""
    if out.exists():
        fail(f"{out} は既に存在します / already exists")
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                result = exporter.download_export(
                    session, vault.envelope, context, request_id=request_id
                )
                fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(result.encrypted)
        except KNOWN_ERRORS as exc:
            out.unlink(missing_ok=True)
            fail(str(exc))
    typer.echo(f"書き出しました / written: {out} ({result.person_count} 人 / persons)")
    typer.echo(f"推奨ファイル名 / suggested name: {result.file_name}")
    typer.echo(f"持出し記録 / take-out: {result.take_out_id}  sha256 {result.sha256}")


recipients_app = typer.Typer(
    help="持出しの登録済み受取人と age 公開鍵（責任者が管理） / registered take-out recipients",
    no_args_is_help=True,
)
export_app.add_typer(recipients_app, name="recipients")


@recipients_app.command("list")
def recipients_list(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """登録済みの受取人 / the registered recipients."""
    with signed_in_transaction(data_dir, user) as (session, context):
        lines = [
            f"{r.id}\t{r.name}\t{r.kind}\t{r.public_key}"
            for r in takeout_recipients.recipients(session, context)
        ]
    for line in lines:
        typer.echo(line)
    if not lines:
        typer.echo("登録済みの受取人はいません / no registered recipients")


@recipients_app.command("add")
def recipients_add(
    name: Annotated[str, typer.Option(help="名前 / name")],
    kind: Annotated[TakeOutRecipientKind, typer.Option(help="種別 / kind")],
    public_key: Annotated[str, typer.Option(help="age 公開鍵 / age public key (age1…)")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """受取人を登録（責任者） / register a recipient (manager)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        entry = takeout_recipients.add_recipient(
            session, context, name=name, kind=kind, public_key=public_key
        )
        entry_id = entry.id
    typer.echo(f"登録しました / registered: {entry_id}")


@recipients_app.command("remove")
def recipients_remove(
    recipient_id: Annotated[uuid.UUID, typer.Argument(help="受取人ID / recipient id")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """受取人を削除（責任者） / remove a recipient (manager)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        takeout_recipients.remove_recipient(session, context, recipient_id)
    typer.echo(f"削除しました / removed: {recipient_id}")

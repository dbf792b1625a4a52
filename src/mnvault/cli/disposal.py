"""mnvault dispose …: due list, reminders, disposal batches, retention rules.

`mnvault dispose --due` plans a batch of every due number and runs it (delete, record,
rotate the KEK) once confirmed, unless --at puts it later. Another manager confirms a
planned batch with `dispose confirm` (maker-checker, disposal/confirmation.py); only a
small business's single responsible person confirms their own, with --confirm and a
--statement of what they checked. `dispose run` runs a confirmed batch and also finishes
a rotation that was interrupted.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from mnvault.access.context import Context
from mnvault.cli import disposal_contractor
from mnvault.cli.common import (
    DataDir,
    UserOpt,
    fail,
    opened_vault,
    sign_in,
    signed_in_transaction,
)
from mnvault.cli.progress import progress_printer
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.deployment.services import Vault
from mnvault.disposal import batches
from mnvault.disposal import services as retention
from mnvault.disposal.models import BatchState, DisposalBatch
from mnvault.disposal.rules import Event, Start
from mnvault.vault import services as vault_services

app = typer.Typer(
    help="保存期間と削除・廃棄 / retention and disposal",
    invoke_without_command=True,
    no_args_is_help=False,
)
app.add_typer(disposal_contractor.app, name="contractor")

AsOf = Annotated[
    str | None, typer.Option("--as-of", help="基準日 YYYY-MM-DD / as of this day (default today)")
]


Statement = Annotated[
    str | None,
    typer.Option(
        help="確認した内容（自ら計画したバッチを確認する場合）/ what you checked (when "
        "confirming a batch you planned yourself)"
    ),
]


def _day(text: str | None) -> date:
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"日付は YYYY-MM-DD で指定 / give the date as YYYY-MM-DD: {text}")


def _when(text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"日時は ISO 8601 で指定 / give the time in ISO 8601: {text}")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _batch_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        fail(f"バッチIDが正しくありません / not a batch id: {text}")


def _show(batch: DisposalBatch) -> None:
    typer.echo(f"廃棄バッチ / disposal batch: {batch.id}")
    typer.echo(f"  状態 / state: {batch.state}  対象 / persons: {batch.person_count}")
    if batch.scheduled_for:
        typer.echo(f"  予定 / scheduled for: {batch.scheduled_for.isoformat()}")
    typer.echo(f"  計画 / planned: {batch.planned_at.isoformat()} by {batch.planned_by}")
    if batch.never_needed:
        typer.echo(
            "  取得の必要がなかった番号（提出・提供なし; 保存期間の対象外）/ never needed "
            "(nothing filed or provided; no retention period)"
        )
    if batch.confirmed_at:
        typer.echo(f"  確認 / confirmed: {batch.confirmed_at.isoformat()} by {batch.confirmed_by}")
    if batch.confirmation_statement:
        typer.echo(
            "  計画者自身による確認の記述 / the planner's own confirmation statement: "
            f"{batch.confirmation_statement}"
        )
    if batch.executed_at:
        typer.echo(
            f"  削除 / deleted: {batch.disposed_count} at {batch.executed_at.isoformat()} "
            f"by {batch.executed_by}"
        )
    if batch.rotation_completed_at:
        destroyed = ", ".join(map(str, batch.kek_versions_destroyed or [])) or "-"
        typer.echo(
            f"  鍵ローテーション完了 / KEK rotation completed: "
            f"{batch.rotation_completed_at.isoformat()} (破棄 / destroyed: v{destroyed})"
        )
    typer.echo(f"  方法 / method: {batch.method}")


@app.callback()
def dispose(
    ctx: typer.Context,
    due: Annotated[bool, typer.Option("--due", help="期限到来分すべて / every due number")] = False,
    person: Annotated[
        list[str] | None, typer.Option("--person", help="社員番号等 / external id (repeatable)")
    ] = None,
    reason: Annotated[str, typer.Option(help="理由 / reason")] = "保存期間経過 / retention ended",
    early_reason: Annotated[
        str | None, typer.Option(help="期限前に廃棄する理由 / reason to dispose before due")
    ] = None,
    never_needed: Annotated[
        bool,
        typer.Option(
            "--never-needed",
            help="そもそも不要だった番号（誤って取得・該当しない事務）: 書類の提出・提供なし、"
            "保存期間の対象外 (--person と --early-reason が必要) / the numbers were never "
            "needed (acquired by mistake): nothing filed, no retention period (needs --person "
            "and --early-reason)",
        ),
    ] = False,
    at: Annotated[str | None, typer.Option(help="実行日時 (ISO 8601) / run at this time")] = None,
    confirm: Annotated[
        bool,
        typer.Option(
            "--confirm",
            help="自ら確認する（中小規模事業者で責任者が一人の場合のみ; --statement 必須）/ "
            "confirm your own batch (a small business's single responsible person only; "
            "needs --statement)",
        ),
    ] = False,
    statement: Statement = None,
    as_of: AsOf = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """期限到来分または指定した本人の個人番号を削除 / dispose of due numbers or named persons."""
    if ctx.invoked_subcommand is not None:
        return
    if not due and not person:
        typer.echo(ctx.get_help())
        raise typer.Exit(0)
    if due and person:
        fail("--due と --person は同時に指定できません / give --due or --person, not both")
    today, scheduled = _day(as_of), _when(at)
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                ids = (
                    [vault_services.find_person(session, context, ref).id for ref in person]
                    if person
                    else None
                )
                batch = batches.plan(
                    session,
                    context,
                    today=today,
                    reason=reason,
                    person_ids=ids,
                    scheduled_for=scheduled,
                    early_reason=early_reason,
                    never_needed=never_needed,
                )
                if batch.state == BatchState.PLANNED and confirm:
                    batch = batches.confirm(
                        session, context, batch_id=batch.id, statement=statement
                    )
            if batch.state == BatchState.CONFIRMED and (
                scheduled is None or scheduled <= datetime.now(UTC)
            ):
                batch = _run(vault, context, batch.id)
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    _show(batch)
    if batch.state == BatchState.PLANNED:
        typer.echo(
            "計画者以外の責任者の確認待ち / awaiting confirmation by a manager other than "
            f"the planner: mnvault dispose confirm {batch.id}"
        )
    elif batch.state == BatchState.CONFIRMED:
        typer.echo(f"予定時刻に実行 / at the time, run: mnvault dispose run {batch.id}")


def _run(vault: Vault, context: Context, batch_id: uuid.UUID) -> DisposalBatch:
    progress = progress_printer("包み直し済み / re-wrapped")

    return batches.run(vault.sessions, vault.keyring, context, batch_id=batch_id, progress=progress)


@app.command("due")
def due_list(
    within: Annotated[int, typer.Option(help="この日数以内に期限 / due within DAYS")] = 0,
    as_of: AsOf = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """廃棄対象日が来た（来る）個人番号の一覧 / numbers due (or due within DAYS)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        items = retention.due_list(session, context, today=_day(as_of), within_days=within)
    typer.echo(
        "期限 / due on  社員番号等 / external id  種別 / kind  状態 / status  事務 / affairs"
    )
    for item in items:
        typer.echo(
            f"{item.due_on}  {item.external_ref}  {item.kind}  {item.life_status}  "
            f"{','.join(item.affairs)}"
        )
    typer.echo(f"計 / total: {len(items)}")


@app.command("reminders")
def reminders(
    lead_days: Annotated[int, typer.Option(help="何日前から知らせるか / days ahead")] = 30,
    as_of: AsOf = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """責任者への通知（期限到来・間近・確認待ち）/ notices for the manager."""
    with signed_in_transaction(data_dir, user) as (session, context):
        notices = retention.reminders(session, context, today=_day(as_of), lead_days=lead_days)
    for notice in notices:
        typer.echo(f"[{notice.kind}] {notice}")
    if not notices:
        typer.echo("通知はありません / nothing to report")


def _batch_command(
    name: str,
    batch_id: str,
    data_dir: Path | None,
    user: str | None,
    statement: str | None = None,
) -> None:
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            if name == "run":
                batch = _run(vault, context, _batch_id(batch_id))
            else:
                with vault.transaction() as session:
                    if name == "confirm":
                        batch = batches.confirm(
                            session, context, batch_id=_batch_id(batch_id), statement=statement
                        )
                    else:
                        batch = batches.cancel(session, context, batch_id=_batch_id(batch_id))
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    _show(batch)


@app.command("confirm")
def confirm_batch(
    batch_id: str, statement: Statement = None, data_dir: DataDir = None, user: UserOpt = None
) -> None:
    """計画者以外の責任者として廃棄バッチを確認 / confirm a batch someone else planned.

    Only a small business's single responsible person confirms their own batch, with
    --statement (中小規模事業者で責任者が一人の場合のみ、記述を付けて自ら確認)."""
    _batch_command("confirm", batch_id, data_dir, user, statement)


@app.command("run")
def run_batch(batch_id: str, data_dir: DataDir = None, user: UserOpt = None) -> None:
    """確認済みバッチを実行（中断した鍵ローテーションも再開）/ run a confirmed batch."""
    _batch_command("run", batch_id, data_dir, user)


@app.command("cancel")
def cancel_batch(batch_id: str, data_dir: DataDir = None, user: UserOpt = None) -> None:
    """未実行のバッチを取り消す / cancel a batch that has not run."""
    _batch_command("cancel", batch_id, data_dir, user)


@app.command("list")
def list_batches(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """廃棄の記録 / the disposal records."""
    with signed_in_transaction(data_dir, user) as (session, context):
        found = batches.list_batches(session, context)
    for batch in found:
        _show(batch)


@app.command("rules")
def rules(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """適用中の保存期間規則と根拠 / retention rules in force with their sources."""
    with signed_in_transaction(data_dir, user) as (session, context):
        entries = retention.list_rules(session, context)
    for entry in entries:
        r = entry.rule
        period = f"{r.years}y{r.months}m" if r.months else f"{r.years}y"
        kind = f" [{r.document_kind}]" if r.document_kind else ""
        typer.echo(f"{r.affair_code}{kind}: {r.event.value} → {r.start.value} + {period}")
        typer.echo(f"    {entry.origin}: {r.source}")
        if entry.looser_reason:
            typer.echo(f"    法令より長い理由 / longer than the law because: {entry.looser_reason}")


@app.command("rule-add")
def rule_add(
    affair: Annotated[str, typer.Argument(help="事務コード / affair code")],
    event: Annotated[Event, typer.Option(help="起算となる出来事 / event")],
    years: Annotated[int, typer.Option(help="年数 / years")],
    source: Annotated[str, typer.Option(help="根拠（社内規程等）/ source")],
    months: Annotated[int, typer.Option(help="月数 / months")] = 0,
    start: Annotated[Start, typer.Option(help="起算日 / counting from")] = Start.EVENT_DAY,
    document_kind: Annotated[str, typer.Option(help="書類の種類 / document kind")] = "",
    looser_reason: Annotated[
        str | None, typer.Option(help="法令より長く保管する理由 / reason to keep longer")
    ] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """組織独自の保存期間規則（法令より長い場合は理由必須）/ an organisation's own rule."""
    with signed_in_transaction(data_dir, user) as (session, context):
        retention.add_rule(
            session,
            context,
            affair_code=affair,
            event=event,
            start=start,
            years=years,
            months=months,
            source=source,
            document_kind=document_kind,
            looser_reason=looser_reason,
        )
    typer.echo(f"登録しました / recorded: {affair}")


@app.command("setting")
def setting(
    confirmation: Annotated[
        bool,
        typer.Option(
            "--confirmation/--no-confirmation",
            help="各バッチに責任者の確認を要する / a manager confirms each batch",
        ),
    ],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """廃棄バッチの確認要否（中小規模事業者は常に要）/ whether batches need confirmation."""
    with signed_in_transaction(data_dir, user) as (session, context):
        retention.set_confirmation_required(session, context, required=confirmation)
    typer.echo(f"確認 / confirmation required: {confirmation}")


@app.command("end")
def end_relationship(
    external_ref: Annotated[str, typer.Argument(help="社員番号等 / external id")],
    on: Annotated[str, typer.Option("--on", help="日付 YYYY-MM-DD / date")],
    cause: Annotated[
        vault_services.RelationshipEnd, typer.Option(help="退職・契約終了・死亡 / cause")
    ] = vault_services.RelationshipEnd.RETIREMENT,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """退職・契約終了・死亡を記録（保存期間の起算）/ record the end of the relationship."""
    day = _day(on)
    with signed_in_transaction(data_dir, user) as (session, context):
        found = vault_services.find_person(session, context, external_ref)
        vault_services.end_relationship(
            session, context, person_id=found.id, ended_on=day, cause=cause
        )
    typer.echo(f"記録しました / recorded: {external_ref} {cause.value} {day}")


@app.command("event")
def record_event(
    external_ref: Annotated[str, typer.Argument(help="社員番号等 / external id")],
    event: Annotated[Event, typer.Option(help="出来事 / event")],
    on: Annotated[str, typer.Option("--on", help="日付 YYYY-MM-DD / date")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """最終提出日など起算日を記録 / record a dated event (last filing, ...)."""
    day = _day(on)
    with signed_in_transaction(data_dir, user) as (session, context):
        found = vault_services.find_person(session, context, external_ref)
        retention.record_event(session, context, person_id=found.id, event=event, occurred_on=day)
    typer.echo(f"記録しました / recorded: {external_ref} {event.value} {day}")

"""``mnvault inspection``: 点検・監査 (別添1 2C e) — checklist, schedules, inspections and
their items, corrective actions, the report to the 総括責任者, the registers."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mnvault.cli.common import DataDir, UserOpt, signed_in_transaction
from mnvault.inspections import services as inspections
from mnvault.inspections.shapes import to_csv, to_xlsx

app = typer.Typer(help="点検・監査 / inspections and audits", no_args_is_help=True)


class Kind(StrEnum):
    SELF = "self_inspection"
    AUDIT = "audit"


class Result(StrEnum):
    OK = "ok"
    FINDING = "finding"
    NOT_APPLICABLE = "not_applicable"


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo("エラー / error: 日付は YYYY-MM-DD / a day is YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None


@app.command("checklist")
def checklist(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """この組織の種別のチェックリスト / the checklist for the organisation's kind."""
    with signed_in_transaction(data_dir, user) as (session, context):
        items = inspections.checklist_for(session, context)
    for i in items:
        typer.echo(f"{i.measure_id}\t{i.title_ja}\t{i.look_at_ja}")


@app.command("schedule")
def schedule(
    kind: Annotated[Kind | None, typer.Option(help="設定する種別 / kind to set")] = None,
    interval: Annotated[int | None, typer.Option(help="間隔（日） / interval in days")] = None,
    starts: Annotated[str | None, typer.Option(help="初回期限 / first due day")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """予定（次回期限・期限切れ）の表示と設定 / show or set the schedules."""
    with signed_in_transaction(data_dir, user) as (session, context):
        if kind is not None and interval is not None and starts is not None:
            inspections.set_schedule(
                session, context, kind=inspections.InspectionKind(kind), interval_days=interval,
                starts_on=_day(starts) or date.today(),
            )  # fmt: skip
        dues = inspections.schedules(session, context)
    for d in dues:
        state = "期限切れ/overdue" if d.overdue else "予定どおり/on schedule"
        typer.echo(f"{d.kind}\t{d.interval_days}日/days\t{d.last_on or '-'}\t{d.due_on}\t{state}")


@app.command("start")
def start(
    kind: Annotated[Kind, typer.Option(help="self_inspection | audit")],
    title: Annotated[str, typer.Option(help="題名 / title")],
    on: Annotated[str | None, typer.Option("--on", help="実施日 / day held")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """チェックリストから点検・監査を始める / start an inspection from the checklist."""
    with signed_in_transaction(data_dir, user) as (session, context):
        row = inspections.start(
            session, context, kind=inspections.InspectionKind(kind), title=title,
            performed_on=_day(on),
        )  # fmt: skip
        made = row.id
    typer.echo(str(made))


@app.command("show")
def show(inspection_id: uuid.UUID, data_dir: DataDir = None, user: UserOpt = None) -> None:
    """項目と結果・是正措置 / the items, results and actions."""
    with signed_in_transaction(data_dir, user) as (session, context):
        view = inspections.detail(session, context, inspection_id)
        i = view.inspection
        typer.echo(f"{i.title}\t{i.kind}\t{i.status}\t{i.performed_at.date()}")
        for it in view.items:
            typer.echo(
                f"{it.item.id}\t{it.item.measure_id}\t{it.item.result}\t{it.item.note or ''}"
            )
            for a in it.actions:
                late = "\t期限切れ/overdue" if view.overdue(a) else ""
                typer.echo(f"  action {a.id}\t{a.title}\t{a.due_on}\t{a.status}{late}")


@app.command("record")
def record(
    item_id: uuid.UUID,
    result: Annotated[Result, typer.Option(help="ok | finding | not_applicable")],
    note: Annotated[str | None, typer.Option(help="所見 / note")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """項目の結果を記録 / record an item's result."""
    with signed_in_transaction(data_dir, user) as (session, context):
        inspections.record_item(
            session, context, item_id=item_id, result=inspections.ItemResult(result), note=note
        )
    typer.echo("記録しました / recorded")


@app.command("action")
def action(
    item_id: uuid.UUID,
    title: Annotated[str, typer.Option(help="是正措置 / action")],
    owner: Annotated[str, typer.Option(help="担当者のログイン名 / owner's login")],
    due: Annotated[str, typer.Option(help="期限 / due day")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """指摘事項を是正措置にする / make a finding a corrective action."""
    with signed_in_transaction(data_dir, user) as (session, context):
        row = inspections.add_action(
            session, context, item_id=item_id, title=title,
            owner_id=inspections.member_id(session, context, owner),
            due_on=_day(due) or date.today(),
        )  # fmt: skip
        made = row.id
    typer.echo(str(made))


@app.command("close")
def close(
    action_id: uuid.UUID,
    note: Annotated[str, typer.Option(help="対応内容 / what was done")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """是正措置を完了する / close a corrective action."""
    with signed_in_transaction(data_dir, user) as (session, context):
        inspections.close_action(session, context, action_id=action_id, note=note)
    typer.echo("完了しました / closed")


@app.command("complete")
def complete(
    inspection_id: uuid.UUID,
    summary: Annotated[str | None, typer.Option(help="総括 / summary")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """点検・監査を完了する / complete an inspection."""
    with signed_in_transaction(data_dir, user) as (session, context):
        inspections.complete(session, context, inspection_id=inspection_id, summary=summary)
    typer.echo("完了しました / completed")


@app.command("attach-report")
def attach_report(
    inspection_id: uuid.UUID, seq: int, data_dir: DataDir = None, user: UserOpt = None
) -> None:
    """監査証跡の分析報告書（番号）を証跡として添付 / attach a trail analysis report."""
    with signed_in_transaction(data_dir, user) as (session, context):
        inspections.attach_report(session, context, inspection_id=inspection_id, report_seq=seq)
    typer.echo("添付しました / attached")


@app.command("report-to-chief")
def report_to_chief(
    inspection_id: uuid.UUID,
    chief: Annotated[str, typer.Option(help="総括責任者のログイン名 / chief officer's login")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """監査結果を総括責任者に報告（行政機関等） / report the audit to the chief officer."""
    with signed_in_transaction(data_dir, user) as (session, context):
        inspections.report_to_chief(
            session, context, inspection_id=inspection_id,
            chief_id=inspections.member_id(session, context, chief),
        )  # fmt: skip
    typer.echo("報告を記録しました / report recorded")


@app.command("actions")
def actions(
    open_only: Annotated[bool, typer.Option("--open", help="未完了のみ / open only")] = False,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """是正措置の一覧 / the corrective actions."""
    with signed_in_transaction(data_dir, user) as (session, context):
        found = inspections.actions(session, context, open_only=open_only)
        for v in found:
            late = "\t期限切れ/overdue" if v.overdue else ""
            typer.echo(f"{v.action.id}\t{v.action.title}\t{v.owner}\t{v.action.due_on}\t"
                       f"{v.action.status}{late}")  # fmt: skip


class Table(StrEnum):
    INSPECTIONS = "inspections"
    ACTIONS = "actions"


@app.command("export")
def export(
    out: Annotated[Path, typer.Option(help="出力先（.csv / .xlsx） / output file")],
    table: Annotated[Table, typer.Option(help="CSVの台帳 / register for CSV")] = Table.INSPECTIONS,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """台帳を CSV / Excel で出力 / export the registers (the suffix picks the format)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        tables = inspections.registers(session, context)
    if out.suffix == ".xlsx":
        out.write_bytes(to_xlsx(tables))
    else:
        out.write_bytes(to_csv(tables[table is Table.ACTIONS]))
    typer.echo(f"書き出しました / written: {out}")

"""``mnvault training``: 人的安全管理措置 (別添1 2D) — plans, sessions, attendance from CSV,
who is due, pledges and the pledge rule, a clerk's record, the registers."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in, signed_in_transaction
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.training import services as training
from mnvault.training.shapes import to_csv, to_xlsx

app = typer.Typer(
    help="研修・誓約書・監督 / training, pledges and supervision", no_args_is_help=True
)


class Kind(StrEnum):
    PLEDGE = "pledge"
    WORK_RULES = "work_rules"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo("エラー / error: 日付は YYYY-MM-DD / a day is YYYY-MM-DD", err=True)
        raise typer.Exit(2) from None


@app.command("plan")
def plan(
    title: Annotated[str, typer.Option(help="計画名 / plan title")],
    year: Annotated[int, typer.Option(help="年度 / fiscal year")],
    article29_2: Annotated[
        bool, typer.Option("--article29-2", help="番号法第29条の2の研修 / Act art. 29-2")
    ] = False,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """研修計画を作る / create a training plan."""
    with signed_in_transaction(data_dir, user) as (session, context):
        made = training.create_plan(
            session, context, title=title, fiscal_year=year, article29_2=article29_2
        ).id
    typer.echo(str(made))


@app.command("session")
def session_(
    plan_id: Annotated[uuid.UUID, typer.Option("--plan", help="計画ID / plan id")],
    on: Annotated[str, typer.Option("--on", help="実施日 / day")],
    topic: Annotated[str, typer.Option(help="テーマ / topic")],
    material: Annotated[str | None, typer.Option(help="教材 / material")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """研修の実施を記録 / record a session."""
    with signed_in_transaction(data_dir, user) as (session, context):
        made = training.add_session(
            session, context, plan_id=plan_id, held_on=_day(on), topic=topic, material=material
        ).id
    typer.echo(str(made))


@app.command("import-attendance")
def import_attendance(
    session_id: uuid.UUID,
    file: Annotated[Path, typer.Argument(help="CSV（見出し login; cp932 / UTF-8）")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """受講者を CSV から取り込む（全件か0件） / import attendance from CSV, all or nothing."""
    data = file.read_bytes()
    with signed_in_transaction(data_dir, user) as (session, context):
        added = training.import_attendance(session, context, session_id=session_id, data=data)
    typer.echo(f"取り込みました / imported: {added}")


@app.command("due")
def due(
    article29_2: Annotated[bool, typer.Option("--article29-2", help="第29条の2の研修")] = False,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """間隔内に受講していない人 / who has not attended within the interval."""
    with signed_in_transaction(data_dir, user) as (session, context):
        gaps = training.not_attended(session, context, article29_2=article29_2)
    if not gaps:
        typer.echo("ありません / none")
    for g in gaps:
        last = g.last.date() if g.last else "未受講/never"
        typer.echo(f"{g.name}\t{last}\t{g.due_on or '-'}")


@app.command("pledge")
def pledge(
    login: str,
    kind: Annotated[Kind, typer.Option(help="pledge | work_rules")],
    signed_on: Annotated[str, typer.Option(help="署名日 / signing day")],
    copy: Annotated[Path | None, typer.Option(help="署名済みの写し（PDF・画像）")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """誓約書を記録（写しは封印して保管） / record a pledge (the copy kept sealed)."""
    data = copy.read_bytes() if copy is not None else None
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                made = training.record_pledge(
                    session, context, user_id=training.member_id(session, context, login),
                    kind=training.PledgeKind(kind), signed_on=_day(signed_on),
                    envelope=vault.envelope, filename=copy.name if copy else "pledge.pdf",
                    file=data,
                ).id  # fmt: skip
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo(str(made))


@app.command("pledges")
def pledges(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """誓約書の一覧と、記録のない担当者 / pledges, and the clerks without one."""
    with signed_in_transaction(data_dir, user) as (session, context):
        rows = [
            (p.user_id, p.kind, p.method, p.signed_at.date())
            for p in training.pledges(session, context)
        ]
        missing = training.without_pledge(session, context)
    for user_id, kind, method, signed in rows:
        typer.echo(f"{user_id}\t{kind}\t{method}\t{signed}")
    for _user_id, name in missing:
        typer.echo(f"誓約書なし / no pledge: {name}")


@app.command("settings")
def settings(
    require_pledge: Annotated[
        bool, typer.Option("--require-pledge/--no-require-pledge", help="割当ての前に誓約書")
    ],
    interval: Annotated[int, typer.Option(help="研修の間隔（日） / interval in days")] = 365,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """誓約書の要否と研修の間隔 / the pledge rule and the training interval."""
    with signed_in_transaction(data_dir, user) as (session, context):
        training.set_settings(
            session, context, require_pledge=require_pledge, training_interval_days=interval
        )
    typer.echo("保存しました / saved")


@app.command("clerk")
def clerk(login: str, data_dir: DataDir = None, user: UserOpt = None) -> None:
    """担当者の記録と監査証跡上の活動（90日） / a clerk's record and activity (90 days)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        r = training.clerk_record(session, context, training.member_id(session, context, login))
    typer.echo(f"{r.name} ({r.login})\t{','.join(r.roles)}\t{','.join(r.affairs)}")
    typer.echo(f"誓約書/pledges: {len(r.pledges)}\t最終受講/last training: {r.last_training}")
    for action, count in r.activity:
        typer.echo(f"{action}\t{count}")


TABLES = ("sessions", "attendance", "due", "pledges")


@app.command("export")
def export(
    out: Annotated[Path, typer.Option(help="出力先（.csv / .xlsx） / output file")],
    table: Annotated[str, typer.Option(help="sessions | attendance | due | pledges")] = "sessions",
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """台帳を CSV / Excel で出力 / export the registers (the suffix picks the format)."""
    if table not in TABLES:
        fail("sessions | attendance | due | pledges", 2)
    with signed_in_transaction(data_dir, user) as (session, context):
        tables = training.registers(session, context)
    out.write_bytes(
        to_xlsx(tables) if out.suffix == ".xlsx" else to_csv(tables[TABLES.index(table)])
    )
    typer.echo(f"書き出しました / written: {out}")

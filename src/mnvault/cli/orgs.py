"""mnvault org …: departments and the register of SPI files (run as an admin)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from typing import Annotated

import typer

from mnvault.access import services as access
from mnvault.cli.common import DataDir, UserOpt, fail, signed_in_transaction
from mnvault.orgs import services as orgs
from mnvault.orgs import small_business, standing
from mnvault.orgs.models import OrganisationKind

Employees = Annotated[
    int | None, typer.Option(help="従業員数（中小規模事業者のとき必須） / headcount")
]
UseAffairs = Annotated[bool | None, typer.Option(help=small_business.EXCLUSIONS[0].question_ja)]
Contractor = Annotated[bool | None, typer.Option(help=small_business.EXCLUSIONS[1].question_ja)]
Financial = Annotated[bool | None, typer.Option(help=small_business.EXCLUSIONS[2].question_ja)]
Over5000 = Annotated[bool | None, typer.Option(help=small_business.EXCLUSIONS[3].question_ja)]


def _answers(
    use_affairs: bool | None,
    contractor: bool | None,
    financial: bool | None,
    over_5000_persons: bool | None,
) -> dict[small_business.Exclusion, bool | None]:
    exclusion = small_business.Exclusion
    return {
        exclusion.USE_AFFAIRS: use_affairs, exclusion.CONTRACTOR: contractor,
        exclusion.FINANCIAL: financial, exclusion.OVER_5000_PERSONS: over_5000_persons,
    }  # fmt: skip


app = typer.Typer(help="組織・部署・特定個人情報ファイル / organisation", no_args_is_help=True)


@app.command("create")
def create(
    name: Annotated[str, typer.Option("--name", help="組織名 / organisation name")],
    kind: Annotated[OrganisationKind, typer.Option("--kind", help="組織の種別 / kind")],
    code: Annotated[
        str | None, typer.Option("--code", help="組織コード（省略時は自動） / sign-in code")
    ] = None,
    admin_login: Annotated[
        str, typer.Option("--admin-login", help="最初の管理者のログイン名 / first admin's login")
    ] = "admin",
    employees: Employees = None,
    use_affairs: UseAffairs = None,
    contractor: Contractor = None,
    financial: Financial = None,
    over_5000_persons: Over5000 = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """組織（委託元など）を追加（運用組織の管理者のみ） / add an organisation (operator admins).

    A small business gives --employees and answers each exclusion of 事業者編 別添1 2 (注)."""
    answers = _answers(use_affairs, contractor, financial, over_5000_persons)
    with signed_in_transaction(data_dir, user) as (session, context):
        made = orgs.create_client_organisation(
            session, context, name=name, kind=kind, code=code, admin_login=admin_login,
            employees=employees, answers=answers,
        )  # fmt: skip
        org_code, org_id = made.organisation.code, made.organisation.id
        result = standing.standing(session, org_id)
    typer.echo(f"追加しました / created: {name}")
    typer.echo(f"組織コード / organisation code: {org_code}")
    typer.echo(f"組織ID / organisation id: {org_id}")
    for ja, en in result.lines():  # the small-business answers' result (別添1 2 (注))
        typer.echo(f"{ja} / {en}")
    typer.echo(f"最初の管理者 / first administrator: {org_code}:{made.admin_login}")
    typer.echo(
        f"初期パスワード（一度だけ表示・初回サインインで変更） / initial password (shown once, "
        f"changed at first sign-in): {made.admin_password}"
    )


@app.command("small-business")
def small_business_answers(
    employees: Employees = None,
    use_affairs: UseAffairs = None,
    contractor: Contractor = None,
    financial: Financial = None,
    over_5000_persons: Over5000 = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """中小規模事業者の回答を表示・更新（別添1 2 (注)） / show or answer the small-business
    questions: without options it shows the stored answers and what they decide."""
    answers = _answers(use_affairs, contractor, financial, over_5000_persons)
    with signed_in_transaction(data_dir, user) as (session, context):
        if employees is None and all(v is None for v in answers.values()):
            result = standing.read(session, context)
        else:
            result = standing.answer(session, context, employees=employees, answers=answers)
    if result.declaration is not None:
        typer.echo(f"従業員数 / employees: {result.declaration.employees}")
        for rule in small_business.EXCLUSIONS:
            yes = rule.exclusion in result.declaration.exclusions
            typer.echo(f"{rule.question_ja}: {'はい / yes' if yes else 'いいえ / no'}")
    for ja, en in result.lines():
        typer.echo(f"{ja} / {en}")
    if (warning := result.warning()) is not None:
        typer.echo(f"警告 / warning: {warning[0]} / {warning[1]}", err=True)


@app.command("small-business-check")
def small_business_check(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """中小規模事業者の除外事由がデータに表れていないか確認 / whether the data shows an
    exclusion from 中小規模事業者 (事業者編 別添1 2 (注))."""
    with signed_in_transaction(data_dir, user) as (session, context):
        warnings = small_business.check(session, context)
    for warning in warnings:
        typer.echo(f"警告 / warning: {warning.message_ja} / {warning.message_en}", err=True)
    if not warnings:
        typer.echo("除外事由は見当たりません / no exclusion shows in the data")


@app.command("add-department")
def add_department(
    code: Annotated[str, typer.Argument(help="部署コード / department code")],
    name: Annotated[str, typer.Argument(help="部署名 / name")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """部署を追加 / add a department."""
    with signed_in_transaction(data_dir, user) as (session, context):
        orgs.create_department(session, context, code=code, name=name)
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
    with signed_in_transaction(data_dir, user) as (session, context):
        orgs.register_spi_file(
            session, context, name=name, purpose=purpose, affair_codes=affair,
            responsible_user_id=context.actor_id, department_code=department,
        )  # fmt: skip
    typer.echo(f"登録しました / registered: {name}")


@app.command("spi-files")
def spi_files(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """特定個人情報ファイルの一覧（番号は含まない） / the SPI file register (no numbers)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        register = orgs.spi_file_register(session, context)
        lines = [
            f"{f.name}\t{', '.join(f.affair_codes)}\t{f.purpose}\t{f.created_at:%Y-%m-%d}"
            for f in register
        ]
    typer.echo("名称 / name\t事務 / affairs\t利用目的 / purpose\t登録日 / registered")
    for line in lines:
        typer.echo(line)


@app.command("conditions")
def conditions(
    office_days: Annotated[
        str | None, typer.Option(help="勤務曜日 1=月〜7=日 (例: 1-5 または 1,2,3,4,5) / weekdays")
    ] = None,
    office_hours: Annotated[
        str | None, typer.Option(help="勤務時間 (例: 08:30-19:00) / office hours HH:MM-HH:MM")
    ] = None,
    network: Annotated[
        list[str] | None,
        typer.Option(help="取扱区域のネットワーク (CIDR、複数可) / handling-area network"),
    ] = None,
    time_zone: Annotated[str, typer.Option(help="タイムゾーン / time zone")] = "Asia/Tokyo",
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """特定個人情報を扱える曜日・時間帯・ネットワークを設定（省略は制限なし） / set conditions."""
    try:
        days = _days(office_days) if office_days else None
        start, end = _hours(office_hours) if office_hours else (None, None)
    except ValueError:
        fail("曜日・時間の書式が正しくありません / bad weekday or time format")
    with signed_in_transaction(data_dir, user) as (session, context):
        access.set_conditions(
            session, context, time_zone=time_zone, office_days=days,
            office_start=start, office_end=end, networks=network or None,
        )  # fmt: skip
    typer.echo("設定しました / conditions set")
    if network and not any(_covers_loopback(n) for n in network):
        typer.echo(
            "注意: このコマンドラインは 127.0.0.1 から操作します。CLIで番号を扱うには "
            "127.0.0.1/32 も加えてください / NOTE: the CLI acts from 127.0.0.1; add "
            "127.0.0.1/32 to handle numbers from the command line",
            err=True,
        )


def _days(text: str) -> list[int]:
    if "-" in text:
        first, last = (int(part) for part in text.split("-", 1))
        return list(range(first, last + 1))
    return [int(part) for part in text.split(",")]


def _hours(text: str) -> tuple[dt.time, dt.time]:
    start, end = text.split("-", 1)
    return dt.time.fromisoformat(start.strip()), dt.time.fromisoformat(end.strip())


def _covers_loopback(network: str) -> bool:
    try:
        return ipaddress.ip_address("127.0.0.1") in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False

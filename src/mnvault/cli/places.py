"""``mnvault area`` and ``mnvault device``: the places register (事業者編 別添1 2E) —
areas and their entry logs, devices, media and paper, their take-outs and disposals."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in, signed_in_transaction
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.places import services as places

area_app = typer.Typer(
    help="管理区域・取扱区域と入退室記録 / areas and entry logs", no_args_is_help=True
)
device_app = typer.Typer(
    help="機器・電子媒体・書類、持出し、廃棄 / devices, media, paper, take-outs, disposal",
    no_args_is_help=True,
)


def _area_id(session: object, context: object, reference: str) -> uuid.UUID:
    for row in places.list_areas(session, context):  # type: ignore[arg-type]
        if reference in (row.name, str(row.id)):
            return row.id
    fail(f"区域 {reference!r} はありません / no area {reference!r}")


def _device_id(session: object, context: object, reference: str) -> uuid.UUID:
    for row in places.list_devices(session, context):  # type: ignore[arg-type]
        if reference in (row.label, str(row.id)):
            return row.id
    fail(f"機器 {reference!r} はありません / no device {reference!r}")


@area_app.command("list")
def area_list(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """区域の一覧 / the areas, their measures and networks."""
    with signed_in_transaction(data_dir, user) as (session, context):
        for row in places.list_areas(session, context):
            links = places.network_links(session, context, row)
            nets = ", ".join(
                f"{n.network}{'(制限中/enforced)' if n.enforced else ''}" for n in links
            )
            kind = places.KINDS[row.kind][0]
            typer.echo(
                f"{row.id}  {kind}  {row.name}  {row.location}  [{', '.join(row.measures)}]  {nets}"
            )


@area_app.command("add")
def area_add(
    name: Annotated[str, typer.Option("--name")],
    kind: Annotated[str, typer.Option("--kind", help="controlled | handling")],
    location: Annotated[str, typer.Option("--location")],
    measure: Annotated[list[str] | None, typer.Option("--measure", help="entry_control …")] = None,
    network: Annotated[list[str] | None, typer.Option("--network", help="CIDR")] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """区域を登録 / register an area. --measure: entry_control, entry_log, device_limits,
    partitions, seating, screening, locked_storage, security_wire."""
    with signed_in_transaction(data_dir, user) as (session, context):
        row = places.save_area(
            session, context, name=name, kind=kind, location=location, measures=measure or [],
            networks=network or [], note=note,
        )  # fmt: skip
        typer.echo(f"登録しました / registered: {row.id}")


@area_app.command("import")
def area_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    area: Annotated[str, typer.Option("--area", help="名称かID / name or id")],
    mapping: Annotated[
        str, typer.Option("--mapping", help="generic | generic_ja | split_ja | 自社定義")
    ] = "generic",
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """入退室管理システムのCSVを取り込む（全行か0行）/ import an access-control CSV."""
    data = file.read_bytes()
    with signed_in_transaction(data_dir, user) as (session, context):
        row = places.import_entries(
            session, context, area_id=_area_id(session, context, area), filename=file.name,
            data=data, mapping=mapping,
        )  # fmt: skip
        typer.echo(f"{row.rows}行を取り込みました / imported {row.rows} lines")


@area_app.command("mappings")
def area_mappings(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """列の対応付けの一覧（JSON）/ the column mappings as JSON."""
    with signed_in_transaction(data_dir, user) as (session, context):
        found = {name: m.as_spec() for name, m in places.mappings(session, context).items()}
    typer.echo(json.dumps(found, ensure_ascii=False, indent=2))


@area_app.command("mapping-save")
def area_mapping_save(
    name: Annotated[str, typer.Argument()],
    spec: Annotated[Path, typer.Option("--spec", exists=True, dir_okay=False, help="JSON")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """自社の入退室管理システム用の対応付けを保存 / save a mapping for your system."""
    try:
        parsed = json.loads(spec.read_text("utf-8"))
    except (ValueError, UnicodeDecodeError):
        fail("JSONとして読めません / not readable as JSON")
    with signed_in_transaction(data_dir, user) as (session, context):
        places.save_mapping(session, context, name=name, spec=parsed)
    typer.echo(f"保存しました / saved: {name}")


@area_app.command("check")
def area_check(
    since: Annotated[str, typer.Option("--from", help="YYYY-MM-DD")],
    until: Annotated[str, typer.Option("--to", help="YYYY-MM-DD")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """入退室記録と監査記録の突合 / the entry logs against the trail (audit:read)."""
    try:
        start, stop = date.fromisoformat(since), date.fromisoformat(until)
    except ValueError:
        fail("日付は YYYY-MM-DD / dates are YYYY-MM-DD")
    with signed_in_transaction(data_dir, user) as (session, context):
        checked = places.cross_check(session, context, since=start, until=stop)
        names = places.logins(session, {f.user_id for f in checked.outside if f.user_id})
    for f in checked.after_hours:
        typer.echo(f"時間外入室 / after-hours entry  {f.day}  {f.badge}  {f.count}")
    for f in checked.outside:
        who = names.get(f.user_id, "?") if f.user_id else "?"
        seqs = ",".join(f"#{s}" for s in f.seqs)
        typer.echo(f"区域外での閲覧 / read outside the area  {f.day}  {who}  {f.count}  {seqs}")
    if not checked.after_hours and not checked.outside:
        typer.echo("所見はありません / no findings")


def _export(fmt: str, out: Path | None, data_dir: Path | None, user: str | None) -> None:
    with signed_in_transaction(data_dir, user) as (session, context):
        data = places.export(session, context, fmt).data
    if out is None:
        sys.stdout.buffer.write(data)
    else:
        out.write_bytes(data)
        typer.echo(f"書き出しました / written: {out}")


@area_app.command("export")
def area_export(
    fmt: Annotated[str, typer.Option("--format", help="xlsx | csv")] = "xlsx",
    out: Annotated[Path | None, typer.Option("--out")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """台帳を出力（Excel: 区域・機器・持出し・廃棄、CSV: 機器）/ export the register."""
    _export(fmt, out, data_dir, user)


@device_app.command("export")
def device_export(
    fmt: Annotated[str, typer.Option("--format", help="xlsx | csv")] = "csv",
    out: Annotated[Path | None, typer.Option("--out")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """台帳を出力 / export the register."""
    _export(fmt, out, data_dir, user)


@device_app.command("list")
def device_list(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """機器・媒体・書類の一覧 / devices, media and paper."""
    with signed_in_transaction(data_dir, user) as (session, context):
        for row in places.list_devices(session, context):
            typer.echo(
                f"{row.id}  {places.DEVICE_KINDS[row.kind][0]}  {row.label}  "
                f"{places.ENCRYPTIONS[row.encryption][0]}  {places.STATUSES[row.status][0]}"
            )


@device_app.command("add")
def device_add(
    kind: Annotated[str, typer.Option("--kind", help=" | ".join(places.DEVICE_KINDS))],
    label: Annotated[str, typer.Option("--label")],
    owner: Annotated[str, typer.Option("--owner", help="ログイン / login")],
    encryption: Annotated[str, typer.Option("--encryption", help=" | ".join(places.ENCRYPTIONS))],
    area: Annotated[str | None, typer.Option("--area")] = None,
    status: Annotated[str, typer.Option("--status")] = "in_use",
    note: Annotated[str | None, typer.Option("--note")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """機器・媒体・書類を登録 / register a device, medium or paper file."""
    with signed_in_transaction(data_dir, user) as (session, context):
        row = places.save_device(
            session, context, kind=kind, label=label, owner_login=owner, encryption=encryption,
            status=status, area_id=_area_id(session, context, area) if area else None, note=note,
        )  # fmt: skip
        typer.echo(f"登録しました / registered: {row.id}")


@device_app.command("takeout")
def device_takeout(
    device: Annotated[str, typer.Argument(help="名称かID / label or id")],
    purpose: Annotated[str, typer.Option("--purpose")],
    destination: Annotated[str, typer.Option("--to")],
    safeguard: Annotated[
        list[str], typer.Option("--safeguard", help=" | ".join(places.SAFEGUARDS))
    ],
    due_back: Annotated[str | None, typer.Option("--due-back", help="YYYY-MM-DD")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """媒体・書類の持出しを申請 / ask to take a medium or paper out."""
    with signed_in_transaction(data_dir, user) as (session, context):
        row = places.request_takeout(
            session, context, device_id=_device_id(session, context, device), purpose=purpose,
            destination=destination, safeguards=safeguard,
            due_back=date.fromisoformat(due_back) if due_back else None,
        )  # fmt: skip
        typer.echo(f"申請しました / asked: {row.id}")


@device_app.command("takeouts")
def device_takeouts(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """持出し台帳 / the take-out ledger."""
    with signed_in_transaction(data_dir, user) as (session, context):
        for row in places.list_takeouts(session, context):
            typer.echo(f"{row.id}  {row.state}  {row.destination}  {row.due_back or '—'}")


def _step(takeout: str, step: str, data_dir: Path | None, user: str | None) -> None:
    try:
        takeout_id = uuid.UUID(takeout)
    except ValueError:
        fail("持出しのIDを指定 / give the take-out id")
    with signed_in_transaction(data_dir, user) as (session, context):
        if step == "return":
            places.return_takeout(session, context, takeout_id=takeout_id)
        else:
            places.decide_takeout(
                session, context, takeout_id=takeout_id, approve=step == "approve"
            )
    typer.echo(f"記録しました / recorded: {step}")


@device_app.command("approve")
def device_approve(takeout: str, data_dir: DataDir = None, user: UserOpt = None) -> None:
    """持出しを承認（申請者以外の責任者）/ approve (a manager other than the asker)."""
    _step(takeout, "approve", data_dir, user)


@device_app.command("refuse")
def device_refuse(takeout: str, data_dir: DataDir = None, user: UserOpt = None) -> None:
    """持出しを却下 / refuse a take-out."""
    _step(takeout, "refuse", data_dir, user)


@device_app.command("return")
def device_return(takeout: str, data_dir: DataDir = None, user: UserOpt = None) -> None:
    """返却を記録 / record the return."""
    _step(takeout, "return", data_dir, user)


@device_app.command("dispose")
def device_dispose(
    device: Annotated[str, typer.Argument(help="名称かID / label or id")],
    method: Annotated[str, typer.Option("--method", help=" | ".join(places.METHODS))],
    performed_on: Annotated[str, typer.Option("--on", help="YYYY-MM-DD")],
    performed_by: Annotated[str, typer.Option("--by", help="ログイン / login")],
    contractor: Annotated[str | None, typer.Option("--contractor")] = None,
    certificate: Annotated[
        Path | None, typer.Option("--certificate", exists=True, dir_okay=False)
    ] = None,
    note: Annotated[str | None, typer.Option("--note")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """機器・媒体・書類の廃棄を記録（委託先は証明書つき）/ record a disposal."""
    try:
        on = date.fromisoformat(performed_on)
    except ValueError:
        fail("日付は YYYY-MM-DD / dates are YYYY-MM-DD")
    data = certificate.read_bytes() if certificate else None
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                row = places.dispose_device(
                    session, vault.envelope, context,
                    device_id=_device_id(session, context, device), method=method,
                    performed_on=on, performed_by_login=performed_by,
                    contractor_name=contractor, certificate=data, note=note,
                )  # fmt: skip
                typer.echo(f"記録しました / recorded: {row.id}")
        except KNOWN_ERRORS as exc:
            fail(str(exc))

"""``mnvault partner``: the register of 委託先 and 再委託先 (番号法第10条・第11条, 事業者編
第4-2-(1)), the places abroad (別添1 2G), the storage location and the SPI file register
(別添1 2C c). Thin: parse, call mnvault.partners, print. Nothing printed holds a number."""

from __future__ import annotations

import json
import sys
import uuid
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in, signed_in_transaction
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.partners import places, spi_register
from mnvault.partners import services as partners

app = typer.Typer(
    help="委託先・外的環境・特定個人情報ファイル台帳 / outsourcees, places abroad, SPI files",
    no_args_is_help=True,
)


class Format(StrEnum):
    CSV = "csv"
    JSON = "json"
    TABLE = "table"
    XLSX = "xlsx"


def _upload(path: Path | None) -> partners.Upload | None:
    return None if path is None else partners.Upload(path.name, path.read_bytes())


def _show(row: Any) -> None:
    label = partners.STATE_LABELS[row.state]
    typer.echo(f"{row.id}\t{row.name}\t{row.organisation_code or '-'}\t{row.country}\t"
               f"{','.join(row.affair_codes)}\t{label[0]} / {label[1]}")  # fmt: skip


@app.command("list")
def listing(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """委託先の一覧 / every outsourcee."""
    with signed_in_transaction(data_dir, user) as (session, context):
        for row in partners.listing(session, context):
            _show(row)
        for item in partners.attention(session, context):
            typer.echo(f"! {item.title_ja} / {item.title_en}")


@app.command("register")
def register(
    name: Annotated[str, typer.Option("--name", help="委託先の名称 / name")],
    affairs: Annotated[list[str], typer.Option("--affair", help="委託する事務 / affair code")],
    code: Annotated[str | None, typer.Option("--code", help="組織コード / org code")] = None,
    country: Annotated[str, typer.Option("--country")] = "JP",
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """委託先を登録する / register an outsourcee."""
    with signed_in_transaction(data_dir, user) as (session, context):
        _show(partners.register(session, context, name=name, affair_codes=affairs,
                                organisation_code=code, country=country))  # fmt: skip


@app.command("select")
def select(
    partner_id: uuid.UUID,
    checked: Annotated[list[str], typer.Option("--checked", help="確認事項 / item key")],
    note: Annotated[str | None, typer.Option("--note")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """選定の確認事項を記録する / record the selection check (keys: see --help)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        _show(partners.record_selection(session, context, partner_id, checked=checked, note=note))


@app.command("contract")
def contract(
    partner_id: uuid.UUID,
    clauses: Annotated[list[str], typer.Option("--clause", help="契約の条項 / clause key")],
    start: Annotated[str, typer.Option("--start", help="YYYY-MM-DD")],
    end: Annotated[str | None, typer.Option("--end", help="YYYY-MM-DD")] = None,
    file: Annotated[Path | None, typer.Option("--file", help="契約書 / contract file")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """委託契約を記録する（必要な条項がすべて必要）/ record the contract."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                _show(partners.record_contract(
                    session, context, partner_id, clauses=clauses,
                    start=date.fromisoformat(start), end=date.fromisoformat(end) if end else None,
                    contract=_upload(file), envelope=vault.envelope,
                ))  # fmt: skip
        except KNOWN_ERRORS as exc:
            fail(str(exc))


@app.command("supervise")
def supervise(
    partner_id: uuid.UUID,
    summary: Annotated[str, typer.Option("--summary")],
    kind: Annotated[str, typer.Option("--kind", help="report | on_site")] = "report",
    on: Annotated[str | None, typer.Option("--on", help="YYYY-MM-DD")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """取扱状況の把握（報告の受領・実地調査）を記録する / record a report or on-site check."""
    with signed_in_transaction(data_dir, user) as (session, context):
        partners.record_supervision(
            session, context, partner_id, kind=kind, summary=summary,
            performed_on=date.fromisoformat(on) if on else date.today(),
        )  # fmt: skip


@app.command("subcontract")
def subcontract(
    partner_id: uuid.UUID,
    name: Annotated[str, typer.Option("--name")],
    affairs: Annotated[list[str], typer.Option("--affair")],
    code: Annotated[str | None, typer.Option("--code")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """委託先からの再委託の申出を記録する / record a request to sub-outsource."""
    with signed_in_transaction(data_dir, user) as (session, context):
        row = partners.request_subcontract(
            session, context, partner_id, name=name, affair_codes=affairs, organisation_code=code
        )
        _show(row)


@app.command("decide")
def decide(
    partner_id: uuid.UUID,
    approve: Annotated[bool, typer.Option("--approve/--refuse")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """再委託を許諾する・しない / approve or refuse a sub-outsourcing."""
    with signed_in_transaction(data_dir, user) as (session, context):
        _show(partners.decide_subcontract(session, context, partner_id, approve=approve))


@app.command("end")
def end(
    partner_id: uuid.UUID,
    reason: Annotated[str, typer.Option("--reason")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """委託を終了する（外部利用者の役割も終わる）/ end the outsourcing."""
    with signed_in_transaction(data_dir, user) as (session, context):
        _show(partners.end(session, context, partner_id, reason=reason))


@app.command("return")
def returned(
    partner_id: uuid.UUID,
    how: Annotated[str, typer.Option("--how", help="returned | disposed")],
    note: Annotated[str | None, typer.Option("--note")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """契約終了後の返却・廃棄を確認する / confirm the return or disposal."""
    with signed_in_transaction(data_dir, user) as (session, context):
        _show(partners.record_return(session, context, partner_id, how=how, note=note))


@app.command("places")
def list_places(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """保管場所と国外での取扱いの一覧 / the storage location and the places abroad."""
    with signed_in_transaction(data_dir, user) as (session, context):
        found = places.location(session, context)
        typer.echo(f"保管場所 / storage: {found.country} {found.place}" if found
                   else "保管場所 / storage: 未記録 / not recorded")  # fmt: skip
        for p in places.places(session, context):
            typer.echo(f"{p.id}\t{p.country}\t{p.kind}\t{p.place}\t{p.what}\t{p.safeguards}\t"
                       f"{p.regime_note}\t{p.reviewed_on.isoformat()}")  # fmt: skip


@app.command("add-place")
def add_place(
    kind: Annotated[str, typer.Option("--kind", help="cloud | outsourcee | remote_staff | other")],
    country: Annotated[str, typer.Option("--country")],
    place: Annotated[str, typer.Option("--place")],
    what: Annotated[str, typer.Option("--what")],
    safeguards: Annotated[str, typer.Option("--safeguards")],
    regime_note: Annotated[str, typer.Option("--regime-note")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """国外での取扱いを登録する（別添1 2G）/ record a place abroad."""
    with signed_in_transaction(data_dir, user) as (session, context):
        row = places.add_place(
            session, context, kind=kind, country=country, place=place, what=what,
            safeguards=safeguards, regime_note=regime_note, reviewed_on=date.today(),
        )  # fmt: skip
        typer.echo(str(row.id))


@app.command("set-location")
def set_location(
    country: Annotated[str, typer.Option("--country")],
    place: Annotated[str, typer.Option("--place")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """このシステムの保管場所を記録する / record where this deployment keeps its data."""
    with signed_in_transaction(data_dir, user) as (session, context):
        places.set_location(session, context, country=country, place=place)


@app.command("spi-files")
def spi_files(
    fmt: Annotated[
        Format, typer.Option("--format", help="table | json | csv | xlsx")
    ] = Format.TABLE,
    out: Annotated[Path | None, typer.Option("--out")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """特定個人情報ファイル台帳 / the SPI file register (live holders, disposal status)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        entries = spi_register.register(session, context)
    if fmt in (Format.CSV, Format.XLSX):
        data = spi_register.to_csv(entries) if fmt is Format.CSV else spi_register.to_xlsx(entries)
        if out is None:
            sys.stdout.buffer.write(data)
        else:
            out.write_bytes(data)
            typer.echo(f"書き出しました / written: {out}")
        return
    rows = spi_register.rows(entries)
    if fmt is Format.JSON:
        typer.echo(json.dumps([dict(zip(spi_register.HEADER, r, strict=True)) for r in rows],
                              ensure_ascii=False, indent=2))  # fmt: skip
        return
    for r in rows:
        typer.echo("\t".join(r))


@app.command("describe-file")
def describe_file(
    spi_file_id: uuid.UUID,
    kind: Annotated[str, typer.Option("--kind", help="electronic | paper")],
    items: Annotated[list[str] | None, typer.Option("--item", help="記録項目 / item")] = None,
    form: Annotated[str | None, typer.Option("--form")] = None,
    person_range: Annotated[str | None, typer.Option("--persons")] = None,
    collection: Annotated[str | None, typer.Option("--collection")] = None,
    responsible: Annotated[uuid.UUID | None, typer.Option("--responsible")] = None,
    department: Annotated[uuid.UUID | None, typer.Option("--department")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """特定個人情報ファイルの記載を補う / complete an SPI file's entry."""
    with signed_in_transaction(data_dir, user) as (session, context):
        spi_register.describe(
            session, context, spi_file_id, kind=kind, form=form, items=items or [],
            person_range=person_range, collection_method=collection,
            responsible_user_id=responsible, department_id=department,
        )  # fmt: skip

"""mnvault provide …: record a provision (提供) under an item of 番号法第19条, list the
items open to the organisation. The rule is the service's (vault/provision.py)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from mnvault.cli.common import DataDir, UserOpt, fail, signed_in_transaction
from mnvault.vault import services as vault_services
from mnvault.vault.models import RecipientKind
from mnvault.vault.provision import Conditions, Consent
from mnvault.vault.provision_items import Item16Condition, items_for
from mnvault.vault.provision_records import organisation_kind

app = typer.Typer(help="提供（番号法第19条） / provisions (My Number Act Art. 19)")


@app.command("items")
def items(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """この組織が提供できる番号法第19条の号 / the items of Art. 19 open to this organisation."""
    with signed_in_transaction(data_dir, user) as (session, context):
        open_items = items_for(organisation_kind(session, context))
    for item in open_items:
        typer.echo(f"{item.basis}\t{item.name_ja} / {item.name_en}")


@app.command("record")
def record(
    external_ref: Annotated[list[str], typer.Argument(help="本人の社員番号など / external ids")],
    affair: Annotated[str, typer.Option(help="事務 / affair")],
    basis: Annotated[str, typer.Option(help="番号法第19条第N号（mnvault provide items）")],
    recipient_kind: Annotated[RecipientKind, typer.Option(help="提供先の種別 / recipient kind")],
    recipient_name: Annotated[str, typer.Option(help="提供先 / recipient")],
    method: Annotated[str, typer.Option(help="提供方法 / method")],
    consent_given_on: Annotated[
        str | None, typer.Option(help="第4号: 同意の日 YYYY-MM-DD / consent date")
    ] = None,
    consent_recipient: Annotated[
        str | None, typer.Option(help="第4号: 同意が示す提供先 / recipient named")
    ] = None,
    consent_data: Annotated[
        str | None, typer.Option(help="第4号: 同意が示す情報 / data named")
    ] = None,
    item16_condition: Annotated[
        Item16Condition | None,
        typer.Option(help="第16号: consent（本人の同意あり）/ consent_difficult（同意困難）"),
    ] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """提供を記録する / record a provision."""
    consent = None
    if consent_given_on or consent_recipient or consent_data:
        try:
            given_on = date.fromisoformat(consent_given_on or "")
        except ValueError:
            fail("同意の日付が正しくありません / invalid consent date (YYYY-MM-DD)")
        consent = Consent(given_on, consent_recipient or "", consent_data or "")
    with signed_in_transaction(data_dir, user) as (session, context):
        persons = [vault_services.find_person(session, context, ref).id for ref in external_ref]
        provision = vault_services.provide(
            session, context.for_affair(affair), person_ids=persons,
            recipient_kind=recipient_kind, recipient_name=recipient_name, legal_basis=basis,
            method=method, conditions=Conditions(consent, item16_condition),
        )  # fmt: skip
        provision_id = provision.id
    typer.echo(f"提供を記録しました / provision recorded: {provision_id} ({basis})")

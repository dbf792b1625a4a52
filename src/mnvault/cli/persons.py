"""mnvault person …: show a person (masked), reveal a number for an affair, withdraw an
affair the number was acquired for by mistake, add one to it (利用目的の変更)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer

from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.numbers import mask
from mnvault.vault import link_check, purpose_change, withdrawal
from mnvault.vault import services as vault_services
from mnvault.vault.identity import describe

app = typer.Typer(help="本人 / persons", no_args_is_help=True)


@app.command("show")
def show(
    external_ref: Annotated[str, typer.Argument(help="社員番号・顧客番号など / external id")],
    reveal: Annotated[
        bool, typer.Option(help="個人番号を表示（監査記録あり） / show the number (audited)")
    ] = False,
    affair: Annotated[str | None, typer.Option(help="利用する事務 / affair of the use")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """本人を表示（番号は既定でマスク） / show a person (number masked by default)."""
    if reveal and not affair:
        fail("--reveal には --affair が必要です / --reveal needs --affair")
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                person = vault_services.find_person(session, context, external_ref)
                summary = vault_services.summarise_person(session, context, person.id)
                number = None
                if reveal and affair:
                    number = vault_services.use(
                        session, vault.envelope, context.for_affair(affair), person_id=person.id
                    )
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    p = summary.person
    typer.echo(f"本人 / person: {p.external_ref}  {p.name}  ({p.kind}, {p.life_status})")
    typer.echo(f"id: {p.id}")
    if not summary.number_held:
        typer.echo("個人番号 / my_number: 未保管 / not held")
        return
    typer.echo(f"個人番号 / my_number: {number if number else mask('0' * 12, 0)}")
    typer.echo(f"取得事務 / acquired for: {', '.join(summary.acquired_for)}")
    if summary.link_pending:
        typer.echo("紐付けの確認 / link check: 確認待ち / awaiting a second check")
    if summary.verification:
        v = summary.verification
        ja, en = describe(v.resolved())
        typer.echo(f"本人確認 / verification: {ja} / {en}, {v.verified_at.isoformat()}")


@app.command("withdraw-affair")
def withdraw_affair(
    external_ref: Annotated[str, typer.Argument(help="社員番号・顧客番号など / external id")],
    affair: Annotated[str, typer.Option(help="取り下げる事務 / affair to withdraw")],
    reason: Annotated[str, typer.Option(help="取下げの理由（必須） / reason (required)")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """誤って取得した事務を個人番号から取り下げる（責任者） / withdraw an affair the number
    was acquired for by mistake (a manager). 最後の事務は廃棄で / the last one: dispose."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                person = vault_services.find_person(session, context, external_ref)
                remaining = withdrawal.withdraw_affair(
                    session, context, person_id=person.id, affair_code=affair, reason=reason
                )
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo(f"取り下げ / withdrawn: {affair}")
    typer.echo(f"取得事務 / acquired for: {', '.join(remaining)}")


@app.command("link-check")
def link_check_confirm(
    external_ref: Annotated[str, typer.Argument(help="社員番号・顧客番号など / external id")],
    affair: Annotated[str, typer.Option(help="確認する事務 / affair you check under")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """紐付けの確認（取得・訂正した者以外） / confirm, as a second person, that the number
    and the person go together (事業者編 別添1 2B 手法の例示; 行政機関等編 別添1 2C a)."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                person = vault_services.find_person(session, context, external_ref)
                link_check.confirm(session, context.for_affair(affair), person_id=person.id)
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo(f"紐付けを確認しました / link checked: {external_ref}")


@app.command("add-affair")
def add_affair(
    external_ref: Annotated[str, typer.Argument(help="社員番号・顧客番号など / external id")],
    affair: Annotated[str, typer.Option(help="追加する事務 / affair to add")],
    notified_on: Annotated[
        datetime,
        typer.Option(formats=["%Y-%m-%d"], help="本人への通知日 / day the person was told"),
    ],
    method: Annotated[
        purpose_change.NoticeMethod, typer.Option(help="通知の方法 / how the person was told")
    ],
    note: Annotated[str, typer.Option(help="通知の内容（その他のとき必須） / note")] = "",
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """保管中の個人番号に事務を追加する（利用目的の変更・本人への通知を記録; 責任者） / add
    an affair to a number held (a change of purpose, the notice recorded; a manager)."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                person = vault_services.find_person(session, context, external_ref)
                held = purpose_change.add_affair(
                    session,
                    context,
                    person_id=person.id,
                    affair_code=affair,
                    notified_on=notified_on.date(),
                    method=method,
                    note=note,
                )
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo(f"追加 / added: {affair}")
    typer.echo(f"取得事務 / acquired for: {', '.join(held)}")

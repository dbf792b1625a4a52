"""mnvault user …: add users, grant roles, assign clerks to affairs (run as an admin);
change one's own password (anyone)."""

from __future__ import annotations

import os
import sys
import uuid
from typing import Annotated

import typer

from mnvault.access import outside
from mnvault.access import services as access
from mnvault.access.models import Role
from mnvault.affairs.services import get_affair
from mnvault.auth import services as auth
from mnvault.cli.common import DataDir, UserOpt, fail, opened_vault, sign_in, signed_in_transaction
from mnvault.config import read_environment, secret
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.orgs.codes import normalise_code

app = typer.Typer(help="利用者と権限 / users and roles", no_args_is_help=True)


@app.command("add")
def add(
    login: Annotated[str, typer.Argument(help="ログイン名 / login")],
    role: Annotated[list[Role], typer.Option(help="役割 / role (repeatable)")],
    name: Annotated[str, typer.Option(help="表示名 / display name")] = "",
    affair: Annotated[list[str] | None, typer.Option(help="担当事務 / assigned affair")] = None,
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """利用者を追加し初期パスワードを一度だけ表示 / add a user; shows the password once.

    The login is unique within this organisation only (another organisation may have
    the same one); the user signs in with this organisation's code and the login."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                new_user, password = access.add_member(
                    session, context, login=login, display_name=name or login, roles=role
                )
                for code in affair or []:
                    access.assign(
                        session,
                        context,
                        user=new_user,
                        affair=get_affair(session, context.organisation_id, code),
                    )
                organisation_code = access.organisation_code_of(session, context)
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo(f"追加しました / added: {login} ({', '.join(r.value for r in role)})")
    typer.echo(f"組織コード / organisation code: {organisation_code}")
    typer.echo(f"初期パスワード / initial password (shown once): {password}")


@app.command("add-system")
def add_system(
    login: Annotated[str, typer.Argument(help="ログイン名 / login")],
    role: Annotated[list[Role], typer.Option(help="役割 / role (repeatable)")],
    name: Annotated[str, typer.Option(help="表示名 / display name")] = "",
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """システム利用者を追加（APIトークン専用、サインイン不可） / add a system user (payroll,
    HR): it acts by API tokens only and never signs in; no password is shown. A manager
    assigns its affairs (`mnvault user assign`); then `mnvault token create`."""
    with signed_in_transaction(data_dir, user) as (session, context):
        access.add_system_user(
            session, context, login=login, display_name=name or login, roles=role
        )
    typer.echo(f"追加しました / added system user: {login} ({', '.join(r.value for r in role)})")


@app.command("assign")
def assign(
    login: Annotated[str, typer.Argument(help="ログイン名 / login")],
    affair: Annotated[list[str], typer.Option(help="担当事務 / affair (repeatable)")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """利用者を事務に割り当てる / assign a user to affairs (a system user's by a manager)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        target = access.user_by_reference(session, context, login)
        if target is None:
            fail("利用者が見つかりません / user not found")
        for code in affair:
            access.assign(
                session, context, user=target,
                affair=get_affair(session, context.organisation_id, code),
            )  # fmt: skip
    typer.echo(f"割り当てました / assigned: {login} → {', '.join(affair)}")


@app.command("confirm")
def confirm(
    login: Annotated[str, typer.Argument(help="ログイン名 / login")],
    code: Annotated[
        str,
        typer.Option(
            help="本人の認証アプリのコード（対面で） / a code from the user's own "
            "authenticator, read out in person"
        ),
    ],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """管理者がパスワードを設定した利用者を確認（事務取扱責任者） / confirm an account whose
    password an administrator set (a manager, with a code the user reads off their own
    authenticator in person); until then it reaches no number."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, user)
        try:
            with vault.transaction() as session:
                target = access.user_by_reference(session, context, login)
                if target is None:
                    fail("利用者が見つかりません / user not found")
                auth.confirm_user(
                    session, vault.envelope, context, user_id=target.id, code=code.strip()
                )
        except KNOWN_ERRORS as exc:
            fail(str(exc))
    typer.echo(f"確認しました / confirmed: {login}")


@app.command("add-outside")
def add_outside(
    reference: Annotated[
        str, typer.Argument(help="他組織の利用者 組織コード:ログイン名 / CODE:LOGIN of their home")
    ],
    role: Annotated[list[Role], typer.Option(help="役割 / role (repeatable)")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """他の組織（委託先など）の利用者にこの組織の役割を依頼する / ask that a user of another
    organisation (a payroll outsourcer's clerk, say), named CODE:LOGIN, get roles here.
    Their home organisation approves; until then they hold none. Their password and
    second factor stay with their home organisation."""
    with signed_in_transaction(data_dir, user) as (session, context):
        sent = outside.request_outside_member(session, context, reference=reference, roles=role)
        expires = sent.expires_at.date().isoformat()
    typer.echo(
        f"依頼を送りました / request sent: {reference} ({', '.join(r.value for r in role)}); "
        "利用者の所属組織が承認すると有効になります / it takes effect when the user's "
        f"organisation approves (期限 / expires {expires})"
    )


@app.command("outside-requests")
def outside_requests(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """この組織の利用者への他組織からの依頼 / requests from other organisations for this
    organisation's users, waiting for a decision."""
    with signed_in_transaction(data_dir, user) as (session, context):
        rows = outside.incoming_requests(session, context)
    if not rows:
        typer.echo("依頼はありません / no requests")
    for r in rows:
        typer.echo(
            f"{r.id}  {r.login} ({r.display_name}) → {r.organisation_code} "
            f"({r.organisation_name}): {', '.join(r.roles)}; "
            f"期限 / expires {r.expires_at.date().isoformat()}"
        )


def _decide(request_id: str, approve: bool, data_dir: DataDir, user: UserOpt) -> None:
    try:
        wanted = uuid.UUID(request_id)
    except ValueError:
        fail("依頼IDが正しくありません / not a request id")
    with signed_in_transaction(data_dir, user) as (session, context):
        outside.decide_request(session, context, request_id=wanted, approve=approve)
    typer.echo("承認しました / approved" if approve else "拒否しました / refused")


@app.command("approve-outside")
def approve_outside(
    request_id: Annotated[str, typer.Argument(help="依頼ID / request id")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """他組織からの依頼を承認（役割が付与される） / approve a request: the user gets the roles."""
    _decide(request_id, True, data_dir, user)


@app.command("refuse-outside")
def refuse_outside(
    request_id: Annotated[str, typer.Argument(help="依頼ID / request id")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """他組織からの依頼を拒否 / refuse a request."""
    _decide(request_id, False, data_dir, user)


@app.command("outside-roles")
def outside_roles(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """この組織の利用者が他の組織で持つ役割 / roles this organisation's users hold elsewhere."""
    with signed_in_transaction(data_dir, user) as (session, context):
        rows = outside.roles_elsewhere(session, context)
    if not rows:
        typer.echo("ありません / none")
    for r in rows:
        typer.echo(f"{r.login} ({r.display_name}) @ {r.organisation_code}: {r.role}")


@app.command("revoke-outside")
def revoke_outside(
    login: Annotated[str, typer.Argument(help="この組織の利用者 / this organisation's login")],
    organisation: Annotated[str, typer.Argument(help="相手の組織コード / the other's code")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """この組織の利用者を他の組織から引き揚げる / withdraw one of this organisation's users
    from another organisation (every role there, and the assignments)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        target = access.member_by_login(session, context, login)
        there = [
            r for r in outside.roles_elsewhere(session, context)
            if r.user_id == target.id and r.organisation_code == normalise_code(organisation)
        ]  # fmt: skip
        if not there:
            fail("その組織での役割はありません / no role in that organisation")
        ended = outside.revoke_elsewhere(
            session, context, user_id=target.id, organisation_id=there[0].organisation_id
        )
    typer.echo(f"取り消しました / revoked: {ended}")


@app.command("reset-totp")
def reset_totp(
    login: Annotated[str, typer.Argument(help="ログイン名 / login")],
    reason: Annotated[str, typer.Option(help="理由（監査記録に残る） / reason (audited)")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """認証アプリを失くした利用者の二要素認証をリセット / reset the second factor of a
    user who lost their authenticator (they enrol a new one at their next sign-in)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        target = access.member_by_login(session, context, login)
        ended = auth.reset_totp(session, context, user_id=target.id, reason=reason)
    typer.echo(
        f"リセットしました / reset: {login} (終了したセッション / sessions ended: {ended}); "
        "次回サインイン時に再登録 / they enrol a new authenticator at their next sign-in"
    )


@app.command("reset-password")
def reset_password(
    login: Annotated[str, typer.Argument(help="ログイン名 / login")],
    data_dir: DataDir = None,
    user: UserOpt = None,
) -> None:
    """一時パスワードを発行（一度だけ表示、要変更） / set a one-time password (shown once;
    the user must change it; their sessions end)."""
    with signed_in_transaction(data_dir, user) as (session, context):
        target = access.member_by_login(session, context, login)
        password = auth.reset_password(session, context, user_id=target.id)
    typer.echo(f"一時パスワード / temporary password (shown once): {password}")


@app.command("change-password")
def change_password(data_dir: DataDir = None, user: UserOpt = None) -> None:
    """自分のパスワードを変更（全セッション終了） / change your own password (every
    session ends). The new one: MNVAULT_NEW_PASSWORD, or asked twice on a terminal."""
    environment = read_environment()
    current = secret(environment.user_password)
    if current is None:
        if not sys.stdin.isatty():
            fail("パスワードがありません / no password (set MNVAULT_USER_PASSWORD)")
        current = str(typer.prompt("現在のパスワード / current password", hide_input=True))
        os.environ["MNVAULT_USER_PASSWORD"] = current  # sign-in asks for it once only
    new = secret(environment.new_password)
    if new is None:
        if not sys.stdin.isatty():
            fail("新しいパスワードがありません / no new password (set MNVAULT_NEW_PASSWORD)")
        new = str(
            typer.prompt(
                "新しいパスワード / new password", hide_input=True, confirmation_prompt=True
            )
        )
    with signed_in_transaction(data_dir, user) as (session, context):
        auth.change_password(session, user_id=context.actor_id, current=current, new=new)
    typer.echo("変更しました。再度サインインしてください / changed; sign in again")

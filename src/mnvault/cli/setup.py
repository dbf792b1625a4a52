"""mnvault init and mnvault serve."""

from __future__ import annotations

import dataclasses
import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from mnvault.cli.common import DataDir, fail
from mnvault.config import load_settings
from mnvault.deployment import services as deployment
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.errors import MnvaultError
from mnvault.orgs import small_business, standing
from mnvault.orgs.models import OrganisationKind


def _announce(result: deployment.InitResult) -> None:
    typer.echo(f"初期化しました / initialised. 組織 / organisation: {result.organisation_id}")
    typer.echo(
        f"組織コード（サインイン時に入力） / organisation code (typed at sign-in): "
        f"{result.organisation_code}"
    )
    typer.echo(
        f"初期認証情報 / initial credentials: {result.credentials_file} "
        "(読んだら削除 / delete after reading)"
    )
    if result.pinned_key_file is not None:
        typer.echo(
            f"監査署名公開鍵の指紋（別の場所に控え、audit verify の表示と照合） / "
            f"audit signing key fingerprint (record it elsewhere; audit verify shows the key "
            f"it trusts): "
            f"{result.signing_key_fingerprint}  ({result.pinned_key_file})"
        )
    if result.dev_passphrase_file:
        typer.secho(
            f"警告: 開発モード — 鍵束のパスフレーズを {result.dev_passphrase_file} に保存しました。"
            "本番ではデータディレクトリの外へ移し MNVAULT_PASSPHRASE_FILE で指定してください。\n"
            f"WARNING: development mode — the keyring passphrase is stored in "
            f"{result.dev_passphrase_file}. For production move it out of the data directory "
            "and point MNVAULT_PASSPHRASE_FILE at it.",
            fg=typer.colors.YELLOW,
            err=True,
        )


def init(
    data_dir: DataDir = None,
    org_name: Annotated[str, typer.Option(help="組織名 / organisation name")] = "My Organisation",
    org_kind: Annotated[OrganisationKind, typer.Option(help="組織の種別 / kind")] = (
        OrganisationKind.COMPANY
    ),
    admin_login: Annotated[str, typer.Option(help="最初の管理者 / first admin")] = "admin",
    org_code: Annotated[
        str | None,
        typer.Option(
            help="組織コード（英数字とハイフン、サインイン時に入力。省略時は自動生成） / "
            "organisation code typed at sign-in (letters, digits, hyphens; default: random)"
        ),
    ] = None,
    employees: Annotated[
        int | None,
        typer.Option(help="従業員数（中小規模事業者のとき必須） / headcount (small business)"),
    ] = None,
    use_affairs: Annotated[
        bool | None, typer.Option(help=small_business.EXCLUSIONS[0].question_ja)
    ] = None,
    contractor: Annotated[
        bool | None, typer.Option(help=small_business.EXCLUSIONS[1].question_ja)
    ] = None,
    financial: Annotated[
        bool | None, typer.Option(help=small_business.EXCLUSIONS[2].question_ja)
    ] = None,
    over_5000_persons: Annotated[
        bool | None, typer.Option(help=small_business.EXCLUSIONS[3].question_ja)
    ] = None,
    storage_country: Annotated[
        str,
        typer.Option(help="データの保管国（ISO 2文字、別添1 2G） / country the data is kept in"),
    ] = "JP",
    storage_place: Annotated[
        str, typer.Option(help="保管場所の説明 / where the data is kept (data centre, region)")
    ] = "自組織の設備（国内） / own premises in Japan",
) -> None:
    """データディレクトリ・鍵束・組織・最初の管理者を作成 / create data dir, keyring, org, admin.

    A small business (中小規模事業者) is not self-declared: --employees and an answer to each
    of the four exclusions of 事業者編 別添1 2 (注) are required, and checked."""
    exclusion = small_business.Exclusion
    answers = {
        exclusion.USE_AFFAIRS: use_affairs,
        exclusion.CONTRACTOR: contractor,
        exclusion.FINANCIAL: financial,
        exclusion.OVER_5000_PERSONS: over_5000_persons,
    }
    try:
        declaration = small_business.require_small_business(org_kind, employees, answers)
        if declaration is None and (
            employees is not None or any(v is not None for v in answers.values())
        ):
            declaration = standing.declaration_from(employees, answers)  # stored, any kind
    except MnvaultError as exc:
        fail(str(exc))
    settings = load_settings(data_dir)
    try:
        passphrase = deployment.resolve_passphrase(settings)
        result = deployment.initialise(
            settings,
            organisation_name=org_name,
            organisation_kind=org_kind,
            admin_login=admin_login,
            organisation_code=org_code,
            passphrase=passphrase,
            declaration=declaration,
            storage_country=storage_country,
            storage_place=storage_place,
        )
    except KNOWN_ERRORS as exc:
        fail(str(exc))
    _announce(result)
    if declaration is not None:  # the small-business answers' result (別添1 2 (注))
        for ja, en in standing.standing_of(org_kind, declaration).lines():
            typer.echo(f"{ja} / {en}")


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    data_dir: DataDir = None,
    host: Annotated[str, typer.Option(help="待ち受けアドレス / bind address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="ポート / port")] = 8600,
    certfile: Annotated[Path | None, typer.Option(help="TLS certificate (PEM)")] = None,
    keyfile: Annotated[Path | None, typer.Option(help="TLS private key (PEM)")] = None,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            help="X-Forwarded-For を信頼するプロキシ（IP/CIDR、複数可） / a reverse proxy whose "
            "X-Forwarded-For is believed (IP or CIDR, repeatable; MNVAULT_TRUSTED_PROXIES)"
        ),
    ] = None,
) -> None:
    """サーバーを起動（初回は初期化も行う） / run the server (initialising on first run)."""
    import uvicorn  # noqa: PLC0415 - only this command needs the server

    from mnvault.app import create_app  # noqa: PLC0415 - keeps `mnvault number check` light
    from mnvault.cli.server import server_config  # noqa: PLC0415 - as above
    from mnvault.web.proxies import BadProxySetting, trusted_networks  # noqa: PLC0415

    settings = load_settings(data_dir)
    if trusted_proxy:
        settings = dataclasses.replace(settings, trusted_proxies=tuple(trusted_proxy))
    try:
        trusted_networks(settings.trusted_proxies)
    except BadProxySetting as exc:
        fail(str(exc))
    if not deployment.is_initialised(settings):
        try:
            result = deployment.initialise(
                settings,
                organisation_name="My Organisation",
                organisation_kind=OrganisationKind.COMPANY,
                passphrase=deployment.resolve_passphrase(settings),
            )
        except KNOWN_ERRORS as exc:
            fail(str(exc))
        _announce(result)
    if bool(certfile) != bool(keyfile):
        fail("--certfile と --keyfile は両方必要です / give both --certfile and --keyfile")
    scheme = "https" if certfile else "http"
    if not certfile:
        typer.secho(
            "注意: 平文の HTTP です。ループバック以外ではTLSを使ってください / "
            "NOTE: plain HTTP; use TLS (--certfile/--keyfile) beyond loopback",
            fg=typer.colors.YELLOW,
            err=True,
        )
    typer.echo(f"mnvault: {scheme}://{host}:{port}/  (health: /health)")
    app = create_app(settings)
    # Session cookies are Secure, except over plain HTTP on a loopback address, where a
    # browser would otherwise never send them back (mnvault.web.security).
    app.state.cookie_secure = bool(certfile) or not _is_loopback(host)
    uvicorn.Server(
        server_config(app, host=host, port=port, certfile=certfile, keyfile=keyfile)
    ).run()

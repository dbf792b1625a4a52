"""What every command shares: options, opening the vault, signing in, printing errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.errors import AccessError
from mnvault.config import load_settings
from mnvault.deployment import services as deployment
from mnvault.deployment.errors import KNOWN_ERRORS
from mnvault.deployment.services import Vault
from mnvault.logging import configure_logging

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", help="データディレクトリ / data directory (env MNVAULT_DATA_DIR)"),
]
UserOpt = Annotated[
    str | None,
    typer.Option(
        "--user",
        help="操作するユーザー / acting user (env MNVAULT_USER; password from "
        "MNVAULT_USER_PASSWORD or a prompt)",
    ),
]


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(f"エラー / error: {message}", err=True)
    raise typer.Exit(code)


def _prompt_passphrase() -> str:
    if not sys.stdin.isatty():
        return ""
    return str(typer.prompt("鍵束のパスフレーズ / keyring passphrase", hide_input=True))


@contextmanager
def opened_vault(data_dir: Path | None) -> Iterator[Vault]:
    settings = load_settings(data_dir)
    configure_logging(settings.log_level)
    try:
        passphrase = deployment.resolve_passphrase(settings, _prompt_passphrase) or None
        vault = deployment.open_vault(settings, passphrase)
    except KNOWN_ERRORS as exc:
        fail(str(exc))
    try:
        yield vault
    finally:
        vault.close()


def sign_in(vault: Vault, login: str | None, *, organisation: str | None = None) -> Context:
    """Authenticate the acting user and build the context of this command."""
    login = login or os.environ.get("MNVAULT_USER")
    if not login:
        fail("--user を指定してください / give --user")
    password = os.environ.get("MNVAULT_USER_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            fail("パスワードがありません / no password (set MNVAULT_USER_PASSWORD)")
        password = str(typer.prompt("パスワード / password", hide_input=True))
    try:
        with vault.transaction() as session:
            user = access.authenticate(session, login=login, password=password, channel="cli")
            org_ids = access.organisations_of(session, user.id)
    except AccessError as exc:
        fail(str(exc))
    if organisation:
        chosen = [o for o in org_ids if str(o) == organisation]
        if not chosen:
            fail("その組織に所属していません / not a member of that organisation")
        org_id = chosen[0]
    elif len(org_ids) == 1:
        org_id = org_ids[0]
    else:
        fail(
            "複数の組織に所属しています: --org を指定 / member of several organisations: give --org"
        )
    # The command line runs on the server itself: its handling-area address is loopback,
    # so an organisation that limits the networks SPI may be handled from must list
    # 127.0.0.1/32 for the CLI to work (README "Access conditions").
    return Context(
        actor_id=user.id, organisation_id=org_id, channel="cli", client_address="127.0.0.1"
    )

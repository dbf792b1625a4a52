"""What every command shares: options, opening the vault, signing in, printing errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from sqlalchemy.orm import Session

from mnvault import errors
from mnvault.access.context import Context
from mnvault.access.errors import AccessError
from mnvault.access.services import split_reference
from mnvault.auth.errors import OrganisationRequired
from mnvault.cli.signin import SignInStopped, organisation_code, sign_in_staged
from mnvault.config import load_settings, read_environment, secret
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
        help="操作するユーザー（組織コード:ログイン名 も可） / acting user, LOGIN or "
        "CODE:LOGIN (env MNVAULT_USER; password from MNVAULT_USER_PASSWORD or a prompt)",
    ),
]


def fail(message: str, code: int = 1) -> NoReturn:
    typer.echo(errors.line(message), err=True)
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


@contextmanager
def signed_in_transaction(
    data_dir: Path | None, login: str | None
) -> Iterator[tuple[Session, Context]]:
    """Most commands: open the vault, sign in, do one transaction; a known error (a
    refusal, bad input) is printed in both languages and the command exits 1."""
    with opened_vault(data_dir) as vault:
        context = sign_in(vault, login)
        try:
            with vault.transaction() as session:
                yield session, context
        except KNOWN_ERRORS as exc:
            fail(str(exc))


def sign_in(vault: Vault, login: str | None, *, acting: str | None = None) -> Context:
    """Authenticate the acting user (password, and the second factor for every role that
    can see a number: cli/signin.py) and build the context of this command.

    The user is named by their home organisation's code and their login: ``--user
    CODE:LOGIN``, or ``--user LOGIN`` with ``--organisation CODE`` (MNVAULT_ORGANISATION).
    A member of several organisations names the one to act for in MNVAULT_ORG (its id
    or code)."""
    environment = read_environment()
    reference = login or environment.user
    if not reference:
        fail("--user を指定してください / give --user")
    code, login = split_reference(reference)
    code = code or organisation_code()
    if not code:
        fail(
            "組織コードを指定してください（--organisation、MNVAULT_ORGANISATION、または "
            "--user 組織コード:ログイン名） / give the organisation code (--organisation, "
            "MNVAULT_ORGANISATION, or --user CODE:LOGIN)"
        )
    password = secret(environment.user_password)
    if password is None:
        if not sys.stdin.isatty():
            fail("パスワードがありません / no password (set MNVAULT_USER_PASSWORD)")
        password = str(typer.prompt("パスワード / password", hide_input=True, err=True))
    acting = acting or environment.org
    try:
        return sign_in_staged(
            vault, organisation_code=code, login=login, password=password, acting=acting
        )
    except OrganisationRequired:
        fail(
            "複数の組織に所属しています: MNVAULT_ORG に組織IDまたは組織コードを指定 / "
            "member of several organisations: set MNVAULT_ORG to the organisation id or code"
        )
    except (AccessError, SignInStopped) as exc:
        fail(str(exc))

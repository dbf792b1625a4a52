"""Signing in on the command line: the same stages as the REST API (auth.services).

Password; then, for every role that can see a number, the second factor (a TOTP code or
a recovery code); a password someone else set is changed; a first authenticator is
enrolled. On a terminal each step prompts; a script passes ``--totp`` / ``MNVAULT_TOTP``
and ``MNVAULT_NEW_PASSWORD``. The session behind these steps lives only for the command:
it is signed out before the command's work starts (事業者編 別添1 2F b 識別と認証,
seed 図表2-2 (6)②;
DESIGN.md §5).
"""

from __future__ import annotations

import contextlib
import sys
import uuid
from collections.abc import Callable

import typer

from mnvault.access.context import Context
from mnvault.access.errors import WeakPassword
from mnvault.access.qr import qr_text
from mnvault.auth import services as auth
from mnvault.cli.options import given
from mnvault.config import read_environment, secret
from mnvault.deployment.services import Vault

# The command line runs on the server itself: its handling-area address is loopback,
# so an organisation that limits the networks SPI may be handled from must list
# 127.0.0.1/32 for the CLI to work (README "Access conditions").
LOOPBACK = "127.0.0.1"

# The global options (--organisation, --totp) are parsed in mnvault.cli.options.
_given = given


def organisation_code() -> str | None:
    return _given["organisation"] or read_environment().organisation


class SignInStopped(Exception):
    """A step needs input that was not given; the message says which (ja / en)."""


def _tty() -> bool:
    return sys.stdin.isatty()


def _say(text: str) -> None:
    # Sign-in talk goes to stderr: stdout stays the command's own output.
    typer.echo(text, err=True)


def _code() -> str | None:
    code, _given["totp"] = _given["totp"] or secret(read_environment().totp), None
    return code or None


def _prompt_code() -> str:
    if not _tty():
        raise SignInStopped(
            "確認コードがありません（--totp または MNVAULT_TOTP） / "
            "no authenticator code (give --totp or MNVAULT_TOTP)"
        )
    return str(typer.prompt("確認コードまたは回復コード / code or recovery code", err=True))


def _new_password() -> tuple[str, bool]:
    """The new password, and whether a person typed it at a prompt (and may retype it)."""
    new = secret(read_environment().new_password)
    if new:
        return new, False
    if not _tty():
        raise SignInStopped(
            "管理者が設定したパスワードは変更が必要です（MNVAULT_NEW_PASSWORD） / "
            "the password an administrator set must be changed (set MNVAULT_NEW_PASSWORD)"
        )
    _say("初期パスワードを変更してください / change the password someone else set")
    typed = typer.prompt(
        "新しいパスワード / new password", hide_input=True, confirmation_prompt=True, err=True
    )
    return str(typed), True


def _change_password(vault: Vault, user_id: uuid.UUID, current: str) -> str:
    """Change the password someone else set. A new password the rules refuse is asked
    for again, with the reasons, when a person typed it; a script's stops the command."""
    while True:
        new, typed = _new_password()
        try:
            with vault.transaction() as session:
                auth.change_password(session, user_id=user_id, current=current, new=new)
        except WeakPassword as exc:
            if not typed:
                raise
            _say(str(exc))
            continue
        return new


def sign_in_staged(
    vault: Vault,
    *,
    organisation_code: str,
    login: str,
    password: str,
    acting: str | None,
) -> Context:
    """Every stage in turn until the session is full; then the command's context.
    ``acting``: the organisation to act for (its id or code), for a member of several."""
    organisation_id, acting_code = None, acting
    if acting:
        with contextlib.suppress(ValueError):  # not an id: a code
            organisation_id, acting_code = uuid.UUID(acting), None

    opened: list[str] = []

    def password_step(secret: str) -> str:
        with vault.transaction() as session:
            token = auth.sign_in(
                session, organisation_code=organisation_code, login=login, password=secret,
                organisation_id=organisation_id, acting_code=acting_code,
                client_address=LOOPBACK,
            ).token  # fmt: skip
        opened.append(token)
        return token

    try:
        return _stages(vault, password_step(password), password_step, login=login,
                       password=password)  # fmt: skip
    except BaseException:
        # A command stopped half-way (a code missing or wrong) leaves no session behind.
        with vault.transaction() as session:
            for token in opened:
                auth.sign_out(session, token)
        raise


def _stages(
    vault: Vault,
    token: str,
    password_step: Callable[[str], str],
    *,
    login: str,
    password: str,
) -> Context:
    factor_given = False
    while True:
        with vault.transaction() as session:
            principal = auth.resolve(session, token, client_address=LOOPBACK)
        if principal.stage == "password":
            code = _code() or _prompt_code()
            with vault.transaction() as session:
                auth.second_factor(
                    session, vault.envelope, token=token, code=code, client_address=LOOPBACK
                )
            factor_given = True
        elif principal.stage == "change":
            new = _change_password(vault, principal.user_id, password)
            _say("パスワードを変更しました / password changed")
            if factor_given:
                # Both factors were given in this command; the change ended the session
                # that proved them, not the proof.
                return _context(principal.user_id, principal.organisation_id)
            password = new
            token = password_step(password)
        elif principal.stage == "enrol":
            _enrol(vault, token, login)
        else:
            with vault.transaction() as session:
                auth.sign_out(session, token)
            return _context(principal.user_id, principal.organisation_id)


def _context(user_id: uuid.UUID, organisation_id: uuid.UUID) -> Context:
    return Context(
        actor_id=user_id, organisation_id=organisation_id, channel="cli", client_address=LOOPBACK
    )


def _enrol(vault: Vault, token: str, login: str) -> None:
    """Set up the first authenticator: show its QR code, confirm a first code, show the
    recovery codes once. A script runs the command twice: once to get the QR code (or
    otpauth URI), again with ``--totp`` and the app's code."""
    code = _code()
    with vault.transaction() as session:
        pending = auth.enrolment_pending(session, token)
    if code is None or not pending:
        with vault.transaction() as session:
            uri = auth.begin_totp_enrolment(
                session, vault.envelope, token=token, account_name=login
            )
        _say(
            "個人番号を扱う役割と管理者には二要素認証が必要です。認証アプリでこのQRコードを読み取るか、"
            "URIを登録してください / roles that see numbers, and administrators, need "
            "two-factor authentication: scan this QR code with an authenticator app, or add "
            "the URI"
        )
        _say(qr_text(uri))
        _say(uri)
        if not _tty():
            raise SignInStopped(
                "アプリに登録後、表示されたコードを --totp で渡して再実行してください / "
                "add it to the app, then run again with --totp CODE (or MNVAULT_TOTP)"
            )
        code = str(typer.prompt("アプリの確認コード / the code the app shows", err=True))
    with vault.transaction() as session:
        codes = auth.confirm_totp_enrolment(session, vault.envelope, token=token, code=code)
    _say(
        "回復コード（一度だけ表示。安全な場所に保管し、各コードは一回限り） / recovery codes "
        "(shown once: keep them somewhere safe; each works once):"
    )
    for recovery in codes:
        _say(f"  {recovery}")

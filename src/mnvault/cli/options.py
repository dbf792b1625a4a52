"""The options every command takes (``--organisation``, ``--totp``), kept apart from sign-in.

The top-level callback lives here, not in :mod:`mnvault.cli.signin`, so that ``mnvault
number check`` loads neither sign-in nor the services behind it (issue #12: lazy start-up).
"""

from __future__ import annotations

from typing import Annotated

import typer

given: dict[str, str | None] = {"totp": None, "organisation": None}
# sysexits.h EX_CONFIG: a bad MNVAULT_* value, told apart from a refused command (1).
EXIT_CONFIG = 78


def global_options(
    organisation: Annotated[
        str | None,
        typer.Option(
            "--organisation",
            help="サインインする利用者の組織コード / the acting user's organisation code "
            "(env MNVAULT_ORGANISATION; or give --user CODE:LOGIN)",
        ),
    ] = None,
    totp: Annotated[
        str | None,
        typer.Option(
            "--totp",
            help="確認コードまたは回復コード / authenticator code or a recovery code "
            "(env MNVAULT_TOTP; else a prompt on a terminal)",
        ),
    ] = None,
) -> None:
    """mnvault — マイナンバー保管庫 / My Number vault"""
    # Every command: a bad MNVAULT_* value stops it before it starts (issue #12). Late
    # imports: the settings and the renderer are not needed to parse the options.
    from mnvault import errors  # noqa: PLC0415
    from mnvault.config import SettingsError, read_environment  # noqa: PLC0415

    try:
        read_environment()
    except SettingsError as exc:
        typer.echo(errors.line(exc), err=True)
        raise typer.Exit(EXIT_CONFIG) from None
    given["totp"] = totp
    given["organisation"] = organisation

"""The options every command takes (``--organisation``, ``--totp``), kept apart from sign-in.

The top-level callback lives here, not in :mod:`mnvault.cli.signin`, so that ``mnvault
number check`` loads neither sign-in nor the services behind it (issue #12: lazy start-up).
"""

from __future__ import annotations

from typing import Annotated

import typer

given: dict[str, str | None] = {"totp": None, "organisation": None}


def global_options(
    organisation: Annotated[
        str | None,
        typer.Option(
            "--organisation",
            envvar="MNVAULT_ORGANISATION",
            help="サインインする利用者の組織コード / the acting user's organisation code "
            "(env MNVAULT_ORGANISATION; or give --user CODE:LOGIN)",
        ),
    ] = None,
    totp: Annotated[
        str | None,
        typer.Option(
            "--totp",
            envvar="MNVAULT_TOTP",
            help="確認コードまたは回復コード / authenticator code or a recovery code "
            "(env MNVAULT_TOTP; else a prompt on a terminal)",
        ),
    ] = None,
) -> None:
    """mnvault — マイナンバー保管庫 / My Number vault"""
    given["totp"] = totp
    given["organisation"] = organisation

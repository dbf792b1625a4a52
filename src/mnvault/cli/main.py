"""The ``mnvault`` command."""

from __future__ import annotations

import os

import typer

from mnvault.cli import (
    audit,
    compliance,
    disposal,
    keys,
    number,
    orgs,
    persons,
    setup,
    signin,
    transfer,
    users,
)
from mnvault.numbers import redact

app = typer.Typer(
    help="mnvault — マイナンバー保管庫 / My Number vault",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # tracebacks with locals could print a number
)
app.callback()(signin.global_options)
app.command("init")(setup.init)
app.command("serve")(setup.serve)
app.add_typer(audit.app, name="audit")
app.add_typer(compliance.app, name="compliance")
app.add_typer(disposal.app, name="dispose")
app.add_typer(number.app, name="number")
app.add_typer(transfer.export_app, name="export")
app.add_typer(transfer.import_app, name="import")
app.add_typer(keys.app, name="keys")
app.add_typer(orgs.app, name="org")
app.add_typer(persons.app, name="person")
app.add_typer(users.app, name="user")


def run() -> None:
    """Entry point: an unexpected error is shown redacted and without locals."""
    # Everything mnvault creates (database, keyring, exports, credentials) is the
    # operator's alone.
    os.umask(0o077)
    try:
        app()
    except Exception as exc:  # the last guard between a bug and a printed number
        message = redact(f"{type(exc).__name__}: {exc}")
        typer.echo(f"内部エラー / internal error: {message}", err=True)
        raise SystemExit(70) from None


if __name__ == "__main__":
    run()

"""The ``mnvault`` command.

Command groups load when named, not at start-up: ``mnvault number check`` imports the
number checker only, not the database, the services and the audit tools behind the other
groups (issue #12: start-up in well under 0.5 s of CPU). ``--help`` still lists them all.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperGroup
from typer.models import CommandInfo

from mnvault.cli.options import global_options
from mnvault.numbers import redact

# Command name -> (module, attribute): a Typer sub-app, or a function for a single command.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("mnvault.cli.setup", "init"),
    "serve": ("mnvault.cli.setup", "serve"),
    "seal": ("mnvault.cli.sealing", "seal"),
    "unseal": ("mnvault.cli.sealing", "unseal"),
    "affair": ("mnvault.cli.affairs", "app"),
    "area": ("mnvault.cli.places", "area_app"),
    "audit": ("mnvault.cli.audit", "app"),
    "compliance": ("mnvault.cli.compliance", "app"),
    "device": ("mnvault.cli.places", "device_app"),
    "dispose": ("mnvault.cli.disposal", "app"),
    "incident": ("mnvault.cli.incidents", "app"),
    "inspection": ("mnvault.cli.inspections", "app"),
    "number": ("mnvault.cli.number", "app"),
    "export": ("mnvault.cli.transfer", "export_app"),
    "import": ("mnvault.cli.transfer", "import_app"),
    "keys": ("mnvault.cli.keys", "app"),
    "org": ("mnvault.cli.orgs", "app"),
    "partner": ("mnvault.cli.partners", "app"),
    "person": ("mnvault.cli.persons", "app"),
    "policy": ("mnvault.cli.policies", "app"),
    "provide": ("mnvault.cli.provisions", "app"),
    "user": ("mnvault.cli.users", "app"),
    "token": ("mnvault.cli.tokens", "app"),
    "training": ("mnvault.cli.training", "app"),
}


def _load(name: str) -> Any:
    module, attribute = COMMANDS[name]
    target = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        group = typer.main.get_group(target)
        group.name = name
        return group
    return typer.main.get_command_from_info(
        CommandInfo(name=name, callback=target),
        pretty_exceptions_short=True,
        rich_markup_mode=None,
    )


class _LazyCommands(MutableMapping[str, Any]):
    """The group's command table: a listed command is built on first lookup."""

    def __init__(self, eager: MutableMapping[str, Any]) -> None:
        self._loaded = dict(eager)

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded and name in COMMANDS:
            self._loaded[name] = _load(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        yield from self._loaded
        yield from (name for name in COMMANDS if name not in self._loaded)

    def __len__(self) -> int:
        return len(set(self._loaded) | set(COMMANDS))

    def __contains__(self, name: object) -> bool:
        return name in self._loaded or name in COMMANDS


class LazyGroup(TyperGroup):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _LazyCommands(self.commands)


app = typer.Typer(
    cls=LazyGroup,
    help="mnvault — マイナンバー保管庫 / My Number vault",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # tracebacks with locals could print a number
)
app.callback()(global_options)


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

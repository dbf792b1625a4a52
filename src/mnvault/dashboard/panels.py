"""What needs attention, registered by the packages that know it.

A record package (policies, inspections, places, partners, incidents …) answers
``attention(session, context)`` with items that say what is due or overdue; it puts a
``dashboard.py`` beside its services that calls :func:`register` when imported::

    from mnvault.dashboard import panels
    from mnvault.policies.services import attention

    panels.register("policies", {"manager"}, attention)

Such modules are found by name on first use (as compliance/evidence.py finds evidence
providers), so the dashboard imports no record package and a new package is found as it
is. This module imports nothing of the domains: a package registering here takes on no
dependency but this one file.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from sqlalchemy.orm import Session

import mnvault
from mnvault.context import Context


class AttentionItem(Protocol):
    """What a provider answers: any object with these members (each package keeps its own
    small frozen dataclass; nothing here is imported by it)."""

    @property
    def title_ja(self) -> str: ...
    @property
    def title_en(self) -> str: ...
    @property
    def due(self) -> date | None: ...
    @property
    def link(self) -> str: ...
    @property
    def overdue(self) -> bool: ...


@dataclass(frozen=True)
class Attention:
    """One line of the board's "needs attention" panel; ``source`` names the panel."""

    title_ja: str
    title_en: str
    due: date | None
    link: str
    overdue: bool
    source: str = ""


Provider = Callable[[Session, Context], Sequence[AttentionItem]]


@dataclass(frozen=True)
class Panel:
    name: str
    roles: frozenset[str]
    provider: Provider


_PANELS: dict[str, Panel] = {}


def register(name: str, roles: Collection[str], provider: Provider) -> None:
    """Show what ``provider`` answers to people holding any of ``roles`` (role values:
    "clerk", "manager", "auditor", "admin"). Registering a name again replaces it."""
    _PANELS[name] = Panel(name, frozenset(str(getattr(r, "value", r)) for r in roles), provider)


def unregister(name: str) -> None:
    _PANELS.pop(name, None)


def registered() -> list[Panel]:
    discover()
    return [_PANELS[name] for name in sorted(_PANELS)]


def panel_modules() -> list[str]:
    """The ``mnvault.<package>.dashboard`` modules there are, in name order."""
    found = []
    for package in sorted(pkgutil.iter_modules(mnvault.__path__), key=lambda p: p.name):
        name = f"mnvault.{package.name}.dashboard"
        if package.ispkg and importlib.util.find_spec(name) is not None:
            found.append(name)
    return found


@functools.cache
def discover() -> None:
    """Import every package's dashboard module once (each registers its panels)."""
    for name in panel_modules():
        importlib.import_module(name)


def attention(session: Session, context: Context, roles: Collection[str]) -> list[Attention]:
    """Every registered panel's items for someone holding ``roles``: overdue first, then
    by due date (undated last). A provider authorizes what it reads; the roles only keep
    a panel off a board where it would be refused."""
    items: list[Attention] = []
    for panel in registered():
        if not panel.roles & set(roles):
            continue
        for item in panel.provider(session, context):
            items.append(
                Attention(
                    item.title_ja, item.title_en, item.due, item.link, item.overdue, panel.name
                )
            )
    items.sort(key=lambda i: (not i.overdue, i.due is None, i.due or date.max, i.source))
    return items

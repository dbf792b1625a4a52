"""The board's panels, registered by the packages that know what they show.

Two kinds. A *section* is a panel of its own: a package registers a provider that answers
what the panel shows and a template (in the package's ``templates/``) that renders it as
``panel`` (:func:`section`). An *attention item* is one line of the shared "needs attention"
panel: a record package (policies, inspections, places, partners, incidents …) answers
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
from pathlib import Path
from typing import Any, Protocol

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


@dataclass(frozen=True)
class Where:
    """What a section may need of the deployment besides the session: where analysis
    reports are kept, and the keyring (the deployment's, typed by the package that reads it)."""

    data_dir: Path | None = None
    keyring: Any = None


# (session, context, where) -> what the section's template renders as ``panel``
SectionProvider = Callable[[Session, Context, Where], Any]


@dataclass(frozen=True)
class Section:
    name: str
    roles: frozenset[str] | None  # None: everyone signed in
    template: str
    provider: SectionProvider
    order: int


@dataclass(frozen=True)
class Shown:
    """A section on one board: its template and what the provider answered."""

    name: str
    template: str
    panel: Any


_SECTIONS: dict[str, Section] = {}


def section(
    name: str,
    roles: Collection[str] | None,
    template: str,
    provider: SectionProvider,
    *,
    order: int,
) -> None:
    """Show ``template`` (rendered with ``panel`` = what ``provider`` answers) to people
    holding any of ``roles`` (None: everyone), at ``order`` among the sections (lower
    first). The provider authorizes what it reads, as a service does."""
    held = None if roles is None else frozenset(str(getattr(r, "value", r)) for r in roles)
    _SECTIONS[name] = Section(name, held, template, provider, order)


def sections(
    session: Session, context: Context, roles: Collection[str], where: Where
) -> list[Shown]:
    """The sections for someone holding ``roles``, in order, each with its panel."""
    discover()
    shown = []
    for found in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.name)):
        if found.roles is None or found.roles & set(roles):
            shown.append(Shown(found.name, found.template, found.provider(session, context, where)))
    return shown


def register(name: str, roles: Collection[str], provider: Provider) -> None:
    """Show what ``provider`` answers to people holding any of ``roles`` (role values:
    "clerk", "manager", "auditor", "admin"). Registering a name again replaces it."""
    _PANELS[name] = Panel(name, frozenset(str(getattr(r, "value", r)) for r in roles), provider)


def unregister(name: str) -> None:
    """Take a panel or a section off every board."""
    _PANELS.pop(name, None)
    _SECTIONS.pop(name, None)


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

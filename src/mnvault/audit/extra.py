"""Findings other packages add to the periodic report (定期的な分析), without the audit
package importing them: a package with a ``report_findings.py`` registers a source there
when imported, and the sources are found by name on first use (as the compliance spine
finds its evidence providers). The places register adds the entry logs' cross-check this
way (issue #16).

A source reads; it never writes. It gets the organisation, the window and the entries the
report analyses, and returns one section of findings, each naming the trail entries (by
sequence number) and the records behind it. No SPI: titles, logins, times, counts.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

import mnvault
from mnvault.audit.analysis import Event


@dataclass(frozen=True, slots=True)
class ExtraFinding:
    actor: uuid.UUID | None
    at: datetime  # UTC, the first moment behind it
    text_ja: str
    text_en: str
    count: int
    seqs: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class ExtraSection:
    key: str
    title_ja: str
    title_en: str
    findings: list[ExtraFinding] = field(default_factory=list)
    note_ja: str = ""
    note_en: str = ""


# (session, organisation id, since, until, the window's entries) -> sections
Source = Callable[[Session, uuid.UUID, datetime, datetime, Sequence[Event]], list[ExtraSection]]

_SOURCES: dict[str, Source] = {}
_discovered: list[bool] = []


def register(name: str, source: Source) -> None:
    _SOURCES[name] = source


def _discover() -> None:
    if _discovered:
        return
    _discovered.append(True)
    for package in sorted(pkgutil.iter_modules(mnvault.__path__), key=lambda p: p.name):
        name = f"mnvault.{package.name}.report_findings"
        if package.ispkg and importlib.util.find_spec(name) is not None:
            importlib.import_module(name)


def sections(
    session: Session,
    organisation_id: uuid.UUID,
    since: datetime,
    until: datetime,
    events: Sequence[Event],
) -> list[ExtraSection]:
    _discover()
    found: list[ExtraSection] = []
    for name in sorted(_SOURCES):
        found.extend(_SOURCES[name](session, organisation_id, since, until, events))
    return found

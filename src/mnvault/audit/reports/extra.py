"""Sections other packages add to the periodic report (定期的な分析), found by name: a
package with a ``report_findings.py`` that defines ``sections(session, organisation_id,
since, until)`` contributes what it returns (the places register's entry-log cross-check,
issue #16). The report imports no record package and a record package imports no tool.

A section reads; it never writes. It answers plain values the report renders: a key, a
title in both languages, a note, and findings that each name an account, a moment, a text
in both languages, a count and the trail entries (by sequence number) behind it. No SPI.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from types import ModuleType
from typing import Protocol

from sqlalchemy.orm import Session

import mnvault


class ExtraFinding(Protocol):
    @property
    def actor(self) -> uuid.UUID | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def text_ja(self) -> str: ...
    @property
    def text_en(self) -> str: ...
    @property
    def count(self) -> int: ...
    @property
    def seqs(self) -> tuple[int, ...]: ...


class ExtraSection(Protocol):
    @property
    def key(self) -> str: ...
    @property
    def title_ja(self) -> str: ...
    @property
    def title_en(self) -> str: ...
    @property
    def note_ja(self) -> str: ...
    @property
    def note_en(self) -> str: ...
    @property
    def findings(self) -> Sequence[ExtraFinding]: ...


Source = Callable[[Session, uuid.UUID, datetime, datetime], Sequence[ExtraSection]]
_found: list[ModuleType] = []


def modules() -> list[ModuleType]:
    """The ``mnvault.<package>.report_findings`` modules there are, imported once."""
    if not _found:
        for package in sorted(pkgutil.iter_modules(mnvault.__path__), key=lambda p: p.name):
            name = f"mnvault.{package.name}.report_findings"
            if package.ispkg and importlib.util.find_spec(name) is not None:
                _found.append(importlib.import_module(name))
    return list(_found)


def sections(
    session: Session, organisation_id: uuid.UUID, since: datetime, until: datetime
) -> list[ExtraSection]:
    found: list[ExtraSection] = []
    for module in modules():
        source: Source = module.sections
        found.extend(source(session, organisation_id, since, until))
    return found

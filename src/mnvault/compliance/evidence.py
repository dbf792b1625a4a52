"""The evidence registry: packages that keep records behind a measure (policies, inspections,
training, areas, devices, outsourcees: issues #15, #16) register a provider per measure id, and
the compliance state reads them all. The generic hand-recorded evidence (models.EvidenceRecord)
is one provider among them, registered for every measure.

A provider answers, for one organisation, the records that show the measure in place. It reads;
it never writes, and it returns no SPI (titles, dates, links only).

A package registers by having an ``evidence.py`` that calls :func:`register` when imported; the
providers are found by name on first use (as db/registry finds models), so compliance imports
no record package and a new package is found as it is.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import mnvault
from mnvault.compliance.models import EvidenceRecord


@dataclass(frozen=True)
class Evidence:
    title: str
    performed_at: datetime  # UTC
    # The end of its currency: explicit, or None to let the measure's interval decide.
    valid_until: datetime | None
    link: str | None = None
    source: str = "record"
    file_sha256: str | None = None


# (session, organisation id, measure id) -> evidence, newest first or in any order
Provider = Callable[[Session, uuid.UUID, str], Sequence[Evidence]]

_PROVIDERS: dict[str, list[tuple[str, Provider]]] = {}
_GENERIC: list[tuple[str, Provider]] = []


def register(measure_ids: Sequence[str] | None, name: str, provider: Provider) -> None:
    """Register ``provider`` for these measures (None: for every measure). Idempotent per name."""
    targets = [_GENERIC] if measure_ids is None else [
        _PROVIDERS.setdefault(m, []) for m in measure_ids
    ]  # fmt: skip
    for bucket in targets:
        bucket[:] = [(n, p) for n, p in bucket if n != name]
        bucket.append((name, provider))


def unregister(name: str) -> None:
    for bucket in [_GENERIC, *_PROVIDERS.values()]:
        bucket[:] = [(n, p) for n, p in bucket if n != name]


_discovered: set[str] = set()  # the module names imported so far


def evidence_modules() -> list[str]:
    """The ``mnvault.<package>.evidence`` modules there are, in name order."""
    found = []
    for package in sorted(pkgutil.iter_modules(mnvault.__path__), key=lambda p: p.name):
        name = f"mnvault.{package.name}.evidence"
        if package.ispkg and importlib.util.find_spec(name) is not None:
            found.append(name)
    return found


def discover() -> None:
    """Import every package's evidence module once (each registers its providers)."""
    if not _discovered:
        for name in evidence_modules():
            importlib.import_module(name)
            _discovered.add(name)


def providers_for(measure_id: str) -> list[tuple[str, Provider]]:
    discover()
    return [*_GENERIC, *_PROVIDERS.get(measure_id, [])]


def has_provider(measure_id: str) -> bool:
    """Whether anything but hand-recorded evidence can show this measure."""
    discover()
    return bool(_PROVIDERS.get(measure_id))


def evidence_for(session: Session, organisation_id: uuid.UUID, measure_id: str) -> list[Evidence]:
    found: list[Evidence] = []
    for _name, provider in providers_for(measure_id):
        found.extend(provider(session, organisation_id, measure_id))
    found.sort(key=lambda e: e.performed_at, reverse=True)
    return found


def recorded(session: Session, organisation_id: uuid.UUID, measure_id: str) -> list[Evidence]:
    """The generic provider: evidence an organisation recorded by hand (audited on entry)."""
    rows = session.scalars(
        select(EvidenceRecord)
        .where(
            EvidenceRecord.organisation_id == organisation_id,
            EvidenceRecord.measure_id == measure_id,
        )
        .order_by(EvidenceRecord.performed_at.desc())
    )
    return [
        Evidence(
            row.title,
            row.performed_at,
            row.valid_until,
            link=f"/compliance#{measure_id}",
            source="record",
            file_sha256=row.file_sha256,
        )
        for row in rows
    ]


register(None, "record", recorded)

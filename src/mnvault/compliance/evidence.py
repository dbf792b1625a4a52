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

import functools
import importlib
import importlib.util
import pkgutil
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import ParamSpec, TypeVar

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
# (session, organisation id) -> evidence by measure id: a provider for every measure answers
# them all at once (issue #12: asked per measure, the two generic providers made three
# queries per measure, about half the dashboard's time).
EveryProvider = Callable[[Session, uuid.UUID], Mapping[str, Sequence[Evidence]]]

_PROVIDERS: dict[str, list[tuple[str, Provider]]] = {}
_EVERY: list[tuple[str, EveryProvider]] = []


def register(measure_ids: Sequence[str], name: str, provider: Provider) -> None:
    """Register ``provider`` for these measures. Idempotent per name."""
    for bucket in [_PROVIDERS.setdefault(m, []) for m in measure_ids]:
        bucket[:] = [(n, p) for n, p in bucket if n != name]
        bucket.append((name, provider))


def register_every(name: str, provider: EveryProvider) -> None:
    """Register ``provider`` for every measure. Idempotent per name."""
    _EVERY[:] = [(n, p) for n, p in _EVERY if n != name]
    _EVERY.append((name, provider))


def unregister(name: str) -> None:
    for bucket in _PROVIDERS.values():
        bucket[:] = [(n, p) for n, p in bucket if n != name]
    _EVERY[:] = [(n, p) for n, p in _EVERY if n != name]


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
    """The providers registered for this measure alone (see :func:`every_measure_providers`)."""
    discover()
    return list(_PROVIDERS.get(measure_id, []))


def every_measure_providers() -> list[tuple[str, EveryProvider]]:
    discover()
    return list(_EVERY)


def has_provider(measure_id: str) -> bool:
    """Whether anything but hand-recorded evidence can show this measure."""
    discover()
    return bool(_PROVIDERS.get(measure_id))


P = ParamSpec("P")
R = TypeVar("R")
# While the evidence of every measure is gathered: the results of the providers' queries.
_gathering: ContextVar[dict[tuple[object, ...], object] | None] = ContextVar(
    "_gathering", default=None
)


def once_per_gathering(query: Callable[P, R]) -> Callable[P, R]:
    """A provider's query that serves several measures (the same rows, filtered per measure)
    runs once while :func:`evidence_for_each` gathers them all (issue #12: the dashboard made
    ~130 queries a load), and each time otherwise. Its arguments must be hashable."""

    @functools.wraps(query)
    def once(*args: P.args, **kwargs: P.kwargs) -> R:
        memo = _gathering.get()
        if memo is None:
            return query(*args, **kwargs)
        # The session by identity: a gathering reads through one session.
        key = (query, *(id(a) if isinstance(a, Session) else a for a in args),
               *sorted(kwargs.items()))  # fmt: skip
        if key not in memo:
            memo[key] = query(*args, **kwargs)
        return memo[key]  # type: ignore[return-value]

    return once


def evidence_for(session: Session, organisation_id: uuid.UUID, measure_id: str) -> list[Evidence]:
    return evidence_for_each(session, organisation_id, [measure_id])[measure_id]


def evidence_for_each(
    session: Session, organisation_id: uuid.UUID, measure_ids: Sequence[str]
) -> dict[str, list[Evidence]]:
    """Each measure's evidence, newest first: every-measure providers asked once, and each
    provider's shared queries run once (:func:`once_per_gathering`)."""
    token = _gathering.set({})
    try:
        return _gather(session, organisation_id, measure_ids)
    finally:
        _gathering.reset(token)


def _gather(
    session: Session, organisation_id: uuid.UUID, measure_ids: Sequence[str]
) -> dict[str, list[Evidence]]:
    found: dict[str, list[Evidence]] = {measure_id: [] for measure_id in measure_ids}
    for _name, every in every_measure_providers():
        for measure_id, evidence in every(session, organisation_id).items():
            if measure_id in found:
                found[measure_id].extend(evidence)
    for measure_id, evidence in found.items():
        for _name, provider in providers_for(measure_id):
            evidence.extend(provider(session, organisation_id, measure_id))
        evidence.sort(key=lambda e: e.performed_at, reverse=True)
    return found


def recorded(session: Session, organisation_id: uuid.UUID) -> dict[str, list[Evidence]]:
    """The generic provider: evidence an organisation recorded by hand (audited on entry)."""
    rows = session.scalars(
        select(EvidenceRecord)
        .where(EvidenceRecord.organisation_id == organisation_id)
        .order_by(EvidenceRecord.performed_at.desc())
    )
    found: dict[str, list[Evidence]] = defaultdict(list)
    for row in rows:
        found[row.measure_id].append(
            Evidence(
                row.title,
                row.performed_at,
                row.valid_until,
                link=f"/compliance#{row.measure_id}",
                source="record",
                file_sha256=row.file_sha256,
            )
        )
    return found


register_every("record", recorded)

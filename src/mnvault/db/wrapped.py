"""Columns that hold keys wrapped by the key-encryption key (KEK), as their packages
register them, so that a KEK rotation re-wraps and counts every one of them without a
list of its own (a kind left out would be destroyed with its KEK version).

A package registers each such column pair beside its model (in its models.py), with the
associated data its wrapping is bound to; the keys package walks :func:`wrapped_keys`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WrappedKeys:
    """``version`` and ``blob`` columns of ``model`` hold a key wrapped by a KEK version.

    ``owner`` gives, for a row, the (organisation, id) pair the wrapping is bound to.
    Without one, there are too many rows to re-wrap in one transaction (the persons' data
    keys): the keys service walks those in batches itself and here finds their count."""

    name: str
    model: type[Any]
    version: Any  # an InstrumentedAttribute
    blob: Any
    owner: Callable[[Any], tuple[str, str]] | None = None


_REGISTERED: dict[str, WrappedKeys] = {}


def register_wrapped_keys(keys: WrappedKeys) -> None:
    _REGISTERED[keys.name] = keys


def wrapped_keys() -> list[WrappedKeys]:
    """Every registered kind, in name order (every package's models imported first)."""
    # Here, not at the top: the registry imports every models.py, which import this.
    from mnvault.db.registry import load_models  # noqa: PLC0415

    load_models()
    return [_REGISTERED[name] for name in sorted(_REGISTERED)]

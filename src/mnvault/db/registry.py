"""Every package's tables on one MetaData (for Alembic), without a central list.

A package registers its tables by having a ``models.py`` whose classes derive from
:class:`~mnvault.db.base.Base`; this imports each such module by name. A new package is
found as it is, and the database layer (the kernel) imports no domain package.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from sqlalchemy import MetaData

import mnvault
from mnvault.db.base import Base


def model_modules() -> list[str]:
    """The ``mnvault.<package>.models`` modules there are, in name order."""
    found = []
    for package in sorted(pkgutil.iter_modules(mnvault.__path__), key=lambda p: p.name):
        name = f"mnvault.{package.name}.models"
        if package.ispkg and importlib.util.find_spec(name) is not None:
            found.append(name)
    return found


def load_models() -> MetaData:
    for name in model_modules():
        importlib.import_module(name)
    return Base.metadata


metadata = load_models()

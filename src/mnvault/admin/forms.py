"""What the administrator's screens share: the router class, form errors, id parsing."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form

from mnvault import errors
from mnvault.access.errors import AuthorizationDenied, WeakPassword
from mnvault.vault.errors import VaultError
from mnvault.web.form_errors import message_of
from mnvault.web.pages import PageRoute
from mnvault.web.security import require_csrf

# Errors an administrator causes on a form: shown on that form. A refusal by a rule
# (resetting one's own second factor, say) is shown there too, with its reason; it has
# been audited by the transaction before we get it.
FORM_ERRORS = (VaultError, AuthorizationDenied, WeakPassword)

Text = Annotated[str, Form(max_length=1000)]
Many = Annotated[list[str] | None, Form()]


def new_router() -> APIRouter:
    return APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])


# The one renderer's form message; named so here for the admin screens.
message = message_of


def uuid_or_none(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


def uuids(raw: list[str]) -> list[uuid.UUID]:
    return [u for u in (uuid_or_none(r) for r in raw) if u is not None]


def status_of(exc: Exception) -> int:
    """The registered status of a form error (mnvault.errors)."""
    found = errors.status_of(exc)
    return found[0] if found else 500

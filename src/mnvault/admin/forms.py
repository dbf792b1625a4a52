"""What the administrator's screens share: the router class, form errors, id parsing."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request

from mnvault.access.errors import AuthorizationDenied, LoginTaken, WeakPassword
from mnvault.vault.errors import NotFound, VaultError
from mnvault.web import i18n
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


def message(request: Request, exc: Exception) -> str:
    tr = i18n.translations(i18n.language_of(request))
    text = tr.pick(getattr(exc, "message_ja", ""), getattr(exc, "message_en", ""))
    if isinstance(exc, VaultError) and (exc.detail_ja or exc.detail_en):
        text += tr.pick(f"（{exc.detail_ja}）", f" ({exc.detail_en})")
    if isinstance(exc, AuthorizationDenied):
        text += f" ({exc.reason})"
    return text


def uuid_or_none(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


def uuids(raw: list[str]) -> list[uuid.UUID]:
    return [u for u in (uuid_or_none(r) for r in raw) if u is not None]


def status_of(exc: Exception) -> int:
    if isinstance(exc, AuthorizationDenied):
        return 403
    if isinstance(exc, LoginTaken):
        return 409
    return 404 if isinstance(exc, NotFound) else 422

"""Who is using the screens: the session behind the cookie, and the context of a call.

Views run their work through :func:`call` (like ``web.calls.call`` for the JSON API):
one transaction, the principal resolved from the session cookie, a context whose
channel is ``web``; a session that has not finished signing in is sent to its next step.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TypeVar

from fastapi import Request
from sqlalchemy.orm import Session

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Role, User
from mnvault.auth import services as auth
from mnvault.auth.errors import SessionExpired
from mnvault.crypto import Envelope
from mnvault.web.calls import client_of, vault_of
from mnvault.web.security import SESSION_COOKIE

T = TypeVar("T")


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the layout shows them."""

    user_id: uuid.UUID
    organisation_id: uuid.UUID
    login: str
    display_name: str
    roles: frozenset[str]
    stage: str

    def has(self, role: Role) -> bool:
        return role.value in self.roles

    def has_role(self, role: str) -> bool:
        return role in self.roles


class StepPending(Exception):
    """The session exists but is not through sign-in yet; ``stage`` names the next step."""

    def __init__(self, stage: str) -> None:
        super().__init__(stage)
        self.stage = stage


def token_of(request: Request) -> str:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SessionExpired()
    return token


def _viewer(session: Session, request: Request) -> Viewer:
    principal = auth.resolve(session, token_of(request), client_address=client_of(request))
    user = session.get(User, principal.user_id)
    if user is None or principal.via != "session":
        raise SessionExpired()
    roles = access.roles_of(session, user.id, principal.organisation_id)
    return Viewer(
        user.id, principal.organisation_id, user.login, user.display_name,
        frozenset(r.value for r in roles), principal.stage,
    )  # fmt: skip


def viewer_or_none(request: Request) -> Viewer | None:
    """For pages that anyone may see (sign-in, errors): the viewer, if any."""
    if not request.cookies.get(SESSION_COOKIE):
        return None
    vault = request.app.state.vault
    if vault is None or vault.keyring.sealed:
        return None
    try:
        with vault.transaction() as session:
            return _viewer(session, request)
    except SessionExpired:
        return None


def context_of(viewer: Viewer, request: Request, affair: str | None = None) -> Context:
    return Context(
        actor_id=viewer.user_id, organisation_id=viewer.organisation_id, affair_code=affair,
        request_id=request.state.request_id, client_address=client_of(request), channel="web",
    )  # fmt: skip


def call(
    request: Request,
    work: Callable[[Session, Envelope, Context, Viewer], T],
    *,
    affair: str | None = None,
    stages: Collection[str] = ("full",),
) -> T:
    """Run ``work`` for the signed-in viewer in one transaction, committed before we answer."""
    vault = vault_of(request)
    with vault.transaction() as session:
        viewer = _viewer(session, request)
        if viewer.stage not in stages:
            raise StepPending(viewer.stage)
        request.state.viewer = viewer
        return work(session, vault.envelope, context_of(viewer, request, affair), viewer)

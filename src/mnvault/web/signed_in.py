"""Who is using the screens: the session behind the cookie, and the context of a call.

Views run their work through :func:`call` (like ``web.calls.call`` for the JSON API):
one transaction, the viewer resolved from the session cookie by the gate (web.gate), a
context whose channel is ``web``; a session that has not finished signing in is sent to
its next step. The work gets a :class:`PageCall`: a :class:`~mnvault.web.calls.Call`
that also knows the viewer.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import TypeVar

from fastapi import Request
from sqlalchemy.orm import Session

from mnvault.context import Context
from mnvault.web.calls import Call, client_of, vault_of
from mnvault.web.gate import Viewer, gate_of
from mnvault.web.security import SESSION_COOKIE

__all__ = ["PageCall", "StepPending", "Viewer", "call", "context_of", "viewer_or_none"]

T = TypeVar("T")


@dataclass
class PageCall(Call):
    """A screen's call: the signed-in viewer besides the session and the context."""

    viewer: Viewer = field(kw_only=True)


class StepPending(Exception):
    """The session exists but is not through sign-in yet; ``stage`` names the next step."""

    def __init__(self, stage: str) -> None:
        super().__init__(stage)
        self.stage = stage


def token_of(request: Request) -> str:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise gate_of(request).expired()
    return token


def _viewer(session: Session, request: Request) -> Viewer:
    return gate_of(request).viewer(session, token_of(request), client_address=client_of(request))


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
    except gate_of(request).expired:
        return None


def context_of(viewer: Viewer, request: Request, affair: str | None = None) -> Context:
    return Context(
        actor_id=viewer.user_id, organisation_id=viewer.organisation_id, affair_code=affair,
        request_id=request.state.request_id, client_address=client_of(request), channel="web",
    )  # fmt: skip


def call(
    request: Request,
    work: Callable[[PageCall], T],
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
        context = context_of(viewer, request, affair)
        return work(PageCall(session, context, vault, viewer=viewer))

"""What the frame needs of signing in, and no more: a context for a bearer token, a
viewer for a session cookie, the entry that records a refused call.

The frame knows no principal, role, user table or audit entry (it imports no domain
package, a contract in pyproject.toml says so). The sign-in domain provides a
:class:`Gate` (mnvault.auth.gate) and the app installs it (``install``); routes and views
reach it only through web.calls and web.signed_in.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from fastapi import FastAPI, Request
from sqlalchemy.orm import Session

from mnvault import local_time
from mnvault.context import Context
from mnvault.errors import Refusal


@dataclass(frozen=True)
class Viewer:
    """The signed-in person as the layout shows them."""

    user_id: uuid.UUID
    organisation_id: uuid.UUID
    login: str
    display_name: str
    roles: frozenset[str]
    stage: str
    # What the viewer may do (permission names, decided by the access domain): the
    # layout and pages show a link or a button only when its target would let them in.
    abilities: frozenset[str] = frozenset()
    # The organisation's zone, in which the pages show every time (mnvault.local_time).
    time_zone: str = local_time.DEFAULT_ZONE

    def may(self, *permissions: str) -> bool:
        """Whether the viewer holds any of ``permissions``."""
        return any(p in self.abilities for p in permissions)

    def has(self, role: Enum | str) -> bool:
        return str(getattr(role, "value", role)) in self.roles

    def has_role(self, role: str) -> bool:
        return role in self.roles


class Gate(Protocol):
    # What a request without a live session or token is answered with (raised bare).
    @property
    def expired(self) -> type[Exception]: ...

    def context(
        self,
        session: Session,
        token: str,
        *,
        client_address: str | None,
        request_id: str,
        affair: str | None,
        full: bool,
    ) -> Context:
        """The caller behind a bearer token (refused when not signed in, not through
        sign-in while ``full``, or ``affair`` outside a token's scope)."""

    def context_read_only(
        self,
        session: Session,
        token: str,
        *,
        client_address: str | None,
        request_id: str,
        affair: str | None,
        later: list[Any],
    ) -> Context | None:
        """:meth:`context` in a transaction that writes nothing (its entries go to
        ``later``), or None when resolving the caller must write."""

    def denial_entry(self, refused: Refusal) -> Any:
        """The audit entry that records ``refused`` (for the vault's group commit)."""

    def viewer(self, session: Session, token: str, *, client_address: str | None) -> Viewer:
        """The person behind a session cookie (refused when the session is over)."""


def install(app: FastAPI, gate: Gate) -> None:
    app.state.gate = gate


def gate_of(request: Request) -> Gate:
    gate: Gate = request.app.state.gate
    return gate

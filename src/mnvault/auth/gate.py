"""The sign-in domain's side of the frame's gate (mnvault.web.gate): who is behind a
bearer token or a session cookie, and how a refused call is recorded. app.py installs it;
the frame itself knows no principal, role or audit entry."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mnvault.access import services as access
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import User
from mnvault.audit import services as audit
from mnvault.audit.errors import AuditUnavailable
from mnvault.audit.period import zone_of
from mnvault.auth import services as auth
from mnvault.auth.errors import SessionExpired
from mnvault.context import Context
from mnvault.errors import Refusal
from mnvault.web.gate import Viewer


class SignedInGate:
    expired = SessionExpired

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
        principal = auth.resolve(
            session, token, client_address=client_address, request_id=request_id
        )
        return _context(principal, client_address, request_id, affair=affair, full=full)

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
        principal = auth.resolve_read_only(
            session, token, client_address=client_address, audit_later=later,
            request_id=request_id,
        )  # fmt: skip
        if principal is None:
            return None
        return _context(principal, client_address, request_id, affair=affair, full=True)

    def denial_entry(self, refused: Refusal) -> Any:
        if not isinstance(refused, AuthorizationDenied):
            # A refusal that does not say what its entry must hold cannot be audited.
            raise AuditUnavailable() from refused
        return audit.denial_entry(refused)

    def viewer(self, session: Session, token: str, *, client_address: str | None) -> Viewer:
        principal = auth.resolve(session, token, client_address=client_address)
        user = session.get(User, principal.user_id)
        if user is None or principal.via != "session":
            raise SessionExpired()
        roles = access.roles_of(session, user.id, principal.organisation_id)
        held = (
            access.abilities(session, Context(user.id, principal.organisation_id))
            if principal.stage == "full"
            else frozenset()
        )
        return Viewer(
            user.id, principal.organisation_id, user.login, user.display_name,
            frozenset(r.value for r in roles), principal.stage, held,
            zone_of(session, principal.organisation_id).key,
        )  # fmt: skip


def _context(
    principal: auth.Principal,
    client_address: str | None,
    request_id: str,
    *,
    affair: str | None,
    full: bool,
) -> Context:
    if full:
        auth.require_full(principal)
    context = principal.context(
        affair_code=affair, request_id=request_id, client_address=client_address
    )
    if principal.token_affairs is not None and affair and affair not in principal.token_affairs:
        raise AuthorizationDenied(
            permission="token:affair", reason="affair outside the token's scope",
            actor_id=context.actor_id, organisation_id=context.organisation_id,
            affair_code=affair, request_id=context.request_id, client_address=client_address,
        )  # fmt: skip
    return context

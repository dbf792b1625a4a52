"""The vault's panels on the dashboard (mnvault.dashboard.panels): a clerk's affairs and
the persons awaiting verification; a manager's take-out requests waiting for a decision."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.models import Role, User
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, decide
from mnvault.affairs.models import Affair
from mnvault.affairs.services import my_affairs
from mnvault.context import Context
from mnvault.dashboard import panels
from mnvault.vault import link_check
from mnvault.vault.browse import awaiting_verification
from mnvault.vault.models import ExportRequest, ExportState


@dataclass(frozen=True)
class Waiting:
    id: uuid.UUID
    affair_code: str
    purpose: str
    requested_by: str
    requested_at: datetime


def _clerk(session: Session, context: Context, _where: panels.Where) -> dict[str, Any]:
    # A clerk not yet assigned to any affair reads no person: an empty list, not a
    # refused dashboard (issue #18: no dead ends).
    reads = decide(session, context, Permission.PERSON_READ).allowed
    return {
        "affairs": my_affairs(session, context),
        "awaiting": awaiting_verification(session, context) if reads else [],
    }


def _approvals(session: Session, context: Context, _where: panels.Where) -> dict[str, Any]:
    authorize(session, context, Permission.EXPORT_APPROVE)
    rows = session.execute(
        select(ExportRequest, Affair.code, User.display_name)
        .join(Affair, Affair.id == ExportRequest.affair_id)
        .join(User, User.id == ExportRequest.requested_by)
        .where(
            ExportRequest.organisation_id == context.organisation_id,
            ExportRequest.state == ExportState.REQUESTED,
        )
        .order_by(ExportRequest.requested_at)
    )
    waiting = [Waiting(r.id, code, r.purpose, name, r.requested_at) for r, code, name in rows]
    return {"waiting": waiting}


panels.section("vault-clerk", {Role.CLERK}, "vault/_dashboard_clerk.html", _clerk, order=10)
panels.section(
    "vault-approvals", {Role.MANAGER}, "vault/_dashboard_approvals.html", _approvals, order=20
)
# Numbers linked to a person and waiting for a second person's check (vault/link_check.py).
panels.register("link-check", {Role.CLERK, Role.MANAGER}, link_check.attention)

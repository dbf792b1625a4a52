"""The trail on the dashboard (mnvault.dashboard.panels): a manager's recent denials and
failures; an auditor's trail state (entries, last signed checkpoint, last verification)
and latest analysis reports; everyone's own recent work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import desc, func, select
from sqlalchemy.orm import Session

from mnvault.access.models import Role, User
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.audit.actions import Outcome
from mnvault.audit.models import AuditCheckpoint, AuditEntry
from mnvault.audit.reports import stored
from mnvault.audit.verification import checks
from mnvault.context import Context
from mnvault.dashboard import panels

RECENT = 10


@dataclass(frozen=True)
class Work:
    occurred_at: datetime
    action: str
    outcome: str
    affair_code: str | None


@dataclass(frozen=True)
class TrailState:
    entries: int
    checkpoint_at: datetime | None
    checkpoint_size: int | None
    verified: checks.LastCheck | None = None


@dataclass(frozen=True)
class Denial:
    occurred_at: datetime
    login: str | None
    action: str
    outcome: str
    reason: str | None


def _recent(session: Session, context: Context, _where: panels.Where) -> dict[str, Any]:
    """The caller's own work in the organisation (nothing else is read)."""
    rows = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.actor_id == context.actor_id,
            AuditEntry.organisation_id == context.organisation_id,
        )
        .order_by(desc(AuditEntry.seq))
        .limit(RECENT)
    )
    return {"recent": [Work(e.occurred_at, e.action, e.outcome, e.affair_code) for e in rows]}


def _denials(session: Session, context: Context, _where: panels.Where) -> dict[str, Any]:
    """Refusals and failures in the organisation: what a 責任者 looks into first."""
    authorize(session, context, Permission.EXPORT_APPROVE)
    rows = list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.organisation_id == context.organisation_id,
                AuditEntry.outcome.in_([str(Outcome.DENIED), str(Outcome.FAILED)]),
            )
            .order_by(desc(AuditEntry.seq))
            .limit(RECENT)
        )
    )
    wanted = {r.actor_id for r in rows if r.actor_id is not None}
    logins = {
        row.id: row.login
        for row in session.execute(select(User.id, User.login).where(User.id.in_(wanted)))
    }
    denials = [
        Denial(
            r.occurred_at,
            logins.get(r.actor_id) if r.actor_id else None,
            r.action,
            r.outcome,
            str((r.details or {}).get("reason") or "") or None,
        )
        for r in rows
    ]
    return {"denials": denials}


def _trail(session: Session, context: Context, where: panels.Where) -> dict[str, Any]:
    authorize(session, context, Permission.AUDIT_READ)
    entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    last = session.scalar(select(AuditCheckpoint).order_by(desc(AuditCheckpoint.id)).limit(1))
    trail = TrailState(
        int(entries), last.created_at if last else None, last.tree_size if last else None,
        checks.last_verification(session, context),
    )  # fmt: skip
    reports: list[stored.Kept] = []
    if where.data_dir is not None:
        reports = stored.latest(session, context, root=where.data_dir, limit=3)
    return {"trail": trail, "reports": reports}


panels.section("audit-denials", {Role.MANAGER}, "audit/_dashboard_denials.html", _denials, order=50)
panels.section("audit-trail", {Role.AUDITOR}, "audit/_dashboard_trail.html", _trail, order=60)
panels.section("audit-recent", None, "audit/_dashboard_recent.html", _recent, order=90)

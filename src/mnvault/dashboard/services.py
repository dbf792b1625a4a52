"""What each role's dashboard shows; read-only, nothing here returns a number.

clerk: my affairs, the persons awaiting verification and my recent work; manager:
take-out requests and disposal batches waiting for a decision, numbers falling due, recent
denials and failures; auditor: the trail's state (entries, last signed checkpoint, last
verification) and the latest analysis reports; admin: the users, the key versions with
their wrapped-key counts, and the disposal confirmation setting. Every role also sees
what the record packages registered as needing attention (mnvault.dashboard.panels).

The rows above predate the registry and read their packages' services directly; a new
package registers a panel instead of adding a row here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import desc, func, select
from sqlalchemy.orm import Session

from mnvault.access.models import Membership, Role, User
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize, visible_persons
from mnvault.affairs.models import Affair
from mnvault.affairs.services import my_affairs
from mnvault.audit import checks, stored
from mnvault.audit.actions import Outcome
from mnvault.audit.models import AuditCheckpoint, AuditEntry
from mnvault.compliance import services as compliance_services
from mnvault.compliance.state import MeasureState
from mnvault.context import Context
from mnvault.dashboard import panels
from mnvault.disposal import batches as disposal_batches
from mnvault.disposal import services as retention
from mnvault.disposal.models import BatchState, DisposalBatch
from mnvault.disposal.services import confirmation_required
from mnvault.keys import services as keys
from mnvault.vault.models import ExportRequest, ExportState, NumberRecord, Person

RECENT = 10


@dataclass(frozen=True)
class Work:
    occurred_at: datetime
    action: str
    outcome: str
    affair_code: str | None


@dataclass(frozen=True)
class Waiting:
    id: uuid.UUID
    affair_code: str
    purpose: str
    requested_by: str
    requested_at: datetime


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


@dataclass(frozen=True)
class Member:
    login: str
    display_name: str
    roles: list[str]
    active: bool


@dataclass
class Dashboard:
    affairs: list[Affair] = field(default_factory=list)
    awaiting: list[Person] = field(default_factory=list)
    recent: list[Work] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)
    trail: TrailState | None = None
    members: list[Member] = field(default_factory=list)
    notices: list[retention.Notice] = field(default_factory=list)
    batches_waiting: list[DisposalBatch] = field(default_factory=list)
    denials: list[Denial] = field(default_factory=list)
    reports: list[stored.Kept] = field(default_factory=list)
    keys: list[keys.KekStatus] = field(default_factory=list)
    confirmation_required: bool | None = None
    # The compliance spine: one line per 別添1 group, and measures overdue or due within 30 days.
    compliance: list[compliance_services.GroupSummary] = field(default_factory=list)
    compliance_due: list[MeasureState] = field(default_factory=list)
    # What the record packages registered (policies, inspections, incidents …).
    attention: list[panels.Attention] = field(default_factory=list)


def awaiting_verification(
    session: Session, context: Context, *, limit: int = RECENT
) -> list[Person]:
    """Persons inside the actor's assignments whose number is not acquired yet: the
    clerk's to-do list (本人確認 and 取得, 番号法第16条). Oldest first, so no one waits
    forever behind newcomers."""
    return list(
        session.scalars(
            select(Person)
            .outerjoin(NumberRecord, NumberRecord.person_id == Person.id)
            .where(visible_persons(session, context), NumberRecord.person_id.is_(None))
            .order_by(Person.created_at, Person.external_ref)
            .limit(limit)
        )
    )


def _recent(session: Session, context: Context) -> list[Work]:
    rows = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.actor_id == context.actor_id,
            AuditEntry.organisation_id == context.organisation_id,
        )
        .order_by(desc(AuditEntry.seq))
        .limit(RECENT)
    )
    return [Work(e.occurred_at, e.action, e.outcome, e.affair_code) for e in rows]


def _waiting(session: Session, context: Context) -> list[Waiting]:
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
    return [Waiting(r.id, code, r.purpose, name, r.requested_at) for r, code, name in rows]


def _trail(session: Session, context: Context) -> TrailState:
    authorize(session, context, Permission.AUDIT_READ)
    entries = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    last = session.scalar(select(AuditCheckpoint).order_by(desc(AuditCheckpoint.id)).limit(1))
    return TrailState(
        int(entries), last.created_at if last else None, last.tree_size if last else None,
        checks.last_verification(session, context),
    )  # fmt: skip


def _batches_waiting(session: Session, context: Context) -> list[DisposalBatch]:
    return [
        b
        for b in disposal_batches.list_batches(session, context)
        if b.state in {BatchState.PLANNED, BatchState.CONFIRMED, BatchState.EXECUTED}
    ]


def _denials(session: Session, context: Context) -> list[Denial]:
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
    return [
        Denial(
            r.occurred_at,
            logins.get(r.actor_id) if r.actor_id else None,
            r.action,
            r.outcome,
            str((r.details or {}).get("reason") or "") or None,
        )
        for r in rows
    ]


def _members(session: Session, context: Context) -> list[Member]:
    authorize(session, context, Permission.USER_MANAGE)
    roles: dict[uuid.UUID, list[str]] = {}
    users: dict[uuid.UUID, User] = {}
    for membership, user in session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == context.organisation_id)
        .order_by(User.login, Membership.role)
    ):
        roles.setdefault(user.id, []).append(membership.role)
        users[user.id] = user
    return [Member(u.login, u.display_name, roles[u.id], u.is_active) for u in users.values()]


def board(
    session: Session,
    context: Context,
    roles: frozenset[str],
    data_dir: Path | None = None,
    keyring: keys.RotatingKeyring | None = None,
) -> Dashboard:
    board = Dashboard()
    if Role.CLERK.value in roles:
        board.affairs = my_affairs(session, context)
        board.awaiting = awaiting_verification(session, context)
    board.recent = _recent(session, context)
    if Role.MANAGER.value in roles:
        board.waiting = _waiting(session, context)
        board.notices = retention.reminders(session, context, today=datetime.now(UTC).date())
        board.batches_waiting = _batches_waiting(session, context)
        board.denials = _denials(session, context)
        report = compliance_services.status(session, context)
        board.compliance = report.groups()
        board.compliance_due = compliance_services.due_of(report)
    if Role.AUDITOR.value in roles:
        board.trail = _trail(session, context)
        if data_dir is not None:
            board.reports = stored.latest(session, context, root=data_dir, limit=3)
    if Role.ADMIN.value in roles:
        board.members = _members(session, context)
        if keyring is not None:
            board.keys = keys.status(session, keyring, context)[0]
        board.confirmation_required = confirmation_required(session, context.organisation_id)
    board.attention = panels.attention(session, context, roles)
    return board

"""What the administrator's screens show, read in one place; nothing here returns a
number or a secret (no password hash, no token, no TOTP secret, no key material).

Each reader authorizes first. The changes go through the owning packages' services.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from mnvault.access import separation
from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import AccessConditions, Assignment, Membership, Role, User
from mnvault.access.permissions import Permission
from mnvault.affairs.models import Affair
from mnvault.affairs.services import list_affairs
from mnvault.auth.models import ApiToken, UserSecurity, WebSession
from mnvault.db.base import utcnow
from mnvault.orgs.models import Department
from mnvault.vault.errors import NotFound
from mnvault.vault.models import SpiFile


@dataclass(frozen=True)
class UserRow:
    id: uuid.UUID
    login: str  # as this organisation names the user: CODE:LOGIN for an outside member
    display_name: str
    roles: list[str]
    active: bool
    totp_enrolled: bool
    totp_reset_pending: bool
    must_change_password: bool
    locked_until: datetime | None
    last_sign_in: datetime | None
    home_here: bool = True  # credentials are managed by the home organisation only
    system: bool = False  # acts by API tokens only, never signs in (issue #11)
    unconfirmed: bool = False  # reaches no number until a manager confirms it


def users(session: Session, context: Context) -> list[UserRow]:
    """The organisation's members with their roles here and their sign-in state."""
    access.authorize(session, context, Permission.USER_MANAGE)
    roles: dict[uuid.UUID, list[str]] = {}
    members: dict[uuid.UUID, User] = {}
    for membership, user in session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.organisation_id == context.organisation_id)
        .order_by(User.login, Membership.role)
    ):
        roles.setdefault(user.id, []).append(membership.role)
        members[user.id] = user
    ids = list(members)
    states = {
        s.user_id: s
        for s in session.scalars(select(UserSecurity).where(UserSecurity.user_id.in_(ids)))
    }
    last: dict[uuid.UUID, datetime] = {
        user_id: when
        for user_id, when in session.execute(
            select(WebSession.user_id, func.max(WebSession.created_at))
            .where(
                WebSession.user_id.in_(ids),
                WebSession.organisation_id == context.organisation_id,
            )
            .group_by(WebSession.user_id)
        )
    }
    now = utcnow()
    rows = []
    for user in members.values():
        state = states.get(user.id)
        locked = (
            state.locked_until
            if state and state.locked_until and state.locked_until > now
            else None
        )
        rows.append(
            UserRow(
                user.id, access.reference_of(session, user, context.organisation_id),
                user.display_name, roles[user.id], user.is_active,
                totp_enrolled=bool(state and state.totp_confirmed_at),
                totp_reset_pending=bool(state and state.totp_reset_at),
                must_change_password=user.must_change_password, locked_until=locked,
                last_sign_in=last.get(user.id),
                home_here=user.home_organisation_id == context.organisation_id,
                system=user.is_system, unconfirmed=user.unconfirmed_since is not None,
            )
        )  # fmt: skip
    return rows


def user(session: Session, context: Context, user_id: uuid.UUID) -> UserRow:
    for row in users(session, context):
        if row.id == user_id:
            return row
    raise NotFound("利用者", "user")


def member(session: Session, context: Context, user_id: uuid.UUID) -> User:
    """A user of this organisation, for an administrator; anyone else is "not found"."""
    access.authorize(session, context, Permission.USER_MANAGE)
    found = session.get(User, user_id)
    if found is None or context.organisation_id not in access.organisations_of(session, user_id):
        raise NotFound("利用者", "user")
    return found


# -- assignments ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AssignmentRow:
    id: uuid.UUID
    login: str
    display_name: str
    affair: Affair
    departments: list[str]
    spi_files: list[str]
    person_kinds: list[str]


@dataclass
class AssignmentBoard:
    rows: list[AssignmentRow] = field(default_factory=list)
    clerks: list[User] = field(default_factory=list)
    affairs: list[Affair] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    spi_files: list[SpiFile] = field(default_factory=list)
    conditions: AccessConditions | None = None


def assignments(session: Session, context: Context) -> AssignmentBoard:
    """Clerk × affair × scope as names a person reads (not ids), and what the forms offer."""
    access.authorize(session, context, Permission.ASSIGNMENT_MANAGE)
    org = context.organisation_id
    departments = list(
        session.scalars(
            select(Department).where(Department.organisation_id == org).order_by(Department.code)
        )
    )
    files = list(
        session.scalars(
            select(SpiFile).where(SpiFile.organisation_id == org).order_by(SpiFile.name)
        )
    )
    names = {str(d.id): d.name for d in departments} | {str(f.id): f.name for f in files}
    rows = []
    for assignment, user_row, affair in session.execute(
        select(Assignment, User, Affair)
        .join(User, User.id == Assignment.user_id)
        .join(Affair, Affair.id == Assignment.affair_id)
        .where(Assignment.organisation_id == org)
        .order_by(User.login, Affair.code)
    ):
        rows.append(
            AssignmentRow(
                assignment.id, access.reference_of(session, user_row, org),
                user_row.display_name, affair,
                [names.get(i, "?") for i in assignment.department_ids or []],
                [names.get(i, "?") for i in assignment.spi_file_ids or []],
                list(assignment.person_kinds or []),
            )
        )  # fmt: skip
    clerks = list(
        session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == org, Membership.role == Role.CLERK.value)
            .order_by(User.login)
        )
    )
    return AssignmentBoard(
        rows, clerks, list_affairs(session, org), departments, files,
        session.get(AccessConditions, org),
    )  # fmt: skip


# -- API tokens ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenRow:
    id: uuid.UUID
    name: str
    prefix: str
    login: str
    affairs: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    state: str  # active, awaiting_approval, expired, revoked


def tokens(session: Session, context: Context) -> list[TokenRow]:
    """The organisation's API tokens; the token itself is never kept, so never shown."""
    access.authorize(session, context, Permission.USER_MANAGE)
    now = utcnow()
    rows = []
    for token, login in session.execute(
        select(ApiToken, User.login)
        .join(User, User.id == ApiToken.user_id)
        .where(ApiToken.organisation_id == context.organisation_id)
        .order_by(ApiToken.created_at.desc())
    ):
        state = (
            "revoked" if token.revoked_at else "expired" if token.expires_at <= now
            else "awaiting_approval" if token.approved_at is None else "active"
        )  # fmt: skip
        rows.append(
            TokenRow(
                token.id, token.name, token.prefix, login, list(token.affair_codes),
                token.created_at, token.expires_at, token.revoked_at, token.last_used_at, state,
            )
        )  # fmt: skip
    return rows


@dataclass(frozen=True)
class AwaitingRow:
    """Something waiting for a manager's approval (issue #11): a token that can return a
    number, or an account whose password an administrator set."""

    kind: str  # "token" or "user"
    id: uuid.UUID
    login: str
    name: str
    affairs: list[str]
    requested_by: str | None
    since: datetime


def awaiting_approval(session: Session, context: Context) -> list[AwaitingRow]:
    """What a manager of the organisation is asked to approve; refused (audited) to
    anyone else."""
    access.authorize(session, context, Permission.EXPORT_APPROVE)
    if not separation.is_approver(session, context):
        separation.deny(
            context,
            "承認待ちの一覧は事務取扱責任者が見ます",
            "a manager lists what awaits approval",
            permission=Permission.EXPORT_APPROVE,
        )
    now = utcnow()
    requester = aliased(User)
    rows = [
        AwaitingRow("token", t.id, login, t.name, list(t.affair_codes), by, t.created_at)
        for t, login, by in session.execute(
            select(ApiToken, User.login, requester.login)
            .join(User, User.id == ApiToken.user_id)
            .join(requester, requester.id == ApiToken.created_by)
            .where(
                ApiToken.organisation_id == context.organisation_id,
                ApiToken.approved_at.is_(None), ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > now,
            )
            .order_by(ApiToken.created_at)
        )
    ]  # fmt: skip
    rows += [
        AwaitingRow("user", u.id, u.login, u.display_name, [], None, u.unconfirmed_since)
        for u in session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == context.organisation_id,
                User.unconfirmed_since.is_not(None),
            )
            .distinct()
            .order_by(User.login)
        )
        if u.unconfirmed_since is not None
    ]
    return rows

"""Users, roles, assignments, sign-in and the one authorize() of every service."""

from __future__ import annotations

import functools
import secrets
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.errors import AuthenticationFailed, AuthorizationDenied
from mnvault.access.models import Assignment, Membership, Role, User
from mnvault.access.permissions import GRANTS, NUMBER_PERMISSIONS, Permission
from mnvault.affairs.models import Affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction, Outcome

_hasher = PasswordHasher()  # argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the login is unknown, so that the time taken does
    not tell whether a user exists. Made on first use: hashing costs 64 MiB."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def generate_password() -> str:
    return secrets.token_urlsafe(18)


def create_user(
    session: Session, context: Context | None, *, login: str, display_name: str, password: str
) -> User:
    user = User(login=login, display_name=display_name, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    audit.record(session, context, AuditAction.USER_CREATE, details={"user_id": str(user.id)})
    return user


def grant_role(
    session: Session, context: Context | None, *, user: User, organisation_id: uuid.UUID, role: Role
) -> None:
    session.add(Membership(user_id=user.id, organisation_id=organisation_id, role=str(role)))
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.ROLE_GRANT,
        organisation_id=organisation_id,
        details={"user_id": str(user.id), "role": str(role)},
    )


def assign(session: Session, context: Context, *, user: User, affair: Affair) -> Assignment:
    authorize(session, context, Permission.ASSIGNMENT_MANAGE)
    assignment = Assignment(
        user_id=user.id, organisation_id=context.organisation_id, affair_id=affair.id
    )
    session.add(assignment)
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.ASSIGNMENT_CREATE,
        affair_code=affair.code,
        details={"user_id": str(user.id)},
    )
    return assignment


def authenticate(session: Session, *, login: str, password: str, channel: str = "cli") -> User:
    user = session.scalar(select(User).where(User.login == login))
    try:
        _hasher.verify(user.password_hash if user else _dummy_hash(), password)
        if user is None or not user.is_active:
            raise AuthenticationFailed()
    except (VerificationError, InvalidHashError, AuthenticationFailed) as exc:
        audit.record(
            session,
            None,
            AuditAction.AUTH_LOGIN_FAILED,
            outcome=Outcome.FAILED,
            actor_id=user.id if user else None,
            details={"channel": channel},
        )
        raise AuthenticationFailed() from exc
    audit.record(
        session, None, AuditAction.AUTH_LOGIN, actor_id=user.id, details={"channel": channel}
    )
    return user


def roles_of(session: Session, user_id: uuid.UUID, organisation_id: uuid.UUID) -> set[Role]:
    rows = session.scalars(
        select(Membership.role).where(
            Membership.user_id == user_id, Membership.organisation_id == organisation_id
        )
    )
    return {Role(role) for role in rows}


def organisations_of(session: Session, user_id: uuid.UUID) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(Membership.organisation_id).where(Membership.user_id == user_id).distinct()
        )
    )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str


def decide(session: Session, context: Context, permission: Permission) -> Decision:
    """Deny by default: allow only what a role grants and, for numbers, an assignment."""
    roles = roles_of(session, context.actor_id, context.organisation_id)
    if not roles:
        return Decision(False, "no role in this organisation")
    if not any(permission in GRANTS[role] for role in roles):
        return Decision(False, f"no role grants {permission}")
    if permission in NUMBER_PERMISSIONS:
        if not context.affair_code:
            return Decision(False, "no affair named")
        assigned = session.scalar(
            select(Assignment.id)
            .join(Affair, Affair.id == Assignment.affair_id)
            .where(
                Assignment.user_id == context.actor_id,
                Assignment.organisation_id == context.organisation_id,
                Affair.code == context.affair_code,
            )
        )
        if assigned is None:
            return Decision(False, "not assigned to this affair")
    return Decision(True, "granted")


def authorize(
    session: Session,
    context: Context,
    permission: Permission,
    *,
    person_id: uuid.UUID | None = None,
) -> Decision:
    """Allow, or raise AuthorizationDenied (which unit_of_work audits after rollback)."""
    decision = decide(session, context, permission)
    if not decision.allowed:
        raise AuthorizationDenied(
            permission=str(permission),
            reason=decision.reason,
            actor_id=context.actor_id,
            organisation_id=context.organisation_id,
            affair_code=context.affair_code,
            person_id=person_id,
            request_id=context.request_id,
            client_address=context.client_address,
        )
    return decision

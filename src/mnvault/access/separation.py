"""Number-blind administrators (issue #11): who administers never ends up holding
anything that returns a number.

An administrator manages accounts, roles and credentials; a number is seen only by
people in roles that see numbers, assigned to an affair. The rules here keep the two
apart on every path by which an administrator could otherwise join them: a role given
to oneself, a number role for someone who administers or audits anywhere (their own
account, or one in an organisation where they are an outside member), an assignment of
a number-blind account, a system user that administers, and a manager's approval given
by the one who asked (事業者編 別添1 2C a 組織体制の整備 (確認体制); 行政機関等編 別添1 2F a
管理者権限を有するユーザー…直接アクセスできない; DESIGN.md §4).

Every refusal is an :class:`AuthorizationDenied`, which the unit of work audits after
the rollback; its reason is bilingual.
"""

from __future__ import annotations

import uuid
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied
from mnvault.access.models import Membership, Role, User
from mnvault.access.permissions import Permission
from mnvault.access.policy.table import NUMBER_BLIND_ROLES

# Roles that can see a number (given an assignment); the second factor is required of
# them (auth.services) and of every role that manages credentials.
NUMBER_ROLES = frozenset({Role.CLERK, Role.MANAGER, Role.CHIEF_OFFICER, Role.PROTECTION_MANAGER})
# Roles whose approval is "a manager's": 事務取扱責任者 and its agency variants.
APPROVER_ROLES = frozenset({Role.MANAGER, Role.CHIEF_OFFICER, Role.PROTECTION_MANAGER})
# Roles that manage credentials (users, passwords, second factors, tokens).
CREDENTIAL_ROLES = frozenset({Role.ADMIN})


def deny(
    context: Context | None,
    reason_ja: str,
    reason_en: str,
    *,
    user_id: uuid.UUID | None = None,
    permission: Permission = Permission.USER_MANAGE,
) -> NoReturn:
    raise AuthorizationDenied(
        permission=str(permission), reason=f"{reason_ja} / {reason_en}",
        actor_id=context.actor_id if context else None,
        organisation_id=context.organisation_id if context else None,
        request_id=context.request_id if context else None,
        client_address=context.client_address if context else None,
        details={"user_id": str(user_id)} if user_id else {},
    )  # fmt: skip


def roles_anywhere(session: Session, user_id: uuid.UUID) -> set[Role]:
    """Every role the user holds, in every organisation."""
    rows = session.scalars(select(Membership.role).where(Membership.user_id == user_id))
    return {Role(r) for r in rows}


def check_grant(session: Session, context: Context | None, *, user: User, role: Role) -> None:
    """Refuse a role that would join administering and seeing numbers in one account."""
    if context is not None and user.id == context.actor_id and role in NUMBER_ROLES:
        deny(
            context, "自分自身に番号を扱う役割を付与することはできません",
            "no one gives themselves a role that sees numbers", user_id=user.id,
        )  # fmt: skip
    if user.is_system and role in CREDENTIAL_ROLES | NUMBER_BLIND_ROLES:
        deny(
            context, "システム利用者は管理・監査の役割を持てません",
            "a system user cannot administer or audit", user_id=user.id,
        )  # fmt: skip
    held = roles_anywhere(session, user.id)
    if role in NUMBER_ROLES and held & NUMBER_BLIND_ROLES:
        deny(
            context,
            "管理者・監査者（いずれかの組織で）に番号を扱う役割は付与できません",
            "a user who administers or audits (in any organisation) never holds a role "
            "that sees numbers",
            user_id=user.id,
        )
    if role in NUMBER_BLIND_ROLES and held & NUMBER_ROLES:
        deny(
            context,
            "番号を扱う役割を持つ利用者に管理・監査の役割は付与できません",
            "a user who sees numbers (in any organisation) cannot also administer or audit",
            user_id=user.id,
        )


def check_assignee(session: Session, context: Context, *, user: User, roles: set[Role]) -> None:
    """An assignment to an affair is for an account that sees numbers; a system user's
    assignment bounds its tokens, so only a manager sets it."""
    if user.id == context.actor_id and not roles & APPROVER_ROLES:
        deny(
            context, "自分自身を事務に割り当てることはできません",
            "no one assigns themselves to an affair", user_id=user.id,
            permission=Permission.ASSIGNMENT_MANAGE,
        )  # fmt: skip
    if not roles & NUMBER_ROLES:
        deny(
            context, "番号を扱う役割のない利用者は事務に割り当てられません",
            "only a user in a role that sees numbers is assigned to an affair",
            user_id=user.id, permission=Permission.ASSIGNMENT_MANAGE,
        )  # fmt: skip
    if user.is_system and not is_approver(session, context):
        deny(
            context, "システム利用者の割当ては事務取扱責任者が行います",
            "a system user's assignments are set by a manager", user_id=user.id,
            permission=Permission.ASSIGNMENT_MANAGE,
        )  # fmt: skip


def is_approver(session: Session, context: Context) -> bool:
    """Whether the actor holds a manager's role in the organisation acted in."""
    rows = session.scalars(
        select(Membership.role).where(
            Membership.user_id == context.actor_id,
            Membership.organisation_id == context.organisation_id,
        )
    )
    return bool({Role(r) for r in rows} & APPROVER_ROLES)


def require_approver(session: Session, context: Context, *, requested_by: uuid.UUID | None) -> None:
    """A manager's approval, never the requester's own (two people)."""
    if not is_approver(session, context):
        deny(
            context, "承認は事務取扱責任者が行います", "a manager approves this",
            permission=Permission.EXPORT_APPROVE,
        )  # fmt: skip
    if requested_by is not None and requested_by == context.actor_id:
        deny(
            context, "依頼した本人は承認できません", "the requester cannot approve",
            permission=Permission.EXPORT_APPROVE,
        )  # fmt: skip
    actor = session.get(User, context.actor_id)
    if actor is None or actor.unconfirmed_since is not None:
        # Otherwise an admin could make a manager account, enrol it, and approve with it.
        deny(
            context, "確認待ちの事務取扱責任者は承認できません",
            "a manager whose own account awaits confirmation cannot approve",
            permission=Permission.EXPORT_APPROVE,
        )  # fmt: skip


def first_manager(session: Session, context: Context, *, user: User) -> bool:
    """Whether an administrator may confirm ``user`` as the organisation's first manager:
    only while the organisation has no confirmed manager and holds no number at all (a
    new organisation). Someone must be first; after that no administrator confirms anyone.
    The residual risk (a founding admin who invents the first manager) is in the README."""
    from mnvault.vault.models import NumberRecord  # noqa: PLC0415 - only here

    held = {
        Role(r)
        for r in session.scalars(
            select(Membership.role).where(
                Membership.user_id == user.id,
                Membership.organisation_id == context.organisation_id,
            )
        )
    }
    if not held & APPROVER_ROLES or is_approver(session, context):
        return False
    confirmed = session.scalar(
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == context.organisation_id,
            Membership.role.in_(sorted(r.value for r in APPROVER_ROLES)),
            User.unconfirmed_since.is_(None),
        )
        .limit(1)
    )
    numbers = session.scalar(
        select(NumberRecord.person_id)
        .where(NumberRecord.organisation_id == context.organisation_id)
        .limit(1)
    )
    return confirmed is None and numbers is None

"""The administrator's panels on the dashboard (mnvault.dashboard.panels): the users, the
key versions with their wrapped-key counts, and the disposal confirmation setting."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access.models import Membership, Role, User
from mnvault.access.permissions import Permission
from mnvault.access.services import authorize
from mnvault.context import Context
from mnvault.dashboard import panels
from mnvault.disposal.services import confirmation_required
from mnvault.keys import services as keys


@dataclass(frozen=True)
class Member:
    id: uuid.UUID  # the row opens the user's page
    login: str
    display_name: str
    roles: list[str]
    active: bool


def _members(session: Session, context: Context, _where: panels.Where) -> list[Member]:
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
    return [Member(u.id, u.login, u.display_name, roles[u.id], u.is_active) for u in users.values()]


def _keys(session: Session, context: Context, where: panels.Where) -> dict[str, Any]:
    versions = keys.status(session, where.keyring, context)[0] if where.keyring is not None else []
    required = confirmation_required(session, context.organisation_id)
    return {"versions": versions, "confirmation_required": required}


panels.section("admin-users", {Role.ADMIN}, "admin/_dashboard_users.html", _members, order=70)
panels.section("admin-keys", {Role.ADMIN}, "admin/_dashboard_keys.html", _keys, order=80)

"""The services behind the administrator's screens: adding a member, granting and revoking
roles, ending an assignment, lifting a lockout; on SQLite and PostgreSQL.

Sources: 事業者編 別添1 2C a 組織体制の整備 (who handles what is clear and can change);
seed 図表2-1 (3)① 事務取扱担当者の明確化; 図表2-2 (6)② 識別と認証."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.access.errors import AuthorizationDenied, LoginTaken
from mnvault.access.models import Assignment, Role, User
from mnvault.admin import listing
from mnvault.audit.models import AuditEntry
from mnvault.auth import services as auth
from mnvault.auth.models import UserSecurity
from mnvault.db.base import utcnow
from mnvault.vault.errors import InvalidInput, NotFound
from tests.conftest import World

# (who acts, login, roles, expected error or None, why)
ADD_CASES = [
    ("admin", "new.user", [Role.CLERK], None, "an admin adds a member"),
    ("manager", "new.user", [Role.CLERK], AuthorizationDenied, "user:manage is the admin's"),
    ("admin", "bad login", [Role.CLERK], InvalidInput, "a login is letters, digits, ._@-"),
    ("admin", "new.user", [], InvalidInput, "a member holds a role"),
]


@pytest.mark.parametrize(("who", "login", "roles", "error", "why"), ADD_CASES)
def test_add_member(world: World, *, who: str, login: str, roles: list[Role], error, why: str):
    with world.sessions() as session:
        if error is None:
            user, password = access.add_member(
                session, world.ctx(who), login=login, display_name=" 新 人 ", roles=roles
            )
            assert user.must_change_password, why
            assert user.display_name == "新 人"
            assert access.verify_password(user.password_hash, password)
            assert access.roles_of(session, user.id, world.org.id) == set(roles)
        else:
            with pytest.raises(error):
                access.add_member(
                    session, world.ctx(who), login=login, display_name="x", roles=roles
                )


def test_add_member_refuses_a_login_in_use(world: World):
    # In the same organisation only: tests/test_logins_per_organisation.py has the rest.
    with world.sessions() as session, pytest.raises(LoginTaken):
        access.add_member(
            session, world.ctx("admin"), login=world.users["clerk"].login, display_name="x",
            roles=[Role.CLERK],
        )  # fmt: skip


# (user, role granted first, role revoked, expected error or None, why)
REVOKE_CASES = [
    # A clerk never also audits (issue #11): the second role is another number role.
    ("clerk2", Role.MANAGER, Role.MANAGER, None, "a second role can be taken back"),
    ("clerk2", None, Role.CLERK, InvalidInput, "a member keeps at least one role"),
    ("clerk2", None, Role.ADMIN, NotFound, "a role not held"),
    ("admin", Role.AUDITOR, Role.ADMIN, InvalidInput, "the organisation keeps an administrator"),
    ("outsider", None, Role.CLERK, NotFound, "another organisation's user"),
]


@pytest.mark.parametrize(("login", "first", "revoked", "error", "why"), REVOKE_CASES)
def test_revoke_role(world: World, *, login: str, first, revoked: Role, error, why: str):
    with world.sessions() as session:
        user = session.get_one(User, world.users[login].id)
        context = world.ctx("admin")
        if first:
            access.grant_member_role(session, context, user=user, role=first)
        if error is None:
            access.revoke_role(session, context, user=user, role=revoked)
            assert revoked not in access.roles_of(session, user.id, world.org.id), why
            entry = session.scalars(
                select(AuditEntry).where(AuditEntry.action == "role:revoke")
            ).one()
            assert entry.details["role"] == revoked.value
        else:
            with pytest.raises(error):
                access.revoke_role(session, context, user=user, role=revoked)


def test_granting_a_held_role_is_refused(world: World):
    with world.sessions() as session:
        user = session.get_one(User, world.users["clerk2"].id)
        with pytest.raises(InvalidInput):
            access.grant_member_role(session, world.ctx("admin"), user=user, role=Role.CLERK)


def test_remove_assignment(world: World):
    with world.sessions() as session:
        assignment = session.scalars(
            select(Assignment).where(Assignment.user_id == world.users["clerk2"].id)
        ).one()
        with pytest.raises(AuthorizationDenied):
            access.remove_assignment(session, world.ctx("clerk"), assignment_id=assignment.id)
        with pytest.raises(NotFound):  # another organisation's admin context
            access.remove_assignment(
                session, world.ctx("admin", org=world.other_org), assignment_id=assignment.id
            )
        access.remove_assignment(session, world.ctx("admin"), assignment_id=assignment.id)
        assert session.get(Assignment, assignment.id) is None
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "assignment:delete")
        ).one()
        assert entry.affair_code == "health_pension_insurance"


def test_unlock(world: World):
    with world.sessions() as session:
        user_id = world.users["clerk"].id
        session.add(
            UserSecurity(user_id=user_id, failed_attempts=5,
                         locked_until=utcnow() + timedelta(minutes=15))
        )  # fmt: skip
        session.flush()
        with pytest.raises(AuthorizationDenied):
            auth.unlock(session, world.ctx("manager"), user_id=user_id)
        assert auth.unlock(session, world.ctx("admin"), user_id=user_id) is True
        state = session.get_one(UserSecurity, user_id)
        assert state.locked_until is None and state.failed_attempts == 0
        assert auth.unlock(session, world.ctx("admin"), user_id=user_id) is False


def test_the_lists_show_only_the_organisation_acted_in(world: World):
    """The admin also administers the other organisation: there, the lists hold only its
    own users and assignments (one organisation's users never reach another's)."""
    with world.sessions() as session:
        here, there = world.ctx("admin"), world.ctx("admin", org=world.other_org)
        logins_here = {row.login for row in listing.users(session, here)}
        logins_there = {row.login for row in listing.users(session, there)}
        assert world.users["clerk"].login in logins_here - logins_there
        # The admin's home is the first organisation: the other names them CODE:LOGIN.
        admin_there = f"{world.org.code}:{world.users['admin'].login}"
        assert logins_there == {admin_there, world.users["outsider"].login}
        board = listing.assignments(session, there)
        assert {row.login for row in board.rows} == {world.users["outsider"].login}
        assert [u.login for u in board.clerks] == [world.users["outsider"].login]
        with pytest.raises(NotFound):
            listing.member(session, there, world.users["clerk"].id)
        with pytest.raises(AuthorizationDenied):
            listing.users(session, world.ctx("clerk"))
        assert listing.tokens(session, there) == []

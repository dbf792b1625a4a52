"""Users, roles, assignments, sign-in and the one authorize() of every service."""

from __future__ import annotations

import functools
import ipaddress
import re
import secrets
import uuid
from collections.abc import Sequence
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from mnvault.access import separation
from mnvault.access.context import Context
from mnvault.access.errors import AuthorizationDenied, LoginTaken
from mnvault.access.models import (
    DEFAULT_TIME_ZONE,
    AccessConditions,
    Assignment,
    Membership,
    Role,
    User,
)
from mnvault.access.passwords import normalise_password
from mnvault.access.permissions import Permission
from mnvault.access.policy import engine
from mnvault.access.policy.facts import PersonRef, request_for, requests_for
from mnvault.access.policy.facts import principal as principal_facts
from mnvault.access.policy.model import Decision, Resource
from mnvault.access.policy.model import Request as PolicyRequest
from mnvault.access.policy.sql import persons_in_scope
from mnvault.affairs.models import Affair
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.db.base import utcnow
from mnvault.orgs.codes import organisation_by_code
from mnvault.orgs.models import Department, Organisation
from mnvault.partners.cover import require_cover
from mnvault.vault.errors import InvalidInput, NotFound
from mnvault.vault.freetext import without_number
from mnvault.vault.models import Person, PersonKind, SpiFile

_hasher = PasswordHasher()  # argon2-cffi defaults: Argon2id, RFC 9106 low-memory profile


@functools.cache
def dummy_hash() -> str:
    """A hash to verify against when the login is unknown, so that the time taken does
    not tell whether a user exists. Made on first use: hashing costs 64 MiB."""
    return _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    # NFKC first, so a password typed with full-width characters (a Japanese IME's
    # default) matches the same password typed half-width (NIST SP 800-63B §3.1.1.2).
    return _hasher.hash(normalise_password(password))


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists (a dummy hash stands in)."""
    try:
        return _hasher.verify(stored_hash or dummy_hash(), normalise_password(password)) and (
            stored_hash is not None
        )
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    return secrets.token_urlsafe(18)


def create_user(
    session: Session,
    context: Context | None,
    *,
    home_organisation_id: uuid.UUID,
    login: str,
    display_name: str,
    password: str,
) -> User:
    """A user whose login is unique within ``home_organisation_id`` (issue #3)."""
    without_number(login, "ログイン名", "login")
    without_number(display_name, "表示名", "display name")
    if login_taken(session, home_organisation_id, login):
        raise LoginTaken(login, login)
    user = User(
        home_organisation_id=home_organisation_id,
        login=login,
        display_name=display_name,
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    audit.record(session, context, AuditAction.USER_CREATE, details={"user_id": str(user.id)})
    return user


def grant_role(
    session: Session, context: Context | None, *, user: User, organisation_id: uuid.UUID, role: Role
) -> None:
    """Every path that gives a role comes here (members, outside members, set-up), so
    that administering and seeing numbers never meet in one account (issue #11)."""
    separation.check_grant(session, context, user=user, role=role)
    session.add(Membership(user_id=user.id, organisation_id=organisation_id, role=str(role)))
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.ROLE_GRANT,
        organisation_id=organisation_id,
        details={"user_id": str(user.id), "role": str(role)},
    )


def _scope_ids(
    session: Session,
    context: Context,
    model: type[Department] | type[SpiFile],
    ids: Sequence[uuid.UUID] | None,
    what: tuple[str, str],
) -> list[str] | None:
    """Check that every id is the organisation's own; store them as canonical text."""
    if not ids:
        return None
    wanted = set(ids)
    found = set(
        session.scalars(
            select(model.id).where(
                model.organisation_id == context.organisation_id, model.id.in_(wanted)
            )
        )
    )
    if found != wanted:
        # Another organisation's department or file is "not found" here, never named.
        raise NotFound(what[0], what[1])
    return sorted(str(i) for i in wanted)


def _scope_kinds(kinds: Sequence[str] | None) -> list[str] | None:
    if not kinds:
        return None
    known = {k.value for k in PersonKind}
    unknown = sorted(set(kinds) - known)
    if unknown:
        raise InvalidInput(f"対象者の種別が不明です: {unknown}", f"unknown person kinds: {unknown}")
    return sorted(set(kinds))


def assign(
    session: Session,
    context: Context,
    *,
    user: User,
    affair: Affair,
    departments: Sequence[uuid.UUID] | None = None,
    spi_files: Sequence[uuid.UUID] | None = None,
    person_kinds: Sequence[str] | None = None,
) -> Assignment:
    """Assign a user to an affair within a scope (事業者編 別添1 2C a 組織体制の整備:
    事務取扱担当者が取り扱う特定個人情報等の範囲の明確化; seed 図表2-1 (3)①). An empty or
    absent dimension covers everything in it;
    assigning the same user to the same affair again replaces the scope."""
    authorize(session, context, Permission.ASSIGNMENT_MANAGE)
    assignee_roles = roles_of(session, user.id, context.organisation_id)
    if not assignee_roles:
        # Only this organisation's users can be assigned; anyone else is "not found".
        raise NotFound("利用者", "user")
    separation.check_assignee(session, context, user=user, roles=assignee_roles)
    # 別添1 2D: where the organisation requires it, no assignment takes effect before the
    # user's pledge of confidentiality is on record (imported here: training imports us).
    from mnvault.training.services import check_assignment  # noqa: PLC0415

    check_assignment(session, context.organisation_id, user.id)
    _require_outsourced(session, context, user, [affair.code])
    scope = {
        "department_ids": _scope_ids(
            session, context, Department, departments, ("部署", "department")
        ),
        "spi_file_ids": _scope_ids(
            session, context, SpiFile, spi_files, ("特定個人情報ファイル", "SPI file")
        ),
        "person_kinds": _scope_kinds(person_kinds),
    }
    assignment = session.scalar(
        select(Assignment).where(
            Assignment.user_id == user.id,
            Assignment.organisation_id == context.organisation_id,
            Assignment.affair_id == affair.id,
        )
    )
    action = AuditAction.ASSIGNMENT_UPDATE
    if assignment is None:
        assignment = Assignment(
            user_id=user.id, organisation_id=context.organisation_id, affair_id=affair.id
        )
        session.add(assignment)
        action = AuditAction.ASSIGNMENT_CREATE
    assignment.department_ids = scope["department_ids"]
    assignment.spi_file_ids = scope["spi_file_ids"]
    assignment.person_kinds = scope["person_kinds"]
    session.flush()
    audit.record(
        session,
        context,
        action,
        affair_code=affair.code,
        details={"user_id": str(user.id), **{k: v for k, v in scope.items() if v}},
    )
    return assignment


def _require_outsourced(
    session: Session, context: Context, user: User, affair_codes: Sequence[str]
) -> None:
    """An outside organisation's user gets a role or an affair here only while a current
    委託 (or approved 再委託) with their organisation covers it (番号法第10条・第11条)."""
    if user.home_organisation_id == context.organisation_id:
        return
    home = session.get(Organisation, user.home_organisation_id)
    require_cover(session, context.organisation_id, home.code if home else "", affair_codes)


LOGIN = re.compile(r"^[A-Za-z0-9._@-]{1,100}$")


def add_member(
    session: Session, context: Context, *, login: str, display_name: str, roles: Sequence[Role]
) -> tuple[User, str]:
    """An administrator adds a user to their organisation with an initial password, shown
    once, that the user must change at the first sign-in (事業者編 別添1 2F b 識別と認証;
    seed 図表2-2 (6)②)."""
    authorize(session, context, Permission.USER_MANAGE)
    display_name = " ".join(display_name.split())
    if not LOGIN.fullmatch(login):
        raise InvalidInput(
            "ログイン名は英数字と . _ @ - で100文字以内にしてください",
            "a login is up to 100 letters, digits and . _ @ -",
        )
    if not display_name or len(display_name) > 200:
        raise InvalidInput("表示名を200文字以内で入力してください", "give a display name (200 max)")
    if not roles:
        raise InvalidInput("役割を一つ以上選んでください", "choose at least one role")
    password = generate_password()
    user = create_user(
        session, context, home_organisation_id=context.organisation_id, login=login,
        display_name=display_name, password=password,
    )  # fmt: skip
    user.must_change_password = True
    if set(roles) & separation.NUMBER_ROLES:
        # The administrator knows the first password and could enrol a second factor
        # before the owner does: the account reaches no number until a manager confirms
        # it with a code from the owner's authenticator (auth.services.confirm_user).
        user.unconfirmed_since = utcnow()
    for role in sorted(set(roles)):
        grant_role(session, context, user=user, organisation_id=context.organisation_id, role=role)
    return user, password


def add_system_user(
    session: Session, context: Context, *, login: str, display_name: str, roles: Sequence[Role]
) -> User:
    """A system user (payroll, HR): acts only through API tokens, never signs in. Its
    password is random and never shown to anyone (issue #11)."""
    authorize(session, context, Permission.USER_MANAGE)
    display_name = " ".join(display_name.split())
    if not LOGIN.fullmatch(login) or not display_name or len(display_name) > 200:
        raise InvalidInput(
            "ログイン名（英数字と . _ @ -）と表示名（200文字以内）を入力してください",
            "give a login (letters, digits and . _ @ -) and a display name (200 max)",
        )
    if not roles:
        raise InvalidInput("役割を一つ以上選んでください", "choose at least one role")
    user = create_user(
        session, context, home_organisation_id=context.organisation_id, login=login,
        display_name=display_name, password=secrets.token_urlsafe(32),
    )  # fmt: skip
    user.is_system = True
    for role in sorted(set(roles)):
        grant_role(session, context, user=user, organisation_id=context.organisation_id, role=role)
    return user


def grant_member_role(session: Session, context: Context, *, user: User, role: Role) -> None:
    """An administrator gives a member of their organisation one more role."""
    authorize(session, context, Permission.USER_MANAGE)
    held = roles_of(session, user.id, context.organisation_id)
    if not held:
        raise NotFound("利用者", "user")
    if role in held:
        raise InvalidInput(f"既に {role.value} の役割があります", f"already holds {role.value}")
    _require_outsourced(session, context, user, [])
    grant_role(session, context, user=user, organisation_id=context.organisation_id, role=role)


def revoke_role(session: Session, context: Context, *, user: User, role: Role) -> None:
    """Take one role away. A member keeps at least one role (with none they would drop out
    of every list an administrator sees), and the organisation keeps an administrator."""
    authorize(session, context, Permission.USER_MANAGE)
    held = roles_of(session, user.id, context.organisation_id)
    if role not in held:
        raise NotFound("役割", "role")
    if held == {role}:
        raise InvalidInput(
            "最後の役割は取り消せません（利用者には役割が一つ以上必要です）",
            "the last role cannot be revoked (a user keeps at least one)",
        )
    if role is Role.ADMIN:
        admins = session.scalars(
            select(Membership.user_id).where(
                Membership.organisation_id == context.organisation_id,
                Membership.role == Role.ADMIN.value,
            )
        ).all()
        if len(set(admins)) <= 1:
            raise InvalidInput(
                "最後のシステム管理者の役割は取り消せません",
                "the organisation's last administrator keeps the role",
            )
    membership = session.scalars(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.organisation_id == context.organisation_id,
            Membership.role == role.value,
        )
    ).one()
    session.delete(membership)
    session.flush()
    audit.record(
        session, context, AuditAction.ROLE_REVOKE,
        details={"user_id": str(user.id), "role": role.value},
    )  # fmt: skip


def remove_assignment(session: Session, context: Context, *, assignment_id: uuid.UUID) -> None:
    """End a clerk's assignment to an affair (事業者編 別添1 2C a 事務取扱担当者の明確化,
    seed 図表2-1 (3)①: who no longer does the affair no longer reaches its numbers)."""
    authorize(session, context, Permission.ASSIGNMENT_MANAGE)
    assignment = session.get(Assignment, assignment_id)
    if assignment is None or assignment.organisation_id != context.organisation_id:
        raise NotFound("担当の割当て", "assignment")
    affair = session.get(Affair, assignment.affair_id)
    user_id = assignment.user_id
    session.delete(assignment)
    session.flush()
    audit.record(
        session, context, AuditAction.ASSIGNMENT_DELETE,
        affair_code=affair.code if affair else None, details={"user_id": str(user_id)},
    )  # fmt: skip


def _minute_of(value: time | None) -> time | None:
    # Office hours are kept to the minute: that is what the policy compares.
    return None if value is None else value.replace(second=0, microsecond=0, tzinfo=None)


def set_conditions(
    session: Session,
    context: Context,
    *,
    time_zone: str = DEFAULT_TIME_ZONE,
    office_days: Sequence[int] | None = None,
    office_start: time | None = None,
    office_end: time | None = None,
    networks: Sequence[str] | None = None,
) -> AccessConditions:
    """Set the organisation's office hours and handling-area networks (None = no such
    condition). They apply to every permission that handles SPI, for every role."""
    authorize(session, context, Permission.ORGANISATION_MANAGE)
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(
            f"タイムゾーン {time_zone!r} は不明です", f"unknown time zone {time_zone!r}"
        ) from None
    days = sorted(set(office_days)) if office_days else None
    if days and not all(1 <= d <= 7 for d in days):
        raise InvalidInput(
            "曜日は1（月）〜7（日）で指定してください", "weekdays are 1 (Monday) to 7 (Sunday)"
        )
    start, end = _minute_of(office_start), _minute_of(office_end)
    if (start is None) != (end is None) or (start is not None and start == end):
        raise InvalidInput(
            "開始時刻と終了時刻を異なる時刻で指定してください",
            "give both a start and a different end time",
        )
    try:
        cidrs = (
            sorted({str(ipaddress.ip_network(n.strip(), strict=False)) for n in networks})
            if networks
            else None
        )
    except ValueError:
        raise InvalidInput(
            "ネットワークはCIDR形式で指定してください", "networks must be CIDR ranges"
        ) from None
    row = session.get(AccessConditions, context.organisation_id)
    if row is None:
        row = AccessConditions(organisation_id=context.organisation_id)
        session.add(row)
    row.time_zone, row.office_days, row.office_start, row.office_end = time_zone, days, start, end
    row.networks = cidrs
    row.updated_at, row.updated_by = utcnow(), context.actor_id
    session.flush()
    audit.record(
        session,
        context,
        AuditAction.ACCESS_CONDITIONS_UPDATE,
        details={
            "time_zone": time_zone,
            "office_days": days,
            "office_hours": [start.isoformat("minutes"), end.isoformat("minutes")]
            if start is not None and end is not None
            else None,
            "networks": cidrs,
        },
    )
    return row


def member_by_login(session: Session, context: Context, login: str) -> User:
    """A member of the context's organisation, for an administrator to manage: a login
    of the organisation's own, or ``code:login`` for a member whose home is elsewhere.
    Anyone else, in another organisation or nowhere, is the same "not found"."""
    authorize(session, context, Permission.USER_MANAGE)
    user = user_by_reference(session, context, login)
    if user is None or context.organisation_id not in organisations_of(session, user.id):
        raise NotFound("利用者", "user")
    return user


def login_taken(session: Session, home_organisation_id: uuid.UUID, login: str) -> bool:
    found = session.scalar(
        select(User.id).where(
            User.home_organisation_id == home_organisation_id, User.login == login
        )
    )
    return found is not None


def split_reference(reference: str) -> tuple[str | None, str]:
    """``code:login`` names a user of the organisation with that code; a bare login, a
    user of the organisation at hand. A login has no colon, so the split is certain."""
    code, colon, login = reference.strip().rpartition(":")
    return (code if colon else None), login


def user_by_reference(session: Session, context: Context, reference: str) -> User | None:
    """Look a user up by their home organisation and login; nothing is listed or
    matched by a part of a name."""
    code, login = split_reference(reference)
    if code is None:
        home_id: uuid.UUID | None = context.organisation_id
    else:
        home = organisation_by_code(session, code)
        home_id = home.id if home else None
    if home_id is None or not login:
        return None
    return session.scalar(
        select(User).where(User.home_organisation_id == home_id, User.login == login)
    )


def reference_of(session: Session, user: User, organisation_id: uuid.UUID) -> str:
    """How a user is named to an administrator of ``organisation_id``: the bare login
    for its own users, ``code:login`` for a member whose home is elsewhere (so that
    an outsourcer's "tanaka" is never taken for the organisation's own)."""
    if user.home_organisation_id == organisation_id:
        return user.login
    home = session.get(Organisation, user.home_organisation_id)
    return f"{home.code}:{user.login}" if home else user.login


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


def organisation_resource(context: Context) -> Resource:
    """The organisation itself: for actions on no particular person."""
    return Resource(str(context.organisation_id))


def person_resource(person: Person, *, acquiring: Sequence[str] = ()) -> PersonRef:
    """An existing person; ``acquiring``: the affairs a number is being acquired for."""
    return PersonRef(
        person.id, person.organisation_id, person.kind, person.department_id, tuple(acquiring)
    )


def new_person_resource(
    context: Context, *, kind: str, department_id: uuid.UUID | None
) -> PersonRef:
    """A person about to be created: their kind and department decide whether the actor
    may create them."""
    return PersonRef(None, context.organisation_id, kind, department_id)


def decide(
    session: Session,
    context: Context,
    permission: Permission,
    resource: PersonRef | Resource | None = None,
) -> Decision:
    """Deny by default; allow only what the policy table grants (access/policy).

    ``resource`` None means the context's organisation. The facts are loaded here and
    the decision is the engine's (Cedar, or the plain evaluator; see policy/engine.py).
    """
    return engine.decide(request_for(session, context, str(permission), resource))


def decide_many(
    session: Session,
    context: Context,
    permission: Permission,
    resources: Sequence[PersonRef | Resource | None],
) -> list[Decision]:
    """Several decisions for one actor with the facts loaded once (e.g. which kinds and
    departments an import may create). Denials here are answers, not attempts: the
    caller refuses and reports what it may not do."""
    return [
        engine.decide(request)
        for request in requests_for(session, context, str(permission), resources)
    ]


def authorize(
    session: Session,
    context: Context,
    permission: Permission,
    resource: PersonRef | Resource | None = None,
    *,
    person_id: uuid.UUID | None = None,
) -> Decision:
    """Allow, or raise AuthorizationDenied (which unit_of_work audits after rollback)."""
    decision = decide(session, context, permission, resource)
    if not decision.allowed:
        if person_id is None and isinstance(resource, PersonRef):
            person_id = resource.id
        raise AuthorizationDenied(
            permission=str(permission),
            reason=decision.reason,
            actor_id=context.actor_id,
            organisation_id=context.organisation_id,
            affair_code=context.affair_code,
            person_id=person_id,
            request_id=context.request_id,
            client_address=context.client_address,
            details={"engine": engine.evaluator().name},
        )
    return decision


def visible_persons(
    session: Session, context: Context, permission: Permission = Permission.PERSON_READ
) -> ColumnElement[bool]:
    """Authorize ``permission`` and return the SQL filter on ``Person`` for the persons it
    reaches: a clerk's list shows only persons inside their assignments."""
    authorize(session, context, permission)
    return persons_in_scope(session, context, str(permission))


def organisation_code_of(session: Session, context: Context) -> str:
    """The context's organisation's sign-in code, for its administrators to hand out."""
    authorize(session, context, Permission.USER_MANAGE)
    organisation = session.get(Organisation, context.organisation_id)
    if organisation is None:
        raise NotFound("組織", "organisation")
    return organisation.code


def abilities(session: Session, context: Context) -> frozenset[str]:
    """The permissions the actor holds in the context's organisation, for the screens to
    show only what the actor can use (issue #18: no link that ends in a refusal).

    Decided by the same engine as :func:`authorize`, with the facts loaded once: a
    permission bound to an affair counts when any of the actor's assignments allows it.
    The organisation's office hours and networks are left out: the menu stays the same
    all day, and a use outside them is refused, with its reason, where it is tried.
    """
    roles, assignments = principal_facts(session, context)
    if not roles:
        return frozenset()
    organisation = str(context.organisation_id)
    now = utcnow()
    affairs: tuple[str | None, ...] = (None, *sorted({a.affair for a in assignments}))
    held: set[str] = set()
    for permission in Permission:
        for affair in affairs:
            request = PolicyRequest(
                actor=str(context.actor_id), organisation=organisation, roles=roles,
                assignments=assignments, action=str(permission),
                resource=Resource(organisation), affair=affair, at=now,
            )  # fmt: skip
            if engine.decide(request).allowed:
                held.add(str(permission))
                break
    return frozenset(held)

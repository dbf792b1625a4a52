"""Outside members: a user of one organisation serving another, with their home's consent.

A payroll outsourcer's clerk (home: the outsourcer) serves its clients (事業者編
第4-2-(1) 委託の取扱い; 番号法第10条・第11条: the outsourcer decides whom of its staff it
puts on the work, the client supervises). The client's administrator names the clerk
CODE:LOGIN and sends a request; the outsourcer's administrator approves or refuses it;
only an approval makes the membership. The client's answer is the same whether or not
the name exists (事業者編 別添1 2F b アクセス者の識別と認証, seed 図表2-2 (6)②:
no probing of another organisation's logins), and the request is audited in the client
by the name typed.
The home organisation also sees and ends the roles its users hold elsewhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.access.models import (
    OUTSIDE_REQUEST_DAYS,
    Assignment,
    Membership,
    OutsideRequest,
    OutsideRequestState,
    Role,
    User,
)
from mnvault.access.permissions import Permission
from mnvault.access.services import (
    authorize,
    grant_role,
    roles_of,
    split_reference,
    user_by_reference,
)
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.db.base import utcnow
from mnvault.orgs.codes import normalise_code
from mnvault.orgs.models import Organisation
from mnvault.partners.cover import require_cover
from mnvault.vault.errors import InvalidInput, NotFound
from mnvault.vault.freetext import without_number

NOT_FOUND = ("外部利用者の依頼", "outside member request")


@dataclass(frozen=True)
class IncomingRequest:
    """A request, as the home organisation's administrator sees it."""

    id: uuid.UUID
    user_id: uuid.UUID
    login: str
    display_name: str
    organisation_code: str  # who asks
    organisation_name: str
    roles: list[str]
    requested_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class RoleElsewhere:
    """A role one of the organisation's users holds in another organisation."""

    user_id: uuid.UUID
    login: str
    display_name: str
    organisation_id: uuid.UUID
    organisation_code: str
    organisation_name: str
    role: str


def _normalised(reference: str) -> str:
    code, login = split_reference(reference)
    return f"{normalise_code(code or '')}:{login}"


def request_outside_member(
    session: Session, context: Context, *, reference: str, roles: Sequence[Role]
) -> OutsideRequest:
    """Ask that another organisation's user (CODE:LOGIN) get ``roles`` here.

    Checks that depend on the input alone come first; after them the answer, the stored
    row and the audit entry have the same shape whether or not the user exists. A name
    of this organisation's own, or of a user already a member here, is refused: that
    tells this organisation only what it knows already.
    """
    authorize(session, context, Permission.USER_MANAGE)
    without_number(reference, "組織コード:ログイン名", "organisation-code:login")
    code, login = split_reference(reference)
    if code is None or not login:
        raise InvalidInput(
            "他の組織の利用者は「組織コード:ログイン名」で指定してください",
            "name another organisation's user as organisation-code:login",
        )
    if not roles:
        raise InvalidInput("役割を一つ以上選んでください", "choose at least one role")
    # Only an organisation this one has outsourced to, under a current contract (or an
    # approved 再委託), may serve it (番号法第10条・第11条; 事業者編 第4-2-(1)). The code is
    # the one typed and the register is this organisation's own: nothing is learnt here.
    own = session.get(Organisation, context.organisation_id)
    if own is None or normalise_code(code) != own.code:
        require_cover(session, context.organisation_id, code)
    named = _normalised(reference)
    user = user_by_reference(session, context, named)
    if user is not None and (
        user.home_organisation_id == context.organisation_id
        or roles_of(session, user.id, context.organisation_id)
    ):
        raise InvalidInput(
            "既にこの組織の利用者です（役割は利用者の画面で追加してください）",
            "already a member here (grant more roles on the user's page)",
        )
    now = utcnow()
    chosen = sorted({str(r) for r in roles})
    row = session.scalar(
        select(OutsideRequest).where(
            OutsideRequest.organisation_id == context.organisation_id,
            OutsideRequest.reference == named,
            OutsideRequest.state == OutsideRequestState.PENDING.value,
            OutsideRequest.expires_at > now,
        )
    )
    if row is None:
        row = OutsideRequest(organisation_id=context.organisation_id, reference=named)
        session.add(row)
    # An inactive user is named like no one: the home organisation has stopped them.
    reached = user if user is not None and user.is_active else None
    row.user_id = reached.id if reached else None
    row.home_organisation_id = reached.home_organisation_id if reached else None
    row.roles, row.requested_by, row.requested_at = chosen, context.actor_id, now
    row.expires_at = now + timedelta(days=OUTSIDE_REQUEST_DAYS)
    row.state = OutsideRequestState.PENDING.value
    session.flush()
    # The name typed and nothing resolved from it: the trail must not tell either.
    audit.record(
        session, context, AuditAction.OUTSIDE_REQUEST_CREATE,
        details={"request_id": str(row.id), "reference": named, "roles": chosen},
    )  # fmt: skip
    return row


def _open(session: Session, context: Context) -> list[OutsideRequest]:
    return list(
        session.scalars(
            select(OutsideRequest)
            .where(
                OutsideRequest.home_organisation_id == context.organisation_id,
                OutsideRequest.user_id.is_not(None),
                OutsideRequest.state == OutsideRequestState.PENDING.value,
                OutsideRequest.expires_at > utcnow(),
            )
            .order_by(OutsideRequest.requested_at)
        )
    )


def incoming_requests(session: Session, context: Context) -> list[IncomingRequest]:
    """Pending, unexpired requests for this organisation's own users."""
    authorize(session, context, Permission.USER_MANAGE)
    out = []
    for row in _open(session, context):
        user = session.get(User, row.user_id)
        asking = session.get(Organisation, row.organisation_id)
        if user is None or asking is None:
            continue
        out.append(
            IncomingRequest(
                id=row.id,
                user_id=user.id,
                login=user.login,
                display_name=user.display_name,
                organisation_code=asking.code,
                organisation_name=asking.name,
                roles=list(row.roles),
                requested_at=row.requested_at,
                expires_at=row.expires_at,
            )
        )
    return out


def decide_request(
    session: Session, context: Context, *, request_id: uuid.UUID, approve: bool
) -> OutsideRequest:
    """The home organisation's administrator approves (the roles are granted in the
    asking organisation) or refuses. Anyone else, the asking organisation included,
    finds no such request: the one who asks cannot also consent."""
    authorize(session, context, Permission.USER_MANAGE)
    row = session.get(OutsideRequest, request_id)
    if (
        row is None
        or row.user_id is None
        or row.home_organisation_id != context.organisation_id
        or row.state != OutsideRequestState.PENDING.value
        or row.expires_at <= utcnow()
    ):
        raise NotFound(*NOT_FOUND)
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        raise NotFound(*NOT_FOUND)
    if approve:
        # The contract may have ended since the request was made.
        home = session.get(Organisation, context.organisation_id)
        require_cover(session, row.organisation_id, home.code if home else "")
    row.state = (OutsideRequestState.APPROVED if approve else OutsideRequestState.REFUSED).value
    row.decided_by, row.decided_at = context.actor_id, utcnow()
    if approve:
        held = roles_of(session, user.id, row.organisation_id)
        for role in sorted({Role(r) for r in row.roles} - held):
            # Recorded in the asking organisation: its trail shows when the member began.
            grant_role(session, context, user=user, organisation_id=row.organisation_id, role=role)
    asking = session.get(Organisation, row.organisation_id)
    audit.record(
        session, context,
        AuditAction.OUTSIDE_REQUEST_APPROVE if approve else AuditAction.OUTSIDE_REQUEST_REFUSE,
        details={"request_id": str(row.id), "user_id": str(user.id),
                 "organisation": asking.code if asking else None, "roles": list(row.roles)},
    )  # fmt: skip
    return row


def roles_elsewhere(session: Session, context: Context) -> list[RoleElsewhere]:
    """The roles this organisation's own users hold in other organisations."""
    authorize(session, context, Permission.USER_MANAGE)
    rows = session.execute(
        select(User, Organisation, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            User.home_organisation_id == context.organisation_id,
            Membership.organisation_id != context.organisation_id,
        )
        .order_by(User.login, Organisation.code, Membership.role)
    ).all()
    return [
        RoleElsewhere(
            user_id=u.id,
            login=u.login,
            display_name=u.display_name,
            organisation_id=o.id,
            organisation_code=o.code,
            organisation_name=o.name,
            role=role,
        )
        for u, o, role in rows
    ]


def revoke_elsewhere(
    session: Session, context: Context, *, user_id: uuid.UUID, organisation_id: uuid.UUID
) -> int:
    """The home organisation withdraws its user from another organisation: every role
    there, and the assignments that came with them. Returns the roles ended."""
    authorize(session, context, Permission.USER_MANAGE)
    user = session.get(User, user_id)
    if (
        user is None
        or user.home_organisation_id != context.organisation_id
        or organisation_id == context.organisation_id
    ):
        raise NotFound("利用者", "user")
    held = sorted(r.value for r in roles_of(session, user.id, organisation_id))
    if not held:
        raise NotFound("他の組織での役割", "role in another organisation")
    session.execute(
        delete(Membership).where(
            Membership.user_id == user.id, Membership.organisation_id == organisation_id
        )
    )
    session.execute(
        delete(Assignment).where(
            Assignment.user_id == user.id, Assignment.organisation_id == organisation_id
        )
    )
    session.flush()
    for role in held:
        audit.record(
            session, context, AuditAction.ROLE_REVOKE, organisation_id=organisation_id,
            details={"user_id": str(user.id), "role": role, "by_home": True},
        )  # fmt: skip
    there = session.get(Organisation, organisation_id)
    audit.record(
        session, context, AuditAction.OUTSIDE_ROLE_REVOKE,
        details={"user_id": str(user.id), "organisation": there.code if there else None,
                 "roles": held},
    )  # fmt: skip
    return len(held)

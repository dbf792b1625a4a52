"""JSON routes for administrators: users, roles, assignments, API tokens, password resets.

None of them returns a number: these are the admin's tools, and the admin role holds
no permission that reads one.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access import outside
from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Membership, Role, User
from mnvault.access.permissions import Permission
from mnvault.admin import listing
from mnvault.affairs.services import get_affair
from mnvault.auth import services as auth
from mnvault.auth.models import ApiToken
from mnvault.vault.errors import NotFound
from mnvault.vault.models import PersonKind
from mnvault.web.calls import Call, call
from mnvault.web.fields import AffairCode, Line, Text
from mnvault.web.problems import SIGNED_IN, WITH_BODY, problem_responses

router = APIRouter(tags=["administration"], responses=SIGNED_IN)
NOT_FOUND = problem_responses(404)


class UserIn(BaseModel):
    login: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")
    display_name: Line = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1)


class OutsideMemberIn(BaseModel):
    reference: str = Field(
        min_length=3,
        max_length=133,
        pattern=r"^[A-Za-z0-9-]+:[A-Za-z0-9._@-]+$",
        description="the user's home organisation code and login, CODE:LOGIN",
    )
    roles: list[Role] = Field(min_length=1)


class UserOut(BaseModel):
    id: uuid.UUID
    login: str
    reference: str = Field(
        description="how this organisation names the user: the login for its own users, "
        "CODE:LOGIN for a member whose home organisation is another"
    )
    display_name: str
    roles: list[str]
    is_active: bool
    system: bool = Field(
        default=False, description="a system user: acts by API tokens only, never signs in"
    )
    awaiting_confirmation: bool = Field(
        default=False,
        description="an administrator set the password before a second factor was enrolled: "
        "no number is reached until a manager confirms the account",
    )


class SystemUserIn(BaseModel):
    login: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")
    display_name: Line = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1)


class ConfirmIn(BaseModel):
    code: str = Field(
        min_length=6, max_length=8, description="a code read off the user's own authenticator"
    )


class TokenOut(BaseModel):
    id: uuid.UUID
    name: str
    prefix: str
    user: str
    affairs: list[str]
    state: str = Field(description="active, awaiting_approval, expired or revoked")
    expires_at: datetime


class AwaitingOut(BaseModel):
    kind: str = Field(description="token or user")
    id: uuid.UUID
    login: str
    name: str
    affairs: list[str]
    requested_by: str | None
    since: datetime


class UserCreated(UserOut):
    initial_password: str = Field(description="shown once; the user must change it")


class AssignmentScope(BaseModel):
    """Which persons the assignment covers (事業者編 別添1 2C a, 2F a;
    seed 図表2-1 (3)①, 図表2-2 (6)①); an absent
    or empty list covers everything in that dimension."""

    departments: list[uuid.UUID] | None = Field(default=None, max_length=100)
    spi_files: list[uuid.UUID] | None = Field(default=None, max_length=100)
    person_kinds: list[PersonKind] | None = Field(default=None, max_length=10)


class AssignmentIn(AssignmentScope):
    user_id: uuid.UUID
    affair: AffairCode


class AssignmentOut(AssignmentScope):
    id: uuid.UUID
    user_id: uuid.UUID
    affair: str


class TokenIn(BaseModel):
    user_id: uuid.UUID = Field(description="a system user (tokens belong to no person)")
    name: Line = Field(min_length=1, max_length=100)
    affairs: list[AffairCode] = Field(min_length=1, max_length=20)
    valid_days: int = Field(default=90, ge=1, le=366)


class TokenCreated(BaseModel):
    id: uuid.UUID
    token: str = Field(description="shown once; stored only as a digest")
    prefix: str
    expires_at: str
    state: str = Field(
        description="active, or awaiting_approval: a token that can return a number works "
        "only once a manager other than the requester approves it"
    )


class PasswordReset(BaseModel):
    temporary_password: str


class Done(BaseModel):
    ok: bool = True


def _user_out(session: Session, user: User, organisation_id: uuid.UUID) -> UserOut:
    roles = sorted(r.value for r in access.roles_of(session, user.id, organisation_id))
    return UserOut(
        id=user.id, login=user.login,
        reference=access.reference_of(session, user, organisation_id),
        display_name=user.display_name, roles=roles, is_active=user.is_active,
        system=user.is_system, awaiting_confirmation=user.unconfirmed_since is not None,
    )  # fmt: skip


def _member(session: Session, context: Context, user_id: uuid.UUID) -> User:
    """The user, if an administrator of this organisation may manage them; else the
    denial (audited) or "not found" (a 404: the caller's own session is fine, a 401
    would tell the client to sign in again)."""
    access.authorize(session, context, Permission.USER_MANAGE)
    user = session.get(User, user_id)
    if user is None or context.organisation_id not in access.organisations_of(session, user.id):
        raise NotFound(f"利用者 {user_id}", f"user {user_id}")
    return user


@router.get("/users", response_model=list[UserOut])
def list_users(request: Request) -> list[UserOut]:
    def work(call: Call) -> list[UserOut]:
        access.authorize(call.session, call.context, Permission.USER_MANAGE)
        users = call.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == call.context.organisation_id)
            .distinct()
            .order_by(User.login)
        ).all()
        return [_user_out(call.session, u, call.context.organisation_id) for u in users]

    return call(request, work)


@router.post(
    "/users",
    response_model=UserCreated,
    status_code=201,
    responses=WITH_BODY | problem_responses(409),
)
def create_user(request: Request, body: UserIn) -> UserCreated:
    def work(call: Call) -> UserCreated:
        # 409 only for a login of this organisation: another's logins are never checked.
        user, password = access.add_member(
            call.session, call.context, login=body.login, display_name=body.display_name,
            roles=body.roles,
        )  # fmt: skip
        out = _user_out(call.session, user, call.context.organisation_id)
        return UserCreated(**out.model_dump(), initial_password=password)

    return call(request, work)


class OutsideRequestSent(BaseModel):
    id: uuid.UUID
    reference: str
    roles: list[str]
    state: str = Field(description="pending until the user's home organisation decides")
    expires_at: datetime
    message_ja: str = "依頼を送りました。利用者の所属組織が承認すると有効になります"
    message_en: str = "request sent; it takes effect when the user's organisation approves"


class IncomingRequestOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    login: str
    display_name: str
    organisation_code: str = Field(description="the organisation that asks")
    organisation_name: str
    roles: list[str]
    requested_at: datetime
    expires_at: datetime


class RoleElsewhereOut(BaseModel):
    user_id: uuid.UUID
    login: str
    display_name: str
    organisation_id: uuid.UUID
    organisation_code: str
    organisation_name: str
    role: str


class Revoked(BaseModel):
    roles_ended: int


@router.post(
    "/users/outside",
    response_model=OutsideRequestSent,
    status_code=202,
    responses=WITH_BODY,
)
def request_outside_member(request: Request, body: OutsideMemberIn) -> OutsideRequestSent:
    """Ask that a user of another organisation (a payroll outsourcer's clerk), named
    CODE:LOGIN, get roles here. The answer is the same whether or not the user exists;
    the membership begins when their home organisation approves."""

    def work(call: Call) -> OutsideRequestSent:
        row = outside.request_outside_member(
            call.session, call.context, reference=body.reference, roles=body.roles
        )
        return OutsideRequestSent(
            id=row.id, reference=row.reference, roles=list(row.roles), state=row.state,
            expires_at=row.expires_at,
        )  # fmt: skip

    return call(request, work)


@router.get("/users/outside-requests", response_model=list[IncomingRequestOut])
def incoming_outside_requests(request: Request) -> list[IncomingRequestOut]:
    """Pending requests from other organisations for this organisation's own users."""

    def work(call: Call) -> list[IncomingRequestOut]:
        return [
            IncomingRequestOut(**dataclasses.asdict(r))
            for r in outside.incoming_requests(call.session, call.context)
        ]

    return call(request, work)


def _decide(request: Request, request_id: uuid.UUID, *, approve: bool) -> Done:
    def work(call: Call) -> Done:
        outside.decide_request(call.session, call.context, request_id=request_id, approve=approve)
        return Done()

    return call(request, work)


@router.post(
    "/users/outside-requests/{request_id}/approve", response_model=Done, responses=NOT_FOUND
)
def approve_outside_request(request: Request, request_id: uuid.UUID) -> Done:
    """The home organisation consents: the user gets the requested roles there."""
    return _decide(request, request_id, approve=True)


@router.post(
    "/users/outside-requests/{request_id}/refuse", response_model=Done, responses=NOT_FOUND
)
def refuse_outside_request(request: Request, request_id: uuid.UUID) -> Done:
    return _decide(request, request_id, approve=False)


@router.get("/users/outside-roles", response_model=list[RoleElsewhereOut])
def roles_elsewhere(request: Request) -> list[RoleElsewhereOut]:
    """The roles this organisation's own users hold in other organisations."""

    def work(call: Call) -> list[RoleElsewhereOut]:
        return [
            RoleElsewhereOut(**dataclasses.asdict(r))
            for r in outside.roles_elsewhere(call.session, call.context)
        ]

    return call(request, work)


@router.delete(
    "/users/{user_id}/outside-roles/{organisation_id}", response_model=Revoked, responses=NOT_FOUND
)
def revoke_elsewhere(request: Request, user_id: uuid.UUID, organisation_id: uuid.UUID) -> Revoked:
    """Withdraw one of this organisation's users from another organisation."""

    def work(call: Call) -> Revoked:
        ended = outside.revoke_elsewhere(
            call.session, call.context, user_id=user_id, organisation_id=organisation_id
        )
        return Revoked(roles_ended=ended)

    return call(request, work)


@router.post("/users/{user_id}/password-reset", response_model=PasswordReset, responses=NOT_FOUND)
def reset_password(request: Request, user_id: uuid.UUID) -> PasswordReset:
    def work(call: Call) -> PasswordReset:
        _member(call.session, call.context, user_id)
        return PasswordReset(
            temporary_password=auth.reset_password(call.session, call.context, user_id=user_id)
        )

    return call(request, work)


class TotpResetIn(BaseModel):
    reason: Text = Field(min_length=1, max_length=500, description="why, for the audit trail")


class TotpReset(BaseModel):
    sessions_ended: int


@router.post(
    "/users/{user_id}/totp-reset",
    response_model=TotpReset,
    responses=WITH_BODY | NOT_FOUND,
)
def reset_totp(request: Request, user_id: uuid.UUID, body: TotpResetIn) -> TotpReset:
    """For a user who lost their authenticator: the old one and the recovery codes stop
    working, their sessions end, and they enrol a new one at their next sign-in."""

    def work(call: Call) -> TotpReset:
        _member(call.session, call.context, user_id)
        ended = auth.reset_totp(call.session, call.context, user_id=user_id, reason=body.reason)
        return TotpReset(sessions_ended=ended)

    return call(request, work)


@router.post(
    "/assignments",
    response_model=AssignmentOut,
    status_code=201,
    responses=WITH_BODY | NOT_FOUND,
)
def create_assignment(request: Request, body: AssignmentIn) -> AssignmentOut:
    def work(call: Call) -> AssignmentOut:
        # Permission first: who may not assign learns nothing about which users exist.
        access.authorize(call.session, call.context, Permission.ASSIGNMENT_MANAGE)
        user = call.session.get(User, body.user_id)
        if user is None or call.context.organisation_id not in access.organisations_of(
            call.session, user.id
        ):
            raise NotFound(f"利用者 {body.user_id}", f"user {body.user_id}")
        affair = get_affair(call.session, call.context.organisation_id, body.affair)
        assignment = access.assign(
            call.session, call.context, user=user, affair=affair, departments=body.departments,
            spi_files=body.spi_files,
            person_kinds=[k.value for k in body.person_kinds] if body.person_kinds else None,
        )  # fmt: skip
        return AssignmentOut(
            id=assignment.id, user_id=user.id, affair=affair.code,
            departments=[uuid.UUID(i) for i in assignment.department_ids or []] or None,
            spi_files=[uuid.UUID(i) for i in assignment.spi_file_ids or []] or None,
            person_kinds=[PersonKind(k) for k in assignment.person_kinds or []] or None,
        )  # fmt: skip

    return call(request, work)


@router.post(
    "/tokens", response_model=TokenCreated, status_code=201, responses=WITH_BODY | NOT_FOUND
)
def create_token(request: Request, body: TokenIn) -> TokenCreated:
    def work(call: Call) -> TokenCreated:
        _member(call.session, call.context, body.user_id)
        for code in body.affairs:
            get_affair(
                call.session, call.context.organisation_id, code
            )  # a scope names real affairs
        token, row = auth.create_api_token(
            call.session,
            call.context,
            user_id=body.user_id,
            name=body.name,
            affair_codes=body.affairs,
            valid_for=timedelta(days=body.valid_days),
        )
        return TokenCreated(
            id=row.id, token=token, prefix=row.prefix, expires_at=row.expires_at.isoformat(),
            state="active" if row.approved_at else "awaiting_approval",
        )  # fmt: skip

    return call(request, work)


@router.get("/tokens", response_model=list[TokenOut])
def list_tokens(request: Request) -> list[TokenOut]:
    """The organisation's API tokens (never the token itself)."""

    def work(call: Call) -> list[TokenOut]:
        return [
            TokenOut(
                id=t.id,
                name=t.name,
                prefix=t.prefix,
                user=t.login,
                affairs=t.affairs,
                state=t.state,
                expires_at=t.expires_at,
            )
            for t in listing.tokens(call.session, call.context)
        ]

    return call(request, work)


@router.post("/tokens/{token_id}/approve", response_model=Done, responses=NOT_FOUND)
def approve_token(request: Request, token_id: uuid.UUID) -> Done:
    """A manager, not the requester, lets a token that can return a number work."""

    def work(call: Call) -> Done:
        auth.approve_api_token(call.session, call.context, token_id=token_id)
        return Done()

    return call(request, work)


@router.get("/approvals", response_model=list[AwaitingOut])
def awaiting_approval(request: Request) -> list[AwaitingOut]:
    """For a manager: tokens and accounts waiting for their approval."""

    def work(call: Call) -> list[AwaitingOut]:
        return [
            AwaitingOut(**dataclasses.asdict(r))
            for r in listing.awaiting_approval(call.session, call.context)
        ]

    return call(request, work)


@router.post(
    "/system-users", response_model=UserOut, status_code=201,
    responses=WITH_BODY | problem_responses(409),
)  # fmt: skip
def create_system_user(request: Request, body: SystemUserIn) -> UserOut:
    """A system user (payroll, HR) that acts by API tokens only: it cannot sign in."""

    def work(call: Call) -> UserOut:
        user = access.add_system_user(
            call.session, call.context, login=body.login, display_name=body.display_name,
            roles=body.roles,
        )  # fmt: skip
        return _user_out(call.session, user, call.context.organisation_id)

    return call(request, work)


@router.post("/users/{user_id}/confirm", response_model=Done, responses=WITH_BODY | NOT_FOUND)
def confirm_user(request: Request, user_id: uuid.UUID, body: ConfirmIn) -> Done:
    """A manager confirms an account whose password an administrator set, with a code
    the user reads off their own authenticator in person."""

    def work(call: Call) -> Done:
        auth.confirm_user(
            call.session, call.envelope, call.context, user_id=user_id, code=body.code
        )
        return Done()

    return call(request, work)


@router.delete("/tokens/{token_id}", response_model=Done, responses=NOT_FOUND)
def revoke_token(request: Request, token_id: uuid.UUID) -> Done:
    def work(call: Call) -> Done:
        access.authorize(call.session, call.context, Permission.USER_MANAGE)
        row = call.session.get(ApiToken, token_id)
        if row is None or row.organisation_id != call.context.organisation_id:
            raise NotFound(f"APIトークン {token_id}", f"API token {token_id}")
        auth.revoke_api_token(call.session, call.context, token_id=token_id)
        return Done()

    return call(request, work)

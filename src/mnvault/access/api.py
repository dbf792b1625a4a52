"""JSON routes for administrators: users, roles, assignments, API tokens, password resets.

None of them returns a number: these are the admin's tools, and the admin role holds
no permission that reads one.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Membership, Role, User
from mnvault.access.permissions import Permission
from mnvault.affairs.services import get_affair
from mnvault.auth import services as auth
from mnvault.crypto import Envelope
from mnvault.web.calls import call

router = APIRouter(tags=["administration"])


class UserIn(BaseModel):
    login: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")
    display_name: str = Field(min_length=1, max_length=200)
    roles: list[Role] = Field(min_length=1)


class UserOut(BaseModel):
    id: uuid.UUID
    login: str
    display_name: str
    roles: list[str]
    is_active: bool


class UserCreated(UserOut):
    initial_password: str = Field(description="shown once; the user must change it")


class AssignmentIn(BaseModel):
    user_id: uuid.UUID
    affair: str = Field(min_length=1, max_length=64)


class AssignmentOut(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    affair: str


class TokenIn(BaseModel):
    user_id: uuid.UUID
    name: str = Field(min_length=1, max_length=100)
    affairs: list[str] = Field(min_length=1)
    valid_days: int = Field(default=90, ge=1, le=366)


class TokenCreated(BaseModel):
    id: uuid.UUID
    token: str = Field(description="shown once; stored only as a digest")
    prefix: str
    expires_at: str


class PasswordReset(BaseModel):
    temporary_password: str


class Done(BaseModel):
    ok: bool = True


def _user_out(session: Session, user: User, organisation_id: uuid.UUID) -> UserOut:
    roles = sorted(r.value for r in access.roles_of(session, user.id, organisation_id))
    return UserOut(
        id=user.id, login=user.login, display_name=user.display_name, roles=roles,
        is_active=user.is_active,
    )  # fmt: skip


@router.get("/users", response_model=list[UserOut])
def list_users(request: Request) -> list[UserOut]:
    def work(session: Session, _envelope: Envelope, context: Context) -> list[UserOut]:
        access.authorize(session, context, Permission.USER_MANAGE)
        users = session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.organisation_id == context.organisation_id)
            .distinct()
            .order_by(User.login)
        ).all()
        return [_user_out(session, u, context.organisation_id) for u in users]

    return call(request, work)


@router.post("/users", response_model=UserCreated, status_code=201)
def create_user(request: Request, body: UserIn) -> UserCreated:
    def work(session: Session, _envelope: Envelope, context: Context) -> UserCreated:
        access.authorize(session, context, Permission.USER_MANAGE)
        password = access.generate_password()
        user = access.create_user(
            session, context, login=body.login, display_name=body.display_name,
            password=password,
        )  # fmt: skip
        user.must_change_password = True
        for role in sorted(set(body.roles)):
            access.grant_role(
                session, context, user=user, organisation_id=context.organisation_id, role=role
            )
        out = _user_out(session, user, context.organisation_id)
        return UserCreated(**out.model_dump(), initial_password=password)

    return call(request, work)


@router.post("/users/{user_id}/password-reset", response_model=PasswordReset)
def reset_password(request: Request, user_id: uuid.UUID) -> PasswordReset:
    def work(session: Session, _envelope: Envelope, context: Context) -> PasswordReset:
        return PasswordReset(
            temporary_password=auth.reset_password(session, context, user_id=user_id)
        )

    return call(request, work)


@router.post("/assignments", response_model=AssignmentOut, status_code=201)
def create_assignment(request: Request, body: AssignmentIn) -> AssignmentOut:
    def work(session: Session, _envelope: Envelope, context: Context) -> AssignmentOut:
        user = session.get(User, body.user_id)
        if user is None or context.organisation_id not in access.organisations_of(session, user.id):
            from mnvault.vault.errors import NotFound  # noqa: PLC0415

            raise NotFound(f"利用者 {body.user_id}", f"user {body.user_id}")
        affair = get_affair(session, context.organisation_id, body.affair)
        assignment = access.assign(session, context, user=user, affair=affair)
        return AssignmentOut(id=assignment.id, user_id=user.id, affair=affair.code)

    return call(request, work)


@router.post("/tokens", response_model=TokenCreated, status_code=201)
def create_token(request: Request, body: TokenIn) -> TokenCreated:
    def work(session: Session, _envelope: Envelope, context: Context) -> TokenCreated:
        token, row = auth.create_api_token(
            session, context, user_id=body.user_id, name=body.name, affair_codes=body.affairs,
            valid_for=timedelta(days=body.valid_days),
        )  # fmt: skip
        return TokenCreated(
            id=row.id, token=token, prefix=row.prefix, expires_at=row.expires_at.isoformat()
        )

    return call(request, work)


@router.delete("/tokens/{token_id}", response_model=Done)
def revoke_token(request: Request, token_id: uuid.UUID) -> Done:
    def work(session: Session, _envelope: Envelope, context: Context) -> Done:
        auth.revoke_api_token(session, context, token_id=token_id)
        return Done()

    return call(request, work)

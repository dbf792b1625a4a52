"""JSON routes of sign-in: password, second factor, enrolment, sign-out, password change."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from mnvault.access.qr import qr_svg
from mnvault.auth import services as auth
from mnvault.deployment.requests import vault_of
from mnvault.web.calls import Limits, bearer, client_of
from mnvault.web.fields import Line
from mnvault.web.problems import WITH_BODY, problem_responses

# Every step needs the keyring (503); every failure to sign in reads the same (401).
router = APIRouter(prefix="/auth", tags=["auth"], responses=problem_responses(401, 503))
# Steps that take a password or a code: invalid input, a locked account, too many tries.
GUARDED = WITH_BODY | problem_responses(422, 423, 429)


class SignInIn(BaseModel):
    organisation_code: Line = Field(
        min_length=1, max_length=32, description="the code of the user's home organisation"
    )
    login: Line = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=1024)
    organisation_id: uuid.UUID | None = Field(
        default=None, description="for a member of several organisations: the one to act for"
    )


class SignInOut(BaseModel):
    token: str
    stage: str = Field(
        description="full; password (send /auth/second-factor); enrol (set up TOTP); or "
        "change (send /auth/password first)"
    )
    organisation_id: uuid.UUID


class CodeIn(BaseModel):
    code: str = Field(min_length=6, max_length=40)


class EnrolOut(BaseModel):
    otpauth_uri: str
    qr_svg: str


class RecoveryOut(BaseModel):
    recovery_codes: list[str]


class PasswordIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class Done(BaseModel):
    ok: bool = True


@router.post("/sign-in", response_model=SignInOut, responses=GUARDED)
def sign_in(request: Request, body: SignInIn) -> SignInOut:
    client = client_of(request)
    limits: Limits = request.app.state.limits
    limits.sign_in.hit(("client", client))
    limits.sign_in.hit(("login", body.organisation_code.lower(), body.login.lower()))
    vault = vault_of(request)
    with vault.transaction() as session:
        result = auth.sign_in(
            session, organisation_code=body.organisation_code, login=body.login,
            password=body.password, organisation_id=body.organisation_id,
            client_address=client,
        )  # fmt: skip
    return SignInOut(token=result.token, stage=result.stage, organisation_id=result.organisation_id)


@router.post("/second-factor", response_model=Done, responses=GUARDED)
def second_factor(request: Request, body: CodeIn) -> Done:
    client = client_of(request)
    request.app.state.limits.sign_in.hit(("client", client))
    vault = vault_of(request)
    with vault.transaction() as session:
        auth.second_factor(
            session, vault.envelope, token=bearer(request), code=body.code, client_address=client
        )
    return Done()


@router.post("/totp/enrol", response_model=EnrolOut, responses=problem_responses(409))
def begin_enrolment(request: Request) -> EnrolOut:
    vault = vault_of(request)
    with vault.transaction() as session:
        principal = auth.resolve(session, bearer(request), client_address=client_of(request))
        uri = auth.begin_totp_enrolment(
            session, vault.envelope, token=bearer(request), account_name=str(principal.user_id)
        )
    return EnrolOut(otpauth_uri=uri, qr_svg=qr_svg(uri))


@router.post(
    "/totp/confirm", response_model=RecoveryOut, responses=WITH_BODY | problem_responses(409, 422)
)
def confirm_enrolment(request: Request, body: CodeIn) -> RecoveryOut:
    vault = vault_of(request)
    with vault.transaction() as session:
        codes = auth.confirm_totp_enrolment(
            session, vault.envelope, token=bearer(request), code=body.code
        )
    return RecoveryOut(recovery_codes=codes)


@router.post("/sign-out", response_model=Done)
def sign_out(request: Request) -> Done:
    vault = vault_of(request)
    with vault.transaction() as session:
        auth.sign_out(session, bearer(request))
    return Done()


@router.post("/sign-out-everywhere", response_model=Done)
def sign_out_everywhere(request: Request) -> Done:
    vault = vault_of(request)
    with vault.transaction() as session:
        principal = auth.resolve(session, bearer(request), client_address=client_of(request))
        auth.sign_out_everywhere(session, principal.user_id)
    return Done()


@router.post("/password", response_model=Done, responses=WITH_BODY | problem_responses(403, 422))
def change_password(request: Request, body: PasswordIn) -> Done:
    vault = vault_of(request)
    with vault.transaction() as session:
        principal = auth.resolve(session, bearer(request), client_address=client_of(request))
        auth.require_may_change_password(principal)
        auth.change_password(
            session, user_id=principal.user_id, current=body.current_password,
            new=body.new_password,
        )  # fmt: skip
    return Done()

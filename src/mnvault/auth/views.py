"""Screens of signing in: password, then the TOTP code (or enrolment with a QR code and
recovery codes shown once), a password change, sign-out. Thin: parse, call, render."""

from __future__ import annotations

import urllib.parse
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request, Response

from mnvault.access.errors import WeakPassword
from mnvault.access.qr import qr_svg
from mnvault.auth import services as auth
from mnvault.auth.errors import (
    AccountLocked,
    OrganisationRequired,
    SignInFailed,
    TotpAlreadyEnrolled,
)
from mnvault.deployment.requests import vault_of
from mnvault.web import i18n
from mnvault.web.calls import client_of
from mnvault.web.form_errors import message_of as _message
from mnvault.web.pages import STEP_PAGES, PageRoute, redirect, render
from mnvault.web.problems import RateLimited
from mnvault.web.security import SESSION_COOKIE, end_session, require_csrf, set_session
from mnvault.web.signed_in import PageCall, call, token_of, viewer_or_none

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])

# Errors a person causes while signing in: shown on the form they came from.
FORM_ERRORS = (SignInFailed, AccountLocked, RateLimited, WeakPassword, TotpAlreadyEnrolled)


@router.get("/sign-in")
def sign_in_page(
    request: Request,
    changed: int = 0,
    organisation: Annotated[str, Query(max_length=32)] = "",
    signed_out: int = 0,
) -> Response:
    """``?organisation=CODE`` fills in the code, so an organisation can hand out (or
    bookmark) its own sign-in address."""
    viewer = viewer_or_none(request)
    if viewer is not None:
        return redirect(request, STEP_PAGES.get(viewer.stage, "/"))
    values = {"organisation_code": organisation, "login": "", "error": None, "changed": changed,
              "acting_code": None, "signed_out": signed_out}  # fmt: skip
    return render(request, "auth/sign_in.html", values)


@router.post("/sign-in")
def sign_in(
    request: Request,
    organisation_code: Annotated[str, Form(max_length=32)] = "",
    login: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
    acting_code: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """``acting_code``: for a member of several organisations (an outsourcer's clerk),
    the code of the one to act for; the form asks for it when it is needed."""
    client = client_of(request)
    try:
        limits = request.app.state.limits
        limits.sign_in.hit(("client", client))
        limits.sign_in.hit(("login", organisation_code.lower(), login.lower()))
        vault = vault_of(request)
        with vault.transaction() as session:
            result = auth.sign_in(
                session, organisation_code=organisation_code, login=login, password=password,
                acting_code=acting_code.strip() or None, client_address=client,
            )  # fmt: skip
    except (*FORM_ERRORS, OrganisationRequired) as exc:
        values = {
            "organisation_code": organisation_code, "login": login,
            "error": _message(request, exc), "changed": 0,
            "acting_code": acting_code if isinstance(exc, OrganisationRequired) or acting_code
            else None,
        }  # fmt: skip
        return render(request, "auth/sign_in.html", values, status=401)
    response = redirect(request, STEP_PAGES.get(result.stage, "/"))
    set_session(request, response, result.token)
    return response


@router.get("/sign-in/code")
def code_page(request: Request) -> Response:
    call(request, lambda *_: None, stages=("password",))
    return render(request, "auth/code.html", {"error": None})


@router.post("/sign-in/code")
def code(request: Request, code: Annotated[str, Form(max_length=40)] = "") -> Response:
    call(request, lambda *_: None, stages=("password",))
    client = client_of(request)
    try:
        request.app.state.limits.sign_in.hit(("client", client))
        vault = vault_of(request)
        with vault.transaction() as session:
            auth.second_factor(
                session, vault.envelope, token=token_of(request), code=code.strip(),
                client_address=client,
            )  # fmt: skip
    except FORM_ERRORS as exc:
        return render(request, "auth/code.html", {"error": _message(request, exc)}, status=401)
    return redirect(request, "/")


@router.get("/sign-in/enrol")
def enrol_page(request: Request) -> Response:
    call(request, lambda *_: None, stages=("enrol",))
    return render(request, "auth/enrol.html", {"qr": None, "uri": None, "error": None})


@router.post("/sign-in/enrol")
def enrol(request: Request) -> Response:
    """A new secret each time: the QR code is shown in the answer to this POST only."""

    def work(call: PageCall) -> str:
        return auth.begin_totp_enrolment(
            call.session, call.envelope, token=token_of(request), account_name=call.viewer.login
        )

    uri = call(request, work, stages=("enrol",))
    title = i18n.translations(i18n.language_of(request)).gettext(
        "QR code for your authenticator app"
    )
    values = {"qr": qr_svg(uri, title=title), "uri": uri, "error": None, "secret": _typed(uri)}
    return render(request, "auth/enrol.html", values)


def _typed(uri: str) -> str:
    """The key as a person types it into an app: groups of four (issue #18), not the URI."""
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query).get("secret", [""])[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@router.post("/sign-in/enrol/confirm")
def confirm(request: Request, code: Annotated[str, Form(max_length=40)] = "") -> Response:
    def work(call: PageCall) -> list[str]:
        return auth.confirm_totp_enrolment(
            call.session, call.envelope, token=token_of(request), code=code.strip()
        )

    try:
        request.app.state.limits.sign_in.hit(("client", client_of(request)))
        codes = call(request, work, stages=("enrol",))
    except FORM_ERRORS as exc:
        values = {"qr": None, "uri": None, "error": _message(request, exc)}
        return render(request, "auth/enrol.html", values, status=401)
    return render(request, "auth/recovery_codes.html", {"codes": codes})


@router.get("/password")
def password_page(request: Request) -> Response:
    call(request, lambda *_: None, stages=("full", "change"))
    return render(request, "auth/password.html", {"error": None})


@router.post("/password")
def change_password(
    request: Request,
    current_password: Annotated[str, Form(max_length=1024)] = "",
    new_password: Annotated[str, Form(max_length=1024)] = "",
    repeat_password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    tr = i18n.translations(i18n.language_of(request))
    if new_password != repeat_password:
        error = tr.gettext("The two new passwords differ.")
        return render(request, "auth/password.html", {"error": error}, status=422)

    def work(call: PageCall) -> None:
        auth.change_password(
            call.session, user_id=call.viewer.user_id, current=current_password, new=new_password
        )

    try:
        call(request, work, stages=("full", "change"))
    except FORM_ERRORS as exc:
        return render(request, "auth/password.html", {"error": _message(request, exc)}, status=422)
    # Every session ended with the change: sign in again with the new password.
    response = redirect(request, "/sign-in?changed=1")
    end_session(response)
    return response


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with vault_of(request).transaction() as session:
            auth.sign_out(session, token)
    response = redirect(request, "/sign-in?signed_out=1")
    end_session(response)
    return response

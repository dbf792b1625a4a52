"""The administrator's user screens: the list with each user's sign-in state, adding a
user (the initial password shown once), roles granted and revoked, password and second
factor resets, lifting a lockout. Thin: parse, call the services, render.

The other screens of the administrator are in assignments.py, tokens.py and keys.py.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Request, Response

from mnvault.access import outside, role_names
from mnvault.access import services as access
from mnvault.access.models import Role
from mnvault.admin import listing
from mnvault.admin.forms import FORM_ERRORS, Many, Text, message, new_router, status_of
from mnvault.auth import services as auth
from mnvault.web.pages import redirect, render
from mnvault.web.signed_in import PageCall, call

users_router = new_router()

ROLES = [r.value for r in Role]


def _roles(raw: list[str]) -> list[Role]:
    return [Role(r) for r in raw if r in ROLES]


def _list(
    request: Request,
    form: dict[str, Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    def work(call: PageCall) -> tuple[Any, ...]:
        return (
            listing.users(call.session, call.context),
            access.organisation_code_of(call.session, call.context),
            outside.incoming_requests(call.session, call.context),
            outside.roles_elsewhere(call.session, call.context),
            role_names.names_of(call.session, call.context.organisation_id),
        )

    rows, code, incoming, elsewhere, names = call(request, work)
    empty = {"login": "", "display_name": "", "roles": [], "reference": ""}
    values = {"users": rows, "organisation_code": code, "roles": ROLES, "error": error,
              "form": form or empty, "incoming": incoming, "elsewhere": elsewhere,
              "done": request.query_params.get("done", ""), "role_names": names}  # fmt: skip
    return render(request, "admin/users.html", values, status=status)


@users_router.get("/admin/users")
def users(request: Request) -> Response:
    return _list(request)


@users_router.post("/admin/users")
def add_user(
    request: Request,
    login: Text = "",
    display_name: Text = "",
    roles: Many = None,
    system: Text = "",
) -> Response:
    roles = roles or []
    form = {"login": login.strip(), "display_name": display_name, "roles": roles, "reference": ""}
    if system:
        return _add_system_user(request, form)

    def work(call: PageCall) -> tuple[Any, str, str]:
        user, password = access.add_member(
            call.session,
            call.context,
            login=login.strip(),
            display_name=display_name,
            roles=_roles(roles),
        )
        code = access.organisation_code_of(call.session, call.context)
        return listing.user(call.session, call.context, user.id), password, code

    try:
        row, password, code = call(request, work)
    except FORM_ERRORS as exc:
        return _list(request, form, message(request, exc), status_of(exc))
    # Shown in this answer only (no-store, like every page): it is not kept anywhere.
    values = {"user": row, "secret": password, "kind": "initial", "organisation_code": code}
    return render(request, "admin/secret.html", values)


def _add_system_user(request: Request, form: dict[str, Any]) -> Response:
    """A system user has no password to show: the list again, saying what comes next."""

    def work(call: PageCall) -> None:
        access.add_system_user(
            call.session, call.context, login=form["login"], display_name=form["display_name"],
            roles=_roles(form["roles"]),
        )  # fmt: skip

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _list(request, form, message(request, exc), status_of(exc))
    return redirect(request, "/admin/users?done=system")


@users_router.post("/admin/users/outside")
def add_outside_user(request: Request, reference: Text = "", roles: Many = None) -> Response:
    """Ask for a user of another organisation (an outsourcer's clerk), named CODE:LOGIN.
    The same answer whether or not the user exists: their organisation decides."""
    roles = roles or []
    form = {"login": "", "display_name": "", "roles": roles, "reference": reference.strip()}

    def work(call: PageCall) -> None:
        outside.request_outside_member(
            call.session, call.context, reference=reference, roles=_roles(roles)
        )

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _list(request, form, message(request, exc), status_of(exc))
    return redirect(request, "/admin/users?done=requested")


@users_router.post("/admin/users/outside-requests/{request_id}")
def decide_outside(request: Request, request_id: uuid.UUID, decision: Text = "") -> Response:
    """The home organisation approves or refuses another organisation's request."""

    def work(call: PageCall) -> None:
        outside.decide_request(
            call.session, call.context, request_id=request_id, approve=decision == "approve"
        )

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _list(request, None, message(request, exc), status_of(exc))
    return redirect(
        request, f"/admin/users?done={'approved' if decision == 'approve' else 'refused'}"
    )


@users_router.post("/admin/users/{user_id}/elsewhere/{organisation_id}/revoke")
def revoke_elsewhere(request: Request, user_id: uuid.UUID, organisation_id: uuid.UUID) -> Response:
    """Withdraw one of this organisation's users from another organisation."""

    def work(call: PageCall) -> None:
        outside.revoke_elsewhere(
            call.session, call.context, user_id=user_id, organisation_id=organisation_id
        )

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _list(request, None, message(request, exc), status_of(exc))
    return redirect(request, "/admin/users?done=withdrawn")


def _detail(
    request: Request, user_id: uuid.UUID, error: str | None = None, status: int = 200
) -> Response:
    def work(call: PageCall) -> Any:
        return listing.user(call.session, call.context, user_id), role_names.names_of(
            call.session, call.context.organisation_id
        )

    row, names = call(request, work)
    done = request.query_params.get("done", "")
    values = {"user": row, "roles": ROLES, "error": error, "done": done, "role_names": names}
    return render(request, "admin/user.html", values, status=status)


@users_router.get("/admin/users/{user_id}")
def user(request: Request, user_id: uuid.UUID) -> Response:
    return _detail(request, user_id)


def _act(request: Request, user_id: uuid.UUID, act: Any, done: str) -> Response:
    try:
        call(request, act)
    except FORM_ERRORS as exc:
        return _detail(request, user_id, message(request, exc), status_of(exc))
    return redirect(request, f"/admin/users/{user_id}?done={done}")


@users_router.post("/admin/users/{user_id}/roles/grant")
def grant(request: Request, user_id: uuid.UUID, role: Text = "") -> Response:
    def act(call: PageCall) -> None:
        target = listing.member(call.session, call.context, user_id)
        for chosen in _roles([role]):
            access.grant_member_role(call.session, call.context, user=target, role=chosen)

    return _act(request, user_id, act, "granted")


@users_router.post("/admin/users/{user_id}/roles/revoke")
def revoke(request: Request, user_id: uuid.UUID, role: Text = "") -> Response:
    def act(call: PageCall) -> None:
        target = listing.member(call.session, call.context, user_id)
        for chosen in _roles([role]):
            access.revoke_role(call.session, call.context, user=target, role=chosen)

    return _act(request, user_id, act, "revoked")


@users_router.post("/admin/users/{user_id}/unlock")
def unlock(request: Request, user_id: uuid.UUID) -> Response:
    def act(call: PageCall) -> None:
        auth.unlock(call.session, call.context, user_id=user_id)

    return _act(request, user_id, act, "unlocked")


@users_router.post("/admin/users/{user_id}/totp-reset")
def reset_totp(request: Request, user_id: uuid.UUID, reason: Text = "") -> Response:
    def act(call: PageCall) -> None:
        auth.reset_totp(call.session, call.context, user_id=user_id, reason=reason)

    return _act(request, user_id, act, "totp")


@users_router.post("/admin/users/{user_id}/password-reset")
def reset_password(request: Request, user_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> tuple[Any, str, str]:
        password = auth.reset_password(call.session, call.context, user_id=user_id)
        code = access.organisation_code_of(call.session, call.context)
        return listing.user(call.session, call.context, user_id), password, code

    try:
        row, password, code = call(request, work)
    except FORM_ERRORS as exc:
        return _detail(request, user_id, message(request, exc), status_of(exc))
    values = {"user": row, "secret": password, "kind": "reset", "organisation_code": code}
    return render(request, "admin/secret.html", values)


def _screens() -> APIRouter:
    from mnvault.admin.approvals import approvals_router  # noqa: PLC0415
    from mnvault.admin.assignments import assignments_router  # noqa: PLC0415 - they import us
    from mnvault.admin.keys import keys_router  # noqa: PLC0415
    from mnvault.admin.organisation import organisation_router  # noqa: PLC0415
    from mnvault.admin.tokens import tokens_router  # noqa: PLC0415

    every = APIRouter()
    for part in (users_router, assignments_router, tokens_router, keys_router, approvals_router,
                 organisation_router):  # fmt: skip
        every.include_router(part)
    return every


# Every administrator screen, for web.views.mount (app.py).
router = _screens()

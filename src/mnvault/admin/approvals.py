"""The manager's approvals screen (issue #11): API tokens that can return a number wait
here for a manager other than the administrator who asked, and accounts whose password an
administrator set wait for a manager to confirm them, in person, with a code the user
reads off their own authenticator. Thin: parse, call the services, render."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request, Response

from mnvault.admin import listing
from mnvault.admin.forms import FORM_ERRORS, Text, message, new_router, status_of
from mnvault.auth import services as auth
from mnvault.web.pages import redirect, render
from mnvault.web.signed_in import PageCall, call

approvals_router = new_router()


def _page(request: Request, error: str | None = None, status: int = 200) -> Response:
    def work(call: PageCall) -> list[Any]:
        return list(listing.awaiting_approval(call.session, call.context))

    values = {
        "waiting": call(request, work), "error": error,
        "done": request.query_params.get("done", ""),
    }  # fmt: skip
    return render(request, "admin/approvals.html", values, status=status)


@approvals_router.get("/approvals")
def approvals(request: Request) -> Response:
    return _page(request)


@approvals_router.post("/approvals/tokens/{token_id}")
def approve_token(request: Request, token_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> None:
        auth.approve_api_token(call.session, call.context, token_id=token_id)

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _page(request, message(request, exc), status_of(exc))
    return redirect(request, "/approvals?done=token")


@approvals_router.post("/approvals/users/{user_id}")
def confirm_user(request: Request, user_id: uuid.UUID, code: Text = "") -> Response:
    def work(call: PageCall) -> None:
        auth.confirm_user(
            call.session, call.envelope, call.context, user_id=user_id, code=code.strip()
        )

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _page(request, message(request, exc), status_of(exc))
    return redirect(request, "/approvals?done=user")

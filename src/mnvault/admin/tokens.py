"""API tokens for system users (payroll, HR): created for a system user of the
organisation (never a person: issue #11), scoped to affairs it is assigned to, expiring;
the token shown exactly once, on the answer to the POST that made it (no-store like every
page); one that can return a number works once a manager approves it (/approvals);
listed without it; revoked."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Form, Request, Response

from mnvault.admin import listing
from mnvault.admin.forms import (
    FORM_ERRORS,
    Many,
    Text,
    message,
    new_router,
    status_of,
    uuid_or_none,
)
from mnvault.affairs.services import get_affair, list_affairs
from mnvault.auth import services as auth
from mnvault.vault.errors import InvalidInput, NotFound
from mnvault.web.pages import redirect, render
from mnvault.web.signed_in import PageCall, call

tokens_router = new_router()
MAX_DAYS = 366


def _page(
    request: Request,
    error: str | None = None,
    status: int = 200,
    form: dict[str, Any] | None = None,
) -> Response:
    def work(call: PageCall) -> dict[str, Any]:
        return {
            # Tokens belong only to system users (issue #11): no person is offered.
            "tokens": listing.tokens(call.session, call.context),
            "users": [u for u in listing.users(call.session, call.context) if u.system],
            "affairs": list_affairs(call.session, call.context.organisation_id),
        }  # fmt: skip

    values = call(request, work) | {
        "error": error, "done": request.query_params.get("done", ""), "max_days": MAX_DAYS,
        "form": form or {"user": "", "name": "", "affairs": [], "valid_days": "90"},
    }  # fmt: skip
    return render(request, "admin/tokens.html", values, status=status)


@tokens_router.get("/admin/tokens")
def tokens(request: Request) -> Response:
    return _page(request)


@tokens_router.post("/admin/tokens")
def create_token(
    request: Request, user: Text = "", name: Text = "", affairs: Many = None,
    valid_days: Annotated[str, Form(max_length=10)] = "90",
) -> Response:  # fmt: skip
    affairs = affairs or []
    form = {"user": user, "name": name, "affairs": affairs, "valid_days": valid_days}

    def work(call: PageCall) -> dict[str, Any]:
        user_id = uuid_or_none(user)
        target = listing.member(call.session, call.context, user_id) if user_id else None
        if target is None:
            raise NotFound("利用者", "user")
        if not name.strip() or len(name.strip()) > 100:
            raise InvalidInput("名前を100文字以内で入力してください", "give a name (100 max)")
        if not affairs:
            raise InvalidInput("事務を一つ以上選んでください", "choose at least one affair")
        days = int(valid_days) if valid_days.isdigit() else 0
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"有効日数は1〜{MAX_DAYS}日です", f"valid for 1 to {MAX_DAYS} days")
        for code in affairs:
            get_affair(
                call.session, call.context.organisation_id, code
            )  # a scope names real affairs
        token, row = auth.create_api_token(
            call.session, call.context, user_id=target.id, name=name.strip(), affair_codes=affairs,
            valid_for=timedelta(days=days),
        )  # fmt: skip
        return {"token": token, "row": row, "login": target.login, "affairs": sorted(set(affairs)),
                "waiting": row.approved_at is None}  # fmt: skip

    try:
        made = call(request, work)
    except FORM_ERRORS as exc:
        return _page(request, message(request, exc), status_of(exc), form)
    return render(request, "admin/token_created.html", made)


@tokens_router.post("/admin/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: uuid.UUID) -> Response:
    def work(call: PageCall) -> None:
        auth.revoke_api_token(call.session, call.context, token_id=token_id)

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _page(request, message(request, exc), status_of(exc))
    return redirect(request, "/admin/tokens?done=revoked")

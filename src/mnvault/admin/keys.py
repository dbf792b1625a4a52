"""Keys and settings: KEK versions with how many wrapped keys each holds, "rotate now"
(the rotation runs in this request and its result is shown), and the disposal
confirmation setting (事業者編 別添1 2E d 削除・廃棄の確認)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request, Response

from mnvault.admin.forms import FORM_ERRORS, message, new_router, status_of
from mnvault.deployment.requests import vault_of
from mnvault.disposal import services as disposal
from mnvault.keys import services as keys
from mnvault.orgs import standing
from mnvault.web.pages import redirect, render
from mnvault.web.signed_in import PageCall, call

keys_router = new_router()


def _page(
    request: Request, error: str | None = None, status: int = 200, result: Any = None
) -> Response:
    keyring = vault_of(request).keyring

    def work(call: PageCall) -> dict[str, Any]:
        versions, open_ = keys.status(call.session, keyring, call.context)
        answers = standing.standing(call.session, call.context.organisation_id)
        return {
            "versions": versions, "open_rotation": open_,
            "confirmation_required": disposal.confirmation_required(
                call.session, call.context.organisation_id
            ),
            "small_business": answers.relief_applies,
            "small_business_warning": answers.warning(),
        }  # fmt: skip

    values = call(request, work) | {"error": error, "result": result,
                                    "done": request.query_params.get("done", "")}  # fmt: skip
    return render(request, "admin/keys.html", values, status=status)


@keys_router.get("/admin/keys")
def key_status(request: Request) -> Response:
    return _page(request)


@keys_router.post("/admin/keys/rotate")
def rotate(request: Request) -> Response:
    """Every wrapped key is re-wrapped before this answers: with many keys it takes a while."""
    context = call(request, lambda call: call.context)
    vault = vault_of(request)
    try:
        result = keys.rotate(vault.sessions, vault.keyring, context)
    except FORM_ERRORS as exc:
        return _page(request, message(request, exc), status_of(exc))
    return _page(request, result=result)


@keys_router.post("/admin/settings/disposal")
def disposal_setting(
    request: Request, confirmation_required: Annotated[str, Form(max_length=5)] = ""
) -> Response:
    def work(call: PageCall) -> None:
        disposal.set_confirmation_required(
            call.session, call.context, required=confirmation_required == "on"
        )

    try:
        call(request, work)
    except FORM_ERRORS as exc:
        return _page(request, message(request, exc), status_of(exc))
    return redirect(request, "/admin/keys?done=settings")

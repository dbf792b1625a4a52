"""The home page: the signed-in person's dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from mnvault.dashboard.services import Dashboard, board
from mnvault.web.pages import PageRoute, render
from mnvault.web.security import require_csrf
from mnvault.web.signed_in import PageCall, call

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])


@router.get("/")
def home(request: Request) -> Response:
    vault = request.app.state.vault
    keyring = vault.keyring if vault else None

    def work(call: PageCall) -> Dashboard:
        return board(
            call.session,
            call.context,
            call.viewer.roles,
            data_dir=vault.settings.data_dir,
            keyring=keyring,
        )

    return render(request, "dashboard.html", {"board": call(request, work)})

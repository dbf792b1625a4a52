"""The home page: the signed-in person's dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from mnvault.access.context import Context
from mnvault.crypto import Envelope
from mnvault.dashboard.services import Dashboard, board
from mnvault.web.pages import PageRoute, render
from mnvault.web.security import require_csrf
from mnvault.web.signed_in import Viewer, call

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])


@router.get("/")
def home(request: Request) -> Response:
    vault = request.app.state.vault
    keyring = vault.keyring if vault else None

    def work(session: Session, _e: Envelope, context: Context, viewer: Viewer) -> Dashboard:
        return board(
            session, context, viewer.roles, data_dir=vault.settings.data_dir, keyring=keyring
        )

    return render(request, "dashboard.html", {"board": call(request, work)})

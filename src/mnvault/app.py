"""The ASGI app. Until the web UI and API issues land: a stub page and /health."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from mnvault import __version__
from mnvault.config import Settings
from mnvault.deployment import services as deployment
from mnvault.deployment.errors import DeploymentError
from mnvault.logging import configure_logging

log = logging.getLogger(__name__)

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def create_app(settings: Settings) -> FastAPI:
    configure_logging(settings.log_level)
    state: dict[str, Any] = {"vault": None}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if state["vault"] is not None:
            state["vault"].close()  # sealing drops the keys from memory

    app = FastAPI(
        title="mnvault", version=__version__, docs_url=None, redoc_url=None, lifespan=lifespan
    )
    try:
        passphrase = deployment.resolve_passphrase(settings)
        if passphrase:
            state["vault"] = deployment.open_vault(settings, passphrase)
        else:
            log.warning("鍵束は封印されたままです / starting sealed: no passphrase given")
    except DeploymentError as exc:
        log.error("%s", exc)

    @app.middleware("http")
    async def security_headers(request: Any, call_next: Any) -> Any:
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.get("/health")
    def health() -> dict[str, Any]:
        vault = state["vault"]
        if vault is not None:
            db_ok = deployment.database_ok(vault.engine)
            sealed = vault.keyring.sealed
        else:
            db_ok = False
            sealed = True
        return {
            "status": "ok" if (db_ok and not sealed) else "degraded",
            "version": __version__,
            "keyring": "sealed" if sealed else "unsealed",
            "database": "ok" if db_ok else "unavailable",
        }

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        return (
            "<!doctype html><html lang='ja'><head><meta charset='utf-8'>"
            "<title>mnvault</title></head><body><h1>mnvault</h1>"
            "<p>マイナンバー保管庫は稼働中です。画面は今後のリリースで提供します。</p>"
            "<p>The My Number vault is running. Screens come in a later release; "
            "see <a href='/health'>/health</a>.</p></body></html>"
        )

    return app

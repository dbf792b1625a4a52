"""The ASGI app: the REST API under /api/v1, the screens (mnvault.web.views), /health."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from mnvault import __version__
from mnvault.access import api as access_api
from mnvault.admin import views as admin_views
from mnvault.audit import api as audit_api
from mnvault.audit import views as audit_views
from mnvault.auth import api as auth_api
from mnvault.auth import views as auth_views
from mnvault.compliance import api as compliance_api
from mnvault.compliance import views as compliance_views
from mnvault.config import Settings
from mnvault.deployment import services as deployment
from mnvault.deployment.errors import DeploymentError
from mnvault.disposal import api as disposal_api
from mnvault.disposal import views as disposal_views
from mnvault.keys import api as keys_api
from mnvault.logging import configure_logging
from mnvault.transfer import views as transfer_views
from mnvault.vault import api as vault_api
from mnvault.vault import views as vault_views
from mnvault.web import problems
from mnvault.web import views as web_views
from mnvault.web.calls import Limits, new_request_id
from mnvault.web.headers import SecurityHeaders

log = logging.getLogger(__name__)

API = "/api/v1"

SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}

NO_TELEMETRY: Any = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


def create_app(settings: Settings) -> FastAPI:
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if app.state.vault is not None:
            app.state.vault.close()  # sealing drops the keys from memory

    app = FastAPI(
        title="mnvault",
        version=__version__,
        description="マイナンバー保管庫 API / My Number vault API. Numbers travel only in "
        "request and response bodies, never in URLs; errors are RFC 9457 problem documents.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # FastAPI's own OpenTelemetry: its logs carry validation failures with the input
        # values (a number in a bad body), and even off it costs every request a look
        # at the global providers. mnvault exports no telemetry.
        telemetry=NO_TELEMETRY,
    )
    app.state.vault = None
    app.state.limits = Limits()
    try:
        passphrase = deployment.resolve_passphrase(settings)
        if passphrase:
            app.state.vault = deployment.open_vault(settings, passphrase)
        else:
            log.warning("鍵束は封印されたままです / starting sealed: no passphrase given")
    except DeploymentError as exc:
        log.error("%s", exc)

    problems.install(app)
    app.include_router(auth_api.router, prefix=API)
    app.include_router(vault_api.router, prefix=API)
    app.include_router(access_api.router, prefix=API)
    app.include_router(audit_api.router, prefix=API)
    app.include_router(compliance_api.router, prefix=API)
    app.include_router(disposal_api.router, prefix=API)
    app.include_router(keys_api.router, prefix=API)

    # A plain ASGI middleware: BaseHTTPMiddleware cost more per request than a read's
    # authorization (mnvault.web.headers).
    app.add_middleware(SecurityHeaders, headers=SECURITY_HEADERS, new_request_id=new_request_id)

    @app.get(f"{API}/ping", tags=["health"])
    def ping() -> dict[str, bool]:
        """Liveness for load balancers; touches neither database nor keys."""
        return {"ok": True}

    @app.get("/health")
    def health() -> dict[str, Any]:
        vault = app.state.vault
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

    web_views.mount(
        app,
        [
            auth_views.router,
            vault_views.router,
            transfer_views.router,
            disposal_views.router,
            audit_views.router,
            compliance_views.router,
            admin_views.router,
        ],
    )

    return app


def from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory mnvault.app:from_environment`` (MNVAULT_* settings)."""
    from mnvault.config import load_settings  # noqa: PLC0415 - only the factory needs it

    return create_app(load_settings())

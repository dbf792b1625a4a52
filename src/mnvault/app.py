"""The ASGI app: the REST API under /api/v1, the screens (mnvault.web.views), /health."""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from mnvault import __version__, labels
from mnvault.access import api as access_api
from mnvault.admin import views as admin_views
from mnvault.affairs import api as affairs_api
from mnvault.affairs import views as affairs_views
from mnvault.audit import api as audit_api
from mnvault.audit import views as audit_views
from mnvault.auth import api as auth_api
from mnvault.auth import views as auth_views
from mnvault.auth.gate import SignedInGate
from mnvault.compliance import api as compliance_api
from mnvault.compliance import views as compliance_views
from mnvault.config import Settings
from mnvault.dashboard import views as dashboard_views
from mnvault.deployment import api as deployment_api
from mnvault.deployment import services as deployment
from mnvault.deployment.errors import DeploymentError
from mnvault.disposal import api as disposal_api
from mnvault.disposal import views as disposal_views
from mnvault.incidents import api as incidents_api
from mnvault.incidents import views as incidents_views
from mnvault.inspections import api as inspections_api
from mnvault.inspections import views as inspections_views
from mnvault.jobs import registry as jobs_registry
from mnvault.jobs import views as jobs_views
from mnvault.keys import api as keys_api
from mnvault.logging import configure_logging
from mnvault.orgs import api as orgs_api
from mnvault.partners import api as partners_api
from mnvault.partners import views as partners_views
from mnvault.places import api as places_api
from mnvault.places import views as places_views
from mnvault.policies import api as policies_api
from mnvault.policies import views as policies_views
from mnvault.training import api as training_api
from mnvault.training import views as training_views
from mnvault.transfer import views as transfer_views
from mnvault.vault import api as vault_api
from mnvault.vault import views as vault_views
from mnvault.web import gate, pages, problems
from mnvault.web import views as web_views
from mnvault.web.body_limits import body_limits
from mnvault.web.bodylimit import BodyLimit
from mnvault.web.calls import Limits, new_request_id
from mnvault.web.headers import SecurityHeaders
from mnvault.web.openapi import with_bearer
from mnvault.web.proxies import ClientAddress, trusted_networks

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
        # A background job (a disposal run's rotation) finishes before the keys go.
        jobs_registry.of_app(app.state).drain()
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
    # Who is calling: the sign-in domain answers for the frame (mnvault.web.gate).
    gate.install(app, SignedInGate())
    # The pages say what codes mean (mnvault.labels); the frame itself knows none.
    pages.ENVIRONMENT.globals.update(labels.GLOBALS)
    try:
        # Sealed first, then unsealed if a passphrase is at hand: a server started without
        # one (or with a wrong one) runs sealed until `mnvault unseal` (DESIGN.md §4).
        app.state.vault = deployment.open_sealed(settings)
        passphrase = deployment.resolve_passphrase(settings)
        if passphrase:
            deployment.unseal(app.state.vault, passphrase)
        else:
            log.warning("鍵束は封印されたままです / starting sealed: no passphrase given")
    except DeploymentError as exc:
        log.error("%s", exc)

    problems.install(app)
    # Each package's API router, in the order the OpenAPI document lists them. Sealing and
    # unsealing (deployment) stay last: a fuzzing run goes through the document in order,
    # and an admin's or a manager's seal would answer 503 to every operation after it.
    for api in (
        auth_api,
        vault_api,
        access_api,
        affairs_api,
        audit_api,
        compliance_api,
        incidents_api,
        partners_api,
        disposal_api,
        keys_api,
        orgs_api,
        policies_api,
        places_api,
        inspections_api,
        training_api,
        deployment_api,
    ):
        app.include_router(api.router, prefix=API)

    # Inside SecurityHeaders, so that a refusal carries them too.
    app.add_middleware(BodyLimit, **body_limits())
    # A plain ASGI middleware: BaseHTTPMiddleware cost more per request than a read's
    # authorization (mnvault.web.headers).
    app.add_middleware(SecurityHeaders, headers=SECURITY_HEADERS, new_request_id=new_request_id)
    # Outermost: the client address and scheme are settled before anything reads them.
    app.add_middleware(ClientAddress, trusted=trusted_networks(settings.trusted_proxies))

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
            # Never "ok" with a keyring the database does not name as its own (issue #11).
            own = db_ok and deployment.keyring_ok(vault)
        else:
            db_ok, sealed, own = False, True, False
        keyring = "sealed" if sealed else ("unsealed" if own or not db_ok else "foreign")
        return {
            "status": "ok" if (db_ok and not sealed and own) else "degraded",
            "version": __version__,
            "keyring": keyring,
            "database": "ok" if db_ok else "unavailable",
        }

    app.openapi = with_bearer(  # type: ignore[method-assign]
        app, prefix=API, open_paths={f"{API}/auth/sign-in", f"{API}/ping"}
    )

    web_views.mount(
        app,
        [
            dashboard_views.router,
            auth_views.router,
            vault_views.router,
            transfer_views.router,
            disposal_views.router,
            audit_views.router,
            compliance_views.router,
            incidents_views.router,
            partners_views.router,
            admin_views.router,
            affairs_views.router,
            policies_views.router,
            places_views.router,
            inspections_views.router,
            training_views.router,
            jobs_views.router,
        ],
    )

    return app


def from_environment() -> FastAPI:
    """Factory for ``uvicorn --factory mnvault.app:from_environment`` (MNVAULT_* settings)."""
    from mnvault.config import SettingsError, load_settings  # noqa: PLC0415

    try:
        settings = load_settings()
    except SettingsError as exc:
        # Said once, plainly, before the server starts; no traceback (ja / en).
        print(f"エラー / error: {exc}", file=sys.stderr)
        raise SystemExit(78) from None
    return create_app(settings)

"""How ``mnvault serve`` configures uvicorn (one function, so a test runs the same server)."""

from __future__ import annotations

from pathlib import Path

import uvicorn
from fastapi import FastAPI


def server_config(
    app: FastAPI, *, host: str, port: int, certfile: Path | None = None, keyfile: Path | None = None
) -> uvicorn.Config:
    """The server ``serve`` runs. ``proxy_headers=False``: uvicorn would otherwise believe
    ``X-Forwarded-For`` from every loopback peer (and FORWARDED_ALLOW_IPS); mnvault
    decides itself, from the proxies the operator names (mnvault.web.proxies)."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
        log_config=None,
        server_header=False,
        proxy_headers=False,
        forwarded_allow_ips="",
    )

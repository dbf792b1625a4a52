"""The OpenAPI document declares how the API authenticates: a bearer token (the session
token from sign-in, or an API token) on every operation but the few that need none."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from fastapi import FastAPI

SCHEME = "bearer"
BEARER_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "サインインで得たトークン、またはAPIトークン / the token from "
    "POST /api/v1/auth/sign-in, or an API token: `Authorization: Bearer TOKEN`",
}


def with_bearer(app: FastAPI, *, prefix: str, open_paths: Collection[str]) -> Callable[[], Any]:
    """``app.openapi`` that adds the scheme and names it on each operation under
    ``prefix`` except ``open_paths`` (sign-in, liveness). The routes read the token with
    mnvault.web.calls.bearer; a test checks that each declared operation refuses a
    request without one."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = build()
        schema.setdefault("components", {}).setdefault("securitySchemes", {})[SCHEME] = (
            BEARER_SCHEME
        )
        for path, operations in schema.get("paths", {}).items():
            if not path.startswith(prefix) or path in open_paths:
                continue
            for operation in operations.values():
                operation["security"] = [{SCHEME: []}]
        app.openapi_schema = schema
        return schema

    return openapi

"""The screens' frame: static files, the language switch, error pages.

``mount(app)`` adds every package's screens; a new screen's package (disposal, import,
export, audit, admin) adds its router to ``SCREENS`` and its package to
``pages.TEMPLATE_PACKAGES``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Form, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartParser

from mnvault.web import i18n
from mnvault.web.pages import BadRequest, PageNotFound, PageRoute, error_page, redirect
from mnvault.web.security import require_csrf, set_cookie

STATIC = Path(__file__).parent / "static"
# Uploaded document images show a number: keep uploads up to the service's limit (and a
# little) in memory rather than in a plaintext temporary file on disk.
UPLOAD_IN_MEMORY = 6 * 1024 * 1024

router = APIRouter(route_class=PageRoute, dependencies=[Depends(require_csrf)])


def _local_path(raw: str) -> str:
    """Where to go back to: a path on this site only (no scheme, no host, no query)."""
    if not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return "/"
    return raw.split("?", 1)[0].split("#", 1)[0]


@router.post("/language")
def switch_language(
    request: Request, lang: Annotated[str, Form()] = "ja", next: Annotated[str, Form()] = "/"
) -> Response:
    response = redirect(request, _local_path(next))
    chosen = lang if lang in i18n.LANGUAGES else i18n.DEFAULT
    set_cookie(request, response, i18n.COOKIE, chosen, max_age=365 * 24 * 3600)
    return response


def mount(app: FastAPI, screens: list[APIRouter]) -> None:
    MultiPartParser.spool_max_size = max(MultiPartParser.spool_max_size, UPLOAD_IN_MEMORY)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    # Screens are HTML, not API: they stay out of /openapi.json.
    app.include_router(router, include_in_schema=False)
    for screen in screens:
        app.include_router(screen, include_in_schema=False)
    api_http = app.exception_handlers[HTTPException]
    api_invalid = app.exception_handlers[RequestValidationError]

    def _is_page(request: Request) -> bool:
        return not request.url.path.startswith(("/api/", "/openapi.json", "/health"))

    async def http_error(request: Request, exc: Exception) -> Response:
        if _is_page(request) and isinstance(exc, HTTPException):
            if exc.status_code == 404:
                return error_page(request, PageNotFound(), 404)
            return error_page(request, BadRequest(), exc.status_code)
        return await _maybe_await(api_http(request, exc))

    async def invalid(request: Request, exc: Exception) -> Response:
        if _is_page(request):
            return error_page(request, BadRequest(), 422)
        return await _maybe_await(api_invalid(request, exc))

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, invalid)


async def _maybe_await(value: object) -> Response:
    if hasattr(value, "__await__"):
        value = await value
    if not isinstance(value, Response):
        raise TypeError("an exception handler answered something other than a response")
    return value

"""Rendering pages: one Jinja2 environment over every package's ``templates/``, the
viewer's language, the CSRF token, the security headers; and bilingual error pages.

Views are thin: they call services through ``web.signed_in.call`` and hand the result
to :func:`render`. A route on a :class:`PageRouter` that raises a known error gets an
error page in the chosen language instead of a JSON problem document.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException

from mnvault.access.errors import AccessError, AuthorizationDenied
from mnvault.auth.errors import SessionExpired
from mnvault.numbers import redact
from mnvault.vault.errors import NotFound, VaultError
from mnvault.web import i18n
from mnvault.web.problems import RateLimited, Sealed
from mnvault.web.security import CsrfRejected, csrf_token, finish
from mnvault.web.signed_in import StepPending, viewer_or_none

log = logging.getLogger(__name__)

# Packages whose templates/ the screens use; a new screen's package adds itself here.
TEMPLATE_PACKAGES = (
    "mnvault.web",
    "mnvault.auth",
    "mnvault.vault",
    "mnvault.transfer",
    "mnvault.disposal",
    "mnvault.audit",
    "mnvault.compliance",
    "mnvault.admin",
)

# Where each unfinished sign-in step continues.
STEP_PAGES = {
    "password": "/sign-in/code",
    "enrol": "/sign-in/enrol",
    "change": "/password",
    "full": "/",
}


def _environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([PackageLoader(p, "templates") for p in TEMPLATE_PACKAGES]),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


ENVIRONMENT = _environment()


def render(
    request: Request,
    template: str,
    values: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> HTMLResponse:
    lang = i18n.language_of(request)
    tr = i18n.translations(lang)
    viewer = getattr(request.state, "viewer", None)
    if viewer is None and template != "error.html":
        viewer = viewer_or_none(request)
    page = ENVIRONMENT.get_template(template)
    html = page.render(
        {
            "lang": lang,
            "viewer": viewer,
            "csrf_token": csrf_token(request),
            "path": request.url.path,
            "gettext": tr.gettext,
            "ngettext": tr.ngettext,
            "_": tr.gettext,
            "pick": tr.pick,
            **(values or {}),
        }
    )
    response = HTMLResponse(html, status_code=status)
    return finish(request, response)  # type: ignore[return-value]


def redirect(request: Request, to: str) -> Response:
    """After a successful POST: 303 to a page (never a URL carrying anything sensitive)."""
    return finish(request, RedirectResponse(to, status_code=303))


# -- errors -------------------------------------------------------------------------------


class BadRequest(Exception):
    message_ja = "入力が正しくありません"
    message_en = "invalid input"


class PageNotFound(Exception):
    message_ja = "ページが見つかりません"
    message_en = "page not found"


_ERRORS: list[tuple[type[Exception], int]] = [
    (CsrfRejected, 403),
    (AuthorizationDenied, 403),
    (NotFound, 404),
    (Sealed, 503),
    (RateLimited, 429),
    (VaultError, 422),
]


def error_page(request: Request, exc: Exception, status: int) -> HTMLResponse:
    tr = i18n.translations(i18n.language_of(request))
    message = tr.pick(
        getattr(exc, "message_ja", "エラーが発生しました"),
        getattr(exc, "message_en", "something went wrong"),
    )
    reason = exc.reason if isinstance(exc, AuthorizationDenied) else None
    return render(
        request, "error.html", {"status": status, "message": redact(message), "reason": reason},
        status=status,
    )  # fmt: skip


def handle(request: Request, exc: Exception) -> Response:
    if isinstance(exc, StepPending):
        return redirect(request, STEP_PAGES.get(exc.stage, "/sign-in"))
    if isinstance(exc, SessionExpired | AccessError) and not isinstance(exc, AuthorizationDenied):
        return redirect(request, "/sign-in")
    if isinstance(exc, RequestValidationError):
        return error_page(request, BadRequest(), 422)
    if isinstance(exc, HTTPException):
        missing = exc.status_code == 404
        return error_page(request, PageNotFound() if missing else BadRequest(), exc.status_code)
    for kind, status in _ERRORS:
        if isinstance(exc, kind):
            return error_page(request, exc, status)
    log.exception("unexpected error on a page")
    return error_page(request, exc, 500)


class PageRoute(APIRoute):
    """A route that answers errors with a page, not a problem document."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except Exception as exc:  # every error becomes a page; unknown ones are logged
                return handle(request, exc)

        return handler

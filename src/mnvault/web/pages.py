"""Rendering pages: one Jinja2 environment over every package's ``templates/``, the
viewer's language, the CSRF token, the security headers; and bilingual error pages.

Views are thin: they call services through ``web.signed_in.call`` and hand the result
to :func:`render`. A route on a :class:`PageRouter` that raises a known error gets an
error page in the chosen language instead of a JSON problem document.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import ChoiceLoader, Environment, PackageLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException

from mnvault import errors, local_time
from mnvault.errors import MnvaultError
from mnvault.web import i18n
from mnvault.web.security import csrf_token, finish
from mnvault.web.signed_in import StepPending, viewer_or_none

log = logging.getLogger(__name__)

# Packages whose templates/ the screens use; a new screen's package adds itself here.
TEMPLATE_PACKAGES = (
    "mnvault.web",
    "mnvault.dashboard",
    "mnvault.auth",
    "mnvault.vault",
    "mnvault.transfer",
    "mnvault.disposal",
    "mnvault.audit",
    "mnvault.compliance",
    "mnvault.admin",
    "mnvault.affairs",
    "mnvault.inspections",
    "mnvault.training",
    "mnvault.policies",
    "mnvault.incidents",
    "mnvault.places",
    "mnvault.partners",
    "mnvault.jobs",
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
    zone = local_time.zone(viewer.time_zone if viewer is not None else None)
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
            # Every time on a page: the organisation's zone, one format (local_time).
            "shown_at": functools.partial(local_time.shown, where=zone),
            "shown_day": functools.partial(local_time.day, where=zone),
            "zone": zone,
            "today": local_time.today(zone),
            **(values or {}),
        }
    )
    response = HTMLResponse(html, status_code=status)
    return finish(request, response)  # type: ignore[return-value]


def redirect(request: Request, to: str) -> Response:
    """After a successful POST: 303 to a page (never a URL carrying anything sensitive)."""
    return finish(request, RedirectResponse(to, status_code=303))


# -- errors -------------------------------------------------------------------------------


class BadRequest(MnvaultError):
    message_ja = "入力が正しくありません"
    message_en = "invalid input"
    status = 422
    kind = "invalid"


class PageNotFound(MnvaultError):
    message_ja = "ページが見つかりません"
    message_en = "page not found"
    status = 404
    kind = "not-found"


def error_page(request: Request, exc: Exception, status: int) -> HTMLResponse:
    message = errors.message(exc, i18n.language_of(request), detail=False)
    # The error's package decides whether a reason is shown (a refusal's, but not that
    # of a person beyond one's assignments, who looks like no person).
    reason = errors.reason(exc)
    return render(
        request, "error.html", {"status": status, "message": message, "reason": reason},
        status=status,
    )  # fmt: skip


def handle(request: Request, exc: Exception) -> Response:
    if isinstance(exc, StepPending):
        return redirect(request, STEP_PAGES.get(exc.stage, "/sign-in"))
    if errors.sends_to_sign_in(exc):
        return redirect(request, "/sign-in")
    if isinstance(exc, RequestValidationError):
        return error_page(request, BadRequest(), 422)
    if isinstance(exc, HTTPException):
        missing = exc.status_code == 404
        return error_page(request, PageNotFound() if missing else BadRequest(), exc.status_code)
    found = errors.status_of(exc)
    if found is not None:
        return error_page(request, exc, found[0])
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

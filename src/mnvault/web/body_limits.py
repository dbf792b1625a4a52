"""The app's body limits (mnvault.web.bodylimit): which routes may receive how much.

Uploads get their service's file limit (and the multipart framing), registered by the
screen that receives them (:func:`upload`, in its views.py); everything else a form's or
the API's. Kept apart from the middleware so that the middleware knows no route, and
registered so that the frame knows no domain's limits.
"""

from __future__ import annotations

import re
from typing import Any

from mnvault.web.bodylimit import API, FORM, UNAUTHENTICATED, UPLOAD_OVERHEAD, Rule
from mnvault.web.security import SESSION_COOKIE

API_PREFIX = "/api/v1"

# Anyone may send these: the password and the second factor, on the API and the screens.
SIGN_IN = re.compile(rf"{API_PREFIX}/auth/(sign-in|second-factor)|/sign-in(/code)?")

_UPLOADS: dict[str, Rule] = {}


def upload(path: str, max_bytes: int, *, framing: int = UPLOAD_OVERHEAD) -> None:
    """Routes whose path matches ``path`` (a regular expression, matched whole) receive a
    file of up to ``max_bytes``, plus ``framing``: the multipart framing of a screen's form
    by default; an API route that takes the file base64 in JSON registers 4/3 of the file
    with ``framing=0``."""
    _UPLOADS[path] = Rule(re.compile(path), max_bytes + framing)


def rules() -> tuple[Rule, ...]:
    # The registered uploads first: an API upload route is more specific than /api/.*.
    return (*_UPLOADS.values(), Rule(re.compile(r"/api/.*"), API))


def body_limits() -> dict[str, Any]:
    """Keyword arguments for :class:`mnvault.web.bodylimit.BodyLimit` (after the screens'
    modules are imported: their uploads are registered then)."""
    return {
        "rules": rules(),
        "sign_in": SIGN_IN,
        "small": UNAUTHENTICATED,
        "default": FORM,
        "session_cookie": SESSION_COOKIE,
    }

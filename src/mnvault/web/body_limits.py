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


def upload(path: str, max_bytes: int) -> None:
    """Screens whose path matches ``path`` (a regular expression, matched whole) receive
    a file of up to ``max_bytes``; the multipart framing is allowed on top."""
    _UPLOADS[path] = Rule(re.compile(path), max_bytes + UPLOAD_OVERHEAD)


def rules() -> tuple[Rule, ...]:
    return (Rule(re.compile(r"/api/.*"), API), *_UPLOADS.values())


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

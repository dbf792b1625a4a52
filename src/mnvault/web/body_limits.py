"""The app's body limits (mnvault.web.bodylimit): which routes may receive how much.

Uploads get their service's file limit (and the multipart framing); everything else a
form's or the API's. Kept apart from the middleware so that the middleware knows no route.
"""

from __future__ import annotations

import re
from typing import Any

from mnvault.disposal.contractor import MAX_CERTIFICATE_BYTES
from mnvault.policies.api import UPLOAD_MAX_BYTES as POLICY_UPLOAD_MAX
from mnvault.transfer.views import IMPORT_MAX_BYTES
from mnvault.vault.services import DOCUMENT_MAX_BYTES
from mnvault.web.bodylimit import API, FORM, UNAUTHENTICATED, UPLOAD_OVERHEAD, Rule
from mnvault.web.security import SESSION_COOKIE

API_PREFIX = "/api/v1"

# Anyone may send these: the password and the second factor, on the API and the screens.
SIGN_IN = re.compile(rf"{API_PREFIX}/auth/(sign-in|second-factor)|/sign-in(/code)?")

RULES = (
    # An edited 基本方針 or 取扱規程 (Word or PDF), on the API and the screen.
    Rule(re.compile(r"(/api/v1)?/policies/[^/]+/uploads?"), POLICY_UPLOAD_MAX + UPLOAD_OVERHEAD),
    Rule(re.compile(r"/api/.*"), API),
    Rule(re.compile(r"/imports/new"), IMPORT_MAX_BYTES + UPLOAD_OVERHEAD),
    # Two document images, one for the number and one for identity.
    Rule(re.compile(r"/persons/[^/]+/acquire"), 2 * DOCUMENT_MAX_BYTES + UPLOAD_OVERHEAD),
    Rule(re.compile(r"/disposal/contractor"), MAX_CERTIFICATE_BYTES + UPLOAD_OVERHEAD),
)


def body_limits() -> dict[str, Any]:
    """Keyword arguments for :class:`mnvault.web.bodylimit.BodyLimit`."""
    return {
        "rules": RULES,
        "sign_in": SIGN_IN,
        "small": UNAUTHENTICATED,
        "default": FORM,
        "session_cookie": SESSION_COOKIE,
    }

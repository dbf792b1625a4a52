"""What keeps the screens safe in a browser: cookies, CSRF tokens, response headers.

- The session cookie holds the session token (the same sessions as the REST API's bearer
  tokens): ``HttpOnly`` (no script reads it), ``SameSite=Strict`` and ``Secure``. The one
  exception is explicit: an app told that it serves plain HTTP on a loopback address
  (``app.state.cookie_secure = False``, set by ``mnvault serve`` without TLS on 127.0.0.1
  and by the tests) leaves ``Secure`` off, or no browser would send the cookie back.
- Every form carries a CSRF token derived from the session token (HMAC), so it is bound
  to that session and useless in any other; before sign-in a random pre-session cookie
  stands in for the session (so the sign-in form is protected against login CSRF too).
  Every unsafe method is checked (:func:`require_csrf`).
- A form that makes something (a take-out request) also carries a one-time form token
  (:func:`form_token`): a fresh nonce, bound to the session like the CSRF token. The
  service keeps the nonce with what the form made, so the same form sent again (a second
  click, a reload of the POST) answers with that instead of making a second one.
- Every page gets a strict Content-Security-Policy: no inline script or style, scripts
  and styles only from /static, forms only to this origin, no framing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from mnvault.errors import MnvaultError

SESSION_COOKIE = "mnv_session"
PRESESSION_COOKIE = "mnv_pre"
CSRF_FIELD = "csrf_token"
FORM_FIELD = "form_token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
    # Pages may show a number (or a recovery code); none may be kept by a cache or the
    # browser's back-forward history.
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
}


class CsrfRejected(MnvaultError):
    message_ja = "フォームの有効期限が切れたか、不正な送信です。もう一度操作してください"
    message_en = "the form expired or was not sent from this site; please try again"
    status = 403
    kind = "csrf-rejected"


def cookie_secure(request: Request) -> bool:
    return bool(getattr(request.app.state, "cookie_secure", True))


def _binding(request: Request) -> str | None:
    """What a CSRF token is bound to: the session, or before one the pre-session cookie."""
    return request.cookies.get(SESSION_COOKIE) or request.cookies.get(PRESESSION_COOKIE)


def _token_for(binding: str) -> str:
    return hmac.new(binding.encode("utf-8"), b"mnvault csrf v1", hashlib.sha256).hexdigest()


def csrf_token(request: Request) -> str:
    """The token for forms on this page; makes a pre-session binding when there is none."""
    binding = _binding(request) or getattr(request.state, "presession", None)
    if binding is None:
        binding = secrets.token_urlsafe(32)
        request.state.presession = binding  # set as a cookie by :func:`finish`
    return _token_for(binding)


def _form_mac(binding: str, nonce: str) -> str:
    message = f"mnvault form v1 {nonce}".encode()
    return hmac.new(binding.encode("utf-8"), message, hashlib.sha256).hexdigest()[:32]


def form_token(request: Request) -> str:
    """A new one-time token for a form that makes something: ``nonce.mac``."""
    csrf_token(request)  # makes a pre-session binding when there is none
    binding = _binding(request) or request.state.presession
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_form_mac(binding, nonce)}"


def form_nonce(request: Request, sent: str) -> str | None:
    """The nonce of a form token this session was given (None when none was sent);
    a token of another session, or a made-up one, is refused as a CSRF token is."""
    if not sent:
        return None
    nonce, _, mac = sent.partition(".")
    binding = _binding(request)
    if not nonce or binding is None or not hmac.compare_digest(mac, _form_mac(binding, nonce)):
        raise CsrfRejected()
    return nonce


async def require_csrf(request: Request) -> None:
    """Refuse an unsafe request whose form token does not match its session."""
    if request.method not in UNSAFE_METHODS:
        return
    binding = _binding(request)
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    if binding is None or not isinstance(sent, str):
        raise CsrfRejected()
    if not hmac.compare_digest(sent, _token_for(binding)):
        raise CsrfRejected()


def set_cookie(
    request: Request, response: Response, name: str, value: str, **extra: object
) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="strict", secure=cookie_secure(request), path="/",
        **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def set_session(request: Request, response: Response, token: str) -> None:
    set_cookie(request, response, SESSION_COOKIE, token)
    response.delete_cookie(PRESESSION_COOKIE, path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def finish(request: Request, response: Response) -> Response:
    """Headers every page gets, and the pre-session cookie when a form needed one."""
    for name, value in PAGE_HEADERS.items():
        response.headers[name] = value
    presession = getattr(request.state, "presession", None)
    if presession is not None and SESSION_COOKIE not in response.headers.get("set-cookie", ""):
        set_cookie(request, response, PRESESSION_COOKIE, presession)
    return response

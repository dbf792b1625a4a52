"""Request bodies are capped before they are read, as a plain ASGI middleware.

Every route reads its body through ``receive``; this counts what passes and refuses the
request (413) as soon as the count would pass the route's limit, or at the first read
when the declared Content-Length already does. A body sent without Content-Length
(chunked) is cut off the same way. So no request makes the server hold more than its
limit, however much the client sends; the rest is never read (the server closes the
connection after answering).

The limit depends on who may be sending and where:
- Sign-in (password, second factor) and every request that carries no credential at all
  (no bearer token, no session cookie): small. Anyone can send these.
- The REST API: enough for its largest body (a disposal naming 10,000 persons).
- Screens: a form; the three upload forms up to their service's file limit.
A credential is only looked at here, not checked: a forged cookie buys the sender the
screens' limits, which stay bounded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

KIB = 1024
MIB = 1024 * KIB
UNAUTHENTICATED = 16 * KIB
API = 1 * MIB
FORM = 64 * KIB
# Multipart framing and the form's other fields, on top of the files themselves.
UPLOAD_OVERHEAD = 64 * KIB


@dataclass(frozen=True, slots=True)
class Rule:
    """Bodies of requests whose path matches ``path`` may be ``limit`` bytes at most."""

    path: re.Pattern[str]
    limit: int


class BodyTooLarge(HTTPException):
    """413. An HTTPException so that the app's own handlers render it (a problem document
    for the API, an error page for screens) wherever the body happens to be read."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"リクエストの本文が大きすぎます（最大 {limit} バイト） / "
            f"the request body is too large ({limit} bytes at most)",
        )


def _has_credential(scope: Scope, session_cookie: bytes) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return True
        if name == b"cookie" and session_cookie in value:
            return True
    return False


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyLimit:
    """Caps each request body at the limit of the first rule its path matches (``small``
    for sign-in paths and requests without any credential, ``default`` when no rule
    matches)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        rules: Sequence[Rule],
        sign_in: re.Pattern[str],
        small: int = UNAUTHENTICATED,
        default: int = FORM,
        session_cookie: str,
    ) -> None:
        self.app = app
        self.rules = tuple(rules)
        self.sign_in = sign_in
        self.small = small
        self.default = default
        self.session_cookie = f"{session_cookie}=".encode("latin-1")

    def limit_for(self, scope: Scope) -> int:
        path: str = scope.get("path", "")
        if self.sign_in.fullmatch(path) or not _has_credential(scope, self.session_cookie):
            return self.small
        for rule in self.rules:
            if rule.path.fullmatch(path):
                return rule.limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope)
        declared = _declared_length(scope)
        received = 0
        started = False

        async def capped_receive() -> Message:
            nonlocal received
            if declared is not None and declared > limit:
                raise BodyTooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, capped_receive, watched_send)
        except BodyTooLarge as exc:
            # Read outside a route (nothing rendered it): answer here if we still can.
            if started:
                raise
            body = str(exc.detail).encode("utf-8")
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode("ascii")),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})

"""Every response's security headers and request id, as a plain ASGI middleware.

Why not ``@app.middleware("http")``: Starlette's BaseHTTPMiddleware runs the app in a
task group of its own and relays the request body and the response through memory
streams, which cost more CPU per request than a number read's authorization
(benchmarks/http_read.py). This one only rewrites the ``http.response.start`` message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Served over TLS (mnvault serve --certfile): browsers then refuse plain HTTP to this
# host for a year (RFC 6797), so a cookie never travels bare.
HSTS = (b"strict-transport-security", b"max-age=31536000")


class SecurityHeaders:
    """Adds ``headers`` where the response has not set them, HSTS over https, and
    ``X-Request-Id``; puts a fresh request id in ``request.state`` before the app runs."""

    def __init__(
        self, app: ASGIApp, *, headers: Mapping[str, str], new_request_id: Callable[[], str]
    ) -> None:
        self.app = app
        self.new_request_id = new_request_id
        self.defaults = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = self.new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        extra = [*self.defaults, HSTS] if scope.get("scheme") == "https" else self.defaults
        id_header = (b"x-request-id", request_id.encode("latin-1"))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                raw = list(message.get("headers", ()))
                present = {name.lower() for name, _ in raw}
                raw = [(n, v) for n, v in raw if n.lower() != b"x-request-id"]
                raw.extend(pair for pair in extra if pair[0] not in present)
                raw.append(id_header)
                message = {**message, "headers": raw}
            await send(message)

        await self.app(scope, receive, send_with_headers)

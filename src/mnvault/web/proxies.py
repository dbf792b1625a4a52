"""The client's address: the TCP peer, or what a proxy the operator trusts says it is.

Why not uvicorn's ProxyHeadersMiddleware: by default it believes ``X-Forwarded-For``
from any loopback peer, so a process on the same host (or a local proxy that passes the
client's header on) chooses the address the handling-area condition checks and the
trail records; and it takes any text there for an address. Here no peer is trusted
unless the operator names it (``MNVAULT_TRUSTED_PROXIES`` / ``serve --trusted-proxy``),
and what a trusted proxy forwards must be an IP address, or the request is refused
without the value reaching the trail or a log. ``mnvault serve`` turns uvicorn's own
handling off (cli/setup.py), so this is the one place that decides.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterable, Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class BadProxySetting(ValueError):
    """A trusted-proxy entry that is not an address or a CIDR range."""

    def __init__(self) -> None:
        super().__init__(
            "信頼するプロキシはIPアドレスかCIDR形式で指定してください / "
            "trusted proxies must be IP addresses or CIDR ranges"
        )


def trusted_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """The operator's trusted proxies as networks; an unreadable entry stops start-up."""
    networks: list[Network] = []
    for entry in entries:
        if not entry.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise BadProxySetting() from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, networks: Sequence[Network]
) -> bool:
    return address is not None and any(address in network for network in networks)


def forwarded_client(hops: Sequence[str], networks: Sequence[Network]) -> str | None:
    """The client named by ``X-Forwarded-For`` hops (leftmost first), or ``None`` when a
    hop is not an address. Read from the right, each trusted proxy appending the peer it
    saw: the first hop that is not a trusted proxy is the client (anything left of it was
    written by the client and proves nothing)."""
    parsed = [_address(hop) for hop in hops]
    if not parsed or any(hop is None for hop in parsed):
        return None
    for hop in reversed(parsed):
        if not _trusted(hop, networks):
            return str(hop)
    return str(parsed[0])  # every hop a trusted proxy: the leftmost is the farthest


_REFUSAL = json.dumps(
    {
        "type": "urn:mnvault:problem:bad-forwarded-for",
        "title": "X-Forwarded-For must list IP addresses",
        "title_ja": "X-Forwarded-For にはIPアドレスを指定してください",
        "status": 400,
    },
    ensure_ascii=False,
).encode("utf-8")


class ClientAddress:
    """Sets ``scope["client"]`` (and ``scope["scheme"]``) from ``X-Forwarded-For`` (and
    ``X-Forwarded-Proto``) only when the TCP peer is one of ``trusted``; otherwise the
    headers are ignored and the peer is the client."""

    def __init__(self, app: ASGIApp, *, trusted: Sequence[Network] = ()) -> None:
        self.app = app
        self.networks = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.networks:
            await self.app(scope, receive, send)
            return
        peer = scope.get("client")
        if not peer or not _trusted(_address(str(peer[0])), self.networks):
            await self.app(scope, receive, send)
            return
        hops: list[str] = []
        proto: str | None = None
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                hops.extend(value.decode("latin-1").split(","))
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1").strip().lower()
        if hops:
            client = forwarded_client(hops, self.networks)
            if client is None:
                await _refuse(send)
                return
            scope["client"] = (client, 0)
        if proto in ("http", "https"):
            scope["scheme"] = proto
        await self.app(scope, receive, send)


async def _refuse(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 400,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"cache-control", b"no-store"),
                (b"content-length", str(len(_REFUSAL)).encode("latin-1")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": _REFUSAL})

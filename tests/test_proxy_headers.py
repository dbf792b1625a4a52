"""Issue #11, "Keys and networks in a running server" (proxy headers): the handling-area
condition checks the address the trail records, and that address is chosen by no one
but the TCP peer unless the operator names a trusted proxy. Run through the real server
as ``mnvault serve`` configures it (cli/server.py), so uvicorn's defaults are covered."""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from mnvault.access import services as access
from mnvault.audit.models import AuditEntry
from mnvault.cli.server import server_config
from mnvault.numbers import generate_my_number
from mnvault.web.proxies import ClientAddress, forwarded_client, trusted_networks
from tests.api_support import SLIP, Api, acquire, api, bearer
from tests.conftest import MaskedStr

__all__ = ["api"]

INSIDE = "10.20.30.40"  # inside the handling area below; the test host is not


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The app behind uvicorn configured exactly as ``mnvault serve`` does."""
    config = server_config(app, host="127.0.0.1", port=_free_port())
    config.lifespan = "off"  # the test owns the vault; closing it is the fixture's job
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def _handling_area(api: Api) -> tuple[str, str]:
    """A clerk's session and a person with a number; then the area becomes 10.0.0.0/8."""
    token = api.full_session("clerk")
    person = acquire(api, token, "P1", MaskedStr(generate_my_number(random.Random(71))))
    with api.vault.transaction() as session:
        access.set_conditions(session, api.admin_context(), networks=["10.0.0.0/8"])
    return token, person


def _entries(api: Api) -> list[AuditEntry]:
    with api.vault.transaction() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_a_local_process_cannot_pick_the_address_the_handling_area_checks(api: Api):
    token, person = _handling_area(api)
    with served(api.app) as base:
        read = httpx.post(
            f"{base}/api/v1/persons/{person}/number/read",
            headers={**bearer(token), "X-Forwarded-For": INSIDE},
            json={"affair": SLIP},
        )
    assert read.status_code == 403, read.text
    assert "my_number" not in read.text
    last = _entries(api)[-1]
    assert (last.action, last.client_address) == ("access:denied", "127.0.0.1")
    assert last.details is not None and "handling area" in str(last.details)
    assert all(e.client_address != INSIDE for e in _entries(api))


def test_the_serve_config_leaves_proxy_headers_to_mnvault(api: Api):
    config = server_config(api.app, host="127.0.0.1", port=_free_port())
    assert config.proxy_headers is False
    config.load()
    assert type(config.loaded_app).__name__ != "ProxyHeadersMiddleware"


@contextmanager
def behind_proxy(api: Api, trusted: list[str]) -> Iterator[TestClient]:
    """The app as a trusted proxy at 127.0.0.1 reaches it."""
    app = ClientAddress(api.app, trusted=trusted_networks(trusted))
    with TestClient(app, client=("127.0.0.1", 40000)) as client:  # type: ignore[arg-type]
        yield client


def test_a_configured_proxy_names_the_client_and_that_address_is_checked_and_recorded(api: Api):
    token, person = _handling_area(api)
    path = f"/api/v1/persons/{person}/number/read"
    with behind_proxy(api, ["127.0.0.1/32"]) as proxy:
        inside = proxy.post(
            path, headers={**bearer(token), "X-Forwarded-For": f"203.0.113.9, {INSIDE}"},
            json={"affair": SLIP},
        )  # fmt: skip
        assert inside.status_code == 200, inside.text
        assert _entries(api)[-1].client_address == INSIDE
        outside = proxy.post(
            path, headers={**bearer(token), "X-Forwarded-For": "198.51.100.7"},
            json={"affair": SLIP},
        )  # fmt: skip
        assert outside.status_code == 403
        assert _entries(api)[-1].client_address == "198.51.100.7"


def test_a_forwarded_value_that_is_not_an_address_never_reaches_the_trail_or_a_log(
    api: Api, caplog: pytest.LogCaptureFixture
):
    token, person = _handling_area(api)
    typed = MaskedStr(generate_my_number(random.Random(72)))  # a number typed in the header
    before = len(_entries(api))
    caplog.set_level(logging.DEBUG)
    with behind_proxy(api, ["127.0.0.1"]) as proxy:
        for value in (typed, f"{INSIDE}, {typed}", "not-an-address", ""):
            refused = proxy.post(
                f"/api/v1/persons/{person}/number/read",
                headers={**bearer(token), "X-Forwarded-For": value}, json={"affair": SLIP},
            )  # fmt: skip
            assert refused.status_code == 400, value
            assert refused.headers["content-type"] == "application/problem+json"
            assert typed not in refused.text
    entries = _entries(api)
    assert len(entries) == before  # refused before anything was resolved or recorded
    assert all(typed not in repr(e.details) and e.client_address != typed for e in entries)
    assert typed not in caplog.text


def test_the_rightmost_untrusted_hop_is_the_client():
    networks = trusted_networks(["10.0.0.0/8", "192.0.2.1"])
    assert forwarded_client(["198.51.100.1", "10.0.0.5"], networks) == "198.51.100.1"
    # What the client wrote left of the hop our proxy saw proves nothing.
    assert forwarded_client(["10.1.1.1", "198.51.100.1", "192.0.2.1"], networks) == "198.51.100.1"
    assert forwarded_client([" 2001:db8::1 "], networks) == "2001:db8::1"
    assert forwarded_client(["198.51.100.1", "999.1.1.1"], networks) is None
    with pytest.raises(ValueError, match="CIDR"):
        trusted_networks(["not-a-proxy"])

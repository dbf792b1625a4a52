"""Request bodies are capped before they are read (issue #11, "Oracles and limits"):
sign-in, the API and uploads each have a limit, requests without a credential a small one,
and three concurrent 100 MB bodies do not grow a real server's memory (psutil RSS,
compared between two states of the server: warmed up and idle, and after the three
requests have been answered or cut off).

Set MNVAULT_TEST_PORT to run the server on a given port (otherwise a free one).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest
from fastapi.testclient import TestClient

from mnvault.web.bodylimit import API, UNAUTHENTICATED
from tests.api_support import Api, api

__all__ = ["api"]  # the fixture, imported so that pytest finds it here

HUNDRED_MB = 100 * 1024 * 1024
CHUNK = 1024 * 1024


def test_sign_in_refuses_a_large_body_before_reading_it(api: Api) -> None:
    """A sign-in body over the small limit is a 413 problem, bilingual."""
    client: TestClient = api.client
    big = b'{"login": "' + b"a" * (UNAUTHENTICATED + 1) + b'", "password": "x"}'
    response = client.post(
        "/api/v1/auth/sign-in", content=big, headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "大きすぎます" in response.text and "too large" in response.text


def test_api_limits_depend_on_a_credential(api: Api) -> None:
    """No credential: the small limit; a bearer token: the API's (a body over it is 413,
    one under it reaches the route)."""
    middle = b"[" + b" " * (UNAUTHENTICATED * 2) + b"]"
    headers = {"content-type": "application/json"}
    assert api.client.post("/api/v1/persons", content=middle, headers=headers).status_code == 413
    forged = {**headers, "authorization": "Bearer mnv_forged"}
    reached = api.client.post("/api/v1/persons", content=middle, headers=forged)
    assert reached.status_code in (401, 422)  # the route's own answer, not a 413
    huge = b"[" + b" " * API + b"]"
    assert api.client.post("/api/v1/persons", content=huge, headers=forged).status_code == 413


def _free_port() -> int:
    wanted = os.environ.get("MNVAULT_TEST_PORT")
    if wanted:
        return int(wanted)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[int, psutil.Process]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MNVAULT_")}
    process = subprocess.Popen(
        [sys.executable, "-m", "mnvault.cli.main", "serve", "--data-dir",
         str(tmp_path / "d"), "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        for _ in range(600):  # waiting for a state (the server answers), not for a time
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        yield port, psutil.Process(process.pid)
    finally:
        process.terminate()
        process.wait()


def _send(port: int, path: str, headers: list[str], chunked: bool, size: int) -> tuple[int, str]:
    """Send ``size`` bytes of body (chunked or with Content-Length) until the server stops
    taking them; (bytes sent, the status line or what ended the exchange)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(120)  # a guard against a hang only; nothing is timed
        framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}"
        head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", framing, *headers, "", ""]
        sock.sendall("\r\n".join(head).encode("latin-1"))
        piece = b"a" * CHUNK
        try:
            while sent < size:
                data = f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece
                sock.sendall(data)
                sent += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError as exc:
            return sent, type(exc).__name__
        try:
            status = sock.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
        except OSError as exc:
            return sent, type(exc).__name__
        return sent, status


def _warm(port: int, targets: list[tuple[str, list[str], bool]]) -> None:
    """Every path once with a small body and once with one over its limit, so that the
    baseline already includes whatever a first request allocates."""
    for path, headers, chunked in targets:
        for size in (CHUNK, 8 * CHUNK):
            _send(port, path, headers, chunked, size)


def test_three_concurrent_100_mb_bodies_do_not_grow_the_server(
    server: tuple[int, psutil.Process],
) -> None:
    """Issue #11: three concurrent 100 MB bodies (chunked, and with Content-Length) to
    sign-in, the API and an upload form leave the server's RSS where it was."""
    port, process = server
    targets = [
        ("/api/v1/auth/sign-in", ["Content-Type: application/json"], True),
        (
            "/api/v1/persons",
            ["Content-Type: application/json", "Authorization: Bearer mnv_forged"],
            True,
        ),
        (
            "/imports/new",
            ["Content-Type: multipart/form-data; boundary=x", "Cookie: mnv_session=forged"],
            False,
        ),
    ]
    _warm(port, targets)
    before = process.memory_info().rss
    results: list[tuple[int, str]] = []
    threads = [
        threading.Thread(target=lambda t=target: results.append(_send(port, *t, size=HUNDRED_MB)))
        for target in targets
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = process.memory_info().rss
    assert len(results) == 3
    for sent, outcome in results:
        # Refused (413, or the upload form's own 422 "too large" when its Content-Length
        # says so before the form is read), or cut off before the whole body went.
        refused = outcome.startswith(("HTTP/1.1 413 ", "HTTP/1.1 422 "))
        assert refused or (sent < HUNDRED_MB and not outcome.startswith("HTTP/")), (sent, outcome)
    grown = after - before
    assert grown < 32 * 1024 * 1024, f"RSS grew by {grown // (1024 * 1024)} MB"

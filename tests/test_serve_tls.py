"""`mnvault serve` with a certificate serves HTTPS, and says so; without one it warns."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization  # noqa: TID251 - a test certificate
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: TID251 - a test certificate
from cryptography.x509.oid import NameOID


def self_signed(directory: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_with_a_certificate_speaks_https(tmp_path: Path):
    cert, key = self_signed(tmp_path)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MNVAULT_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "mnvault.cli.main", "serve", "--data-dir", str(tmp_path / "d"),
         "--port", str(port), "--certfile", str(cert), "--keyfile", str(key)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        body = None
        trust = ssl.create_default_context(cafile=str(cert))
        # Until it answers or exits, however long a first start (keyring, schema) takes
        # on a loaded machine: a state waited for, not a time budget (issue #12).
        while body is None and server.poll() is None:
            try:
                body = httpx.get(f"https://127.0.0.1:{port}/health", verify=trust).json()
            except httpx.TransportError:
                time.sleep(0.1)
        assert body is not None, "the server did not answer over HTTPS"
        assert body["keyring"] == "unsealed"
        try:
            httpx.get(f"http://127.0.0.1:{port}/health", timeout=2)
            plain_answered = True
        except httpx.TransportError:
            plain_answered = False
        assert not plain_answered
    finally:
        server.terminate()
        out, err = server.communicate(timeout=30)
    assert f"https://127.0.0.1:{port}/" in out
    assert "plain HTTP" not in err

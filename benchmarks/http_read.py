"""An authorized number read over HTTP against a bare endpoint of the same app and server.

    uv run python benchmarks/http_read.py [--seconds 10] [--connections 64]

Starts uvicorn on loopback with a fresh deployment, signs a clerk in (password + TOTP)
over HTTP, then drives both endpoints with wrk (Debian package ``wrk``) at the same
concurrency, one after the other:
- bare: ``GET /api/v1/ping`` (no authentication, no database);
- read: ``POST /api/v1/persons/{id}/number/read`` — session lookup, authorize(), the
  audit entry committed (fsync) before the answer, unwrap and decrypt.
Prints one JSON line with both and their ratios. Targets (DESIGN.md §11): read at least
40 % of the bare requests/s, read p99 at most 2x the bare p99.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

import httpx

from _common import emit, log, machine
from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Role, User
from mnvault.affairs.services import get_affair
from mnvault.config import load_settings
from mnvault.crypto import ScryptParams
from mnvault.crypto.totp import totp_code
from mnvault.db.base import utcnow
from mnvault.deployment import services as deployment
from mnvault.numbers import generate_my_number
from mnvault.orgs.models import OrganisationKind
from mnvault.vault import services as vs
from mnvault.vault.models import IdentityCheckDocument, NumberCheckDocument, PersonKind

PASSWORD = "benchmark clerk password"
AFFAIR = "withholding_slip"
TARGETS = {"min_rps_ratio": 0.40, "max_p99_ratio": 2.0}


def prepare(data: Path) -> str:
    """A deployment with one clerk and one person holding a number; returns the person id."""
    settings = load_settings(data, env={"MNVAULT_PASSPHRASE": "bench"})
    init = deployment.initialise(
        settings, organisation_name="Bench", organisation_kind=OrganisationKind.COMPANY,
        passphrase="bench", scrypt=ScryptParams.fast_for_tests(),
    )  # fmt: skip
    vault = deployment.open_vault(settings, "bench")
    try:
        with vault.transaction() as session:
            admin = session.query(User).filter(User.login == "admin").one()
            admin_ctx = Context(actor_id=admin.id, organisation_id=init.organisation_id)
            clerk = access.create_user(
                session, None, login="clerk", display_name="clerk", password=PASSWORD
            )
            access.grant_role(
                session, None, user=clerk, organisation_id=init.organisation_id, role=Role.CLERK
            )
            access.assign(
                session,
                admin_ctx,
                user=clerk,
                affair=get_affair(session, init.organisation_id, AFFAIR),
            )
            ctx = Context(actor_id=clerk.id, organisation_id=init.organisation_id)
            person = vs.create_person(
                session, ctx, kind=PersonKind.EMPLOYEE, external_ref="B1", name="試験"
            )
            vs.acquire(
                session, vault.envelope, ctx, person_id=person.id,
                number=generate_my_number(random.Random(1)),
                verification=vs.IdentityVerification(
                    NumberCheckDocument.MY_NUMBER_CARD, IdentityCheckDocument.MY_NUMBER_CARD,
                    clerk.id, utcnow()),
                affair_codes=[AFFAIR],
            )  # fmt: skip
            return str(person.id)
    finally:
        vault.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sign_in(base: str) -> str:
    with httpx.Client(base_url=base) as client:
        token = client.post(
            "/api/v1/auth/sign-in", json={"login": "clerk", "password": PASSWORD}
        ).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        uri = client.post("/api/v1/auth/totp/enrol", headers=auth).json()["otpauth_uri"]
        secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
        raw = base64.b32decode(secret + "=" * (-len(secret) % 8))
        confirmed = client.post(
            "/api/v1/auth/totp/confirm", headers=auth, json={"code": totp_code(raw, time.time())}
        )
        confirmed.raise_for_status()
        return str(token)


def wrk(url: str, seconds: int, connections: int, script: Path | None) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if script:
        command[1:1] = ["-s", str(script)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    log(out)

    def millis(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)", out, re.M)
        if not match:
            raise SystemExit(f"wrk printed no {label}th percentile")
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": millis("50"),
        "p99_ms": millis("99"),
        "non_2xx": int(errors.group(1)) if errors else 0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        emit({"benchmark": "http_read", "skipped": "wrk not installed (apt-get install wrk)"})
        return
    with tempfile.TemporaryDirectory(prefix="mnvault-http-") as tmp:
        data = Path(tmp) / "data"
        person_id = prepare(data)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "MNVAULT_DATA_DIR": str(data), "MNVAULT_PASSPHRASE": "bench",
               "MNVAULT_LOG_LEVEL": "WARNING"}  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "mnvault.app:from_environment",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
             "--no-access-log"],
            env=env,
        )  # fmt: skip
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/health").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            token = sign_in(base)
            script = Path(tmp) / "read.lua"
            script.write_text(
                'wrk.method = "POST"\n'
                f"wrk.body = {json.dumps(json.dumps({'affair': AFFAIR}))}\n"
                'wrk.headers["Content-Type"] = "application/json"\n'
                f'wrk.headers["Authorization"] = "Bearer {token}"\n',
                encoding="utf-8",
            )
            log("bare endpoint")
            bare = wrk(f"{base}/api/v1/ping", args.seconds, args.connections, None)
            log("authorized number read")
            read = wrk(f"{base}/api/v1/persons/{person_id}/number/read", args.seconds,
                       args.connections, script)  # fmt: skip
        finally:
            server.terminate()
            server.wait(timeout=30)
    result: dict[str, Any] = {
        "benchmark": "http_read",
        "connections": args.connections,
        "seconds_each": args.seconds,
        "read": read,
        "baseline_bare": bare,
        "rps_ratio": round(read["rps"] / bare["rps"], 3),
        "p99_ratio": round(read["p99_ms"] / bare["p99_ms"], 2),
        "targets": TARGETS,
        "server": "uvicorn, 1 process",
        **machine(),
    }
    emit(result)


if __name__ == "__main__":
    main()

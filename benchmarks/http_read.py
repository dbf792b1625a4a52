"""An authorized number read over HTTP against a bare endpoint of the same app and server.

    uv run python benchmarks/http_read.py [--seconds 10] [--connections 64] [--workers 1]
        [--database-url postgresql://user:pw@host/db]

Starts uvicorn on loopback with a fresh deployment, signs a clerk in (password + TOTP)
over HTTP, then drives both endpoints with wrk (Debian package ``wrk``) at the same
concurrency, one after the other:
- bare: ``GET /api/v1/ping`` (no authentication, no database);
- read: ``POST /api/v1/persons/{id}/number/read`` — session lookup, authorize(), the
  audit entry committed (fsync) before the answer, unwrap and decrypt.
Prints one JSON line with both and their ratios, and the server's CPU time per request
of each (steadier than requests/s when other work shares the machine). With
``--database-url`` the deployment lives in a fresh schema of that PostgreSQL database,
dropped afterwards. Targets (DESIGN.md §11): read at least 40 % of the bare requests/s,
read p99 at most 2x the bare p99.
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
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
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
ORGANISATION_CODE = "bench"
TARGETS = {"min_rps_ratio": 0.40, "max_p99_ratio": 2.0}


def prepare(data: Path, database_url: str | None = None) -> str:
    """A deployment with one clerk and one person holding a number; returns the person id."""
    env = {"MNVAULT_PASSPHRASE": "bench"}
    if database_url:
        env["MNVAULT_DATABASE_URL"] = database_url
    settings = load_settings(data, env=env)
    init = deployment.initialise(
        settings, organisation_name="Bench", organisation_kind=OrganisationKind.COMPANY,
        organisation_code=ORGANISATION_CODE, passphrase="bench",
        scrypt=ScryptParams.fast_for_tests(),
    )  # fmt: skip
    vault = deployment.open_vault(settings, "bench")
    try:
        with vault.transaction() as session:
            admin = session.query(User).filter(User.login == "admin").one()
            admin_ctx = Context(actor_id=admin.id, organisation_id=init.organisation_id)
            clerk = access.create_user(
                session,
                None,
                home_organisation_id=init.organisation_id,
                login="clerk",
                display_name="clerk",
                password=PASSWORD,
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


@contextmanager
def postgresql_schema(url: str) -> Iterator[str]:
    """A schema of its own on the given PostgreSQL database, dropped afterwards; yields
    the URL that puts the deployment in it."""
    from sqlalchemy import create_engine, text  # noqa: PLC0415 - only this option needs it

    schema = f"http_read_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        separator = "&" if "?" in url else "?"
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def server_cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of the server and its worker processes so far; None
    where /proc is missing. Per request it is steadier than requests/s on a shared
    machine, where other work takes CPU from both the server and wrk."""
    proc = Path("/proc")
    if not (proc / str(pid)).exists():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    tree, total = {pid}, 0.0
    for child, (parent, _) in sorted(stats.items()):
        if parent in tree:
            tree.add(child)
    for member in tree:
        total += stats.get(member, (0, 0.0))[1]
    return total


def measured(
    server: subprocess.Popen[bytes], url: str, args: argparse.Namespace, script: Path | None
) -> dict[str, float]:
    before = server_cpu_seconds(server.pid)
    result = wrk(url, args.seconds, args.connections, script)
    after = server_cpu_seconds(server.pid)
    if before is not None and after is not None and result["rps"]:
        requests = result["rps"] * args.seconds
        result["server_cpu_ms_per_request"] = round((after - before) * 1000 / requests, 3)
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sign_in(base: str) -> str:
    with httpx.Client(base_url=base) as client:
        credentials = {"organisation_code": ORGANISATION_CODE, "login": "clerk",
                       "password": PASSWORD}  # fmt: skip
        token = client.post("/api/v1/auth/sign-in", json=credentials).json()["token"]
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
    command = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        url,
    ]
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


def run(
    tmp: Path, database_url: str | None, args: argparse.Namespace
) -> tuple[dict[str, float], dict[str, float]]:
    """Start the server on a prepared deployment; drive the bare endpoint, then the read."""
    data = tmp / "data"
    person_id = prepare(data, database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MNVAULT_DATA_DIR": str(data), "MNVAULT_PASSPHRASE": "bench",
           "MNVAULT_LOG_LEVEL": "WARNING"}  # fmt: skip
    if database_url:
        env["MNVAULT_DATABASE_URL"] = database_url
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "mnvault.app:from_environment",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
         "--no-access-log", "--workers", str(args.workers)],
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
        script = tmp / "read.lua"
        script.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(json.dumps({'affair': AFFAIR}))}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
            f'wrk.headers["Authorization"] = "Bearer {token}"\n',
            encoding="utf-8",
        )
        log("bare endpoint")
        bare = measured(server, f"{base}/api/v1/ping", args, None)
        log("authorized number read")
        read = measured(server, f"{base}/api/v1/persons/{person_id}/number/read", args, script)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return bare, read


def cpu_ratio(read: dict[str, float], bare: dict[str, float]) -> dict[str, float]:
    key = "server_cpu_ms_per_request"
    if key not in read or key not in bare or not bare[key]:
        return {}
    return {"server_cpu_ratio": round(read[key] / bare[key], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL URL (postgresql://…): run against a fresh schema there, not SQLite",
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        emit({"benchmark": "http_read", "skipped": "wrk not installed (apt-get install wrk)"})
        return
    with ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="mnvault-http-"))
        database_url = (
            stack.enter_context(postgresql_schema(args.database_url)) if args.database_url else None
        )
        bare, read = run(Path(tmp), database_url, args)
    result: dict[str, Any] = {
        "benchmark": "http_read",
        "connections": args.connections,
        "seconds_each": args.seconds,
        "read": read,
        "baseline_bare": bare,
        "rps_ratio": round(read["rps"] / bare["rps"], 3),
        "p99_ratio": round(read["p99_ms"] / bare["p99_ms"], 2),
        "targets": TARGETS,
        **cpu_ratio(read, bare),
        "database": "postgresql" if args.database_url else "sqlite",
        "server": f"uvicorn, {args.workers} process{'es' if args.workers > 1 else ''}",
        **machine(),
    }
    emit(result)


if __name__ == "__main__":
    main()

"""mnvault seal / mnvault unseal: talk to a running server (as `vault operator unseal`).

The server runs sealed until unsealed (it holds no key; DESIGN.md §4); sealing drops the
keys from its memory without a restart. The passphrase travels only in the request body,
and only over TLS or to a loopback address.
"""

from __future__ import annotations

import ipaddress
import json
import ssl
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Annotated, Any

import typer

from mnvault.cli.common import DataDir, _prompt_passphrase, fail
from mnvault.config import load_settings, read_environment, secret
from mnvault.deployment import services as deployment
from mnvault.deployment.errors import NoPassphrase

DEFAULT_SERVER = "http://127.0.0.1:8600"
Server = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="稼働中のサーバー / the running server "
        f"(env MNVAULT_SERVER; default {DEFAULT_SERVER})",
    ),
]  # fmt: skip
CaFile = Annotated[
    Path | None,
    typer.Option("--cafile", help="サーバー証明書のCA (PEM) / CA of the server's certificate"),
]


def unseal(server: Server = None, data_dir: DataDir = None, cafile: CaFile = None) -> None:
    """稼働中のサーバーをアンシール（パスフレーズ）/ unseal a running server (passphrase)."""
    answer = _post(_server(server), "/api/v1/unseal", {"passphrase": _passphrase(data_dir)}, cafile)
    if answer.get("changed"):
        typer.echo("アンシールしました / unsealed")
    else:
        typer.echo("既にアンシールされています / already unsealed")


def seal(
    server: Server = None,
    data_dir: DataDir = None,
    cafile: CaFile = None,
    token: Annotated[
        str | None,
        typer.Option(
            help="管理者・責任者のセッショントークン（省略時はパスフレーズ）/ an admin's or "
            "manager's session token (default: the passphrase) (env MNVAULT_TOKEN)",
        ),
    ] = None,
) -> None:
    """稼働中のサーバーを封印（鍵をメモリから消去）/ seal a running server (keys dropped)."""
    server, token = _server(server), token or secret(read_environment().token)
    if token:
        answer = _post(server, "/api/v1/seal", {}, cafile, token=token)
    else:
        answer = _post(server, "/api/v1/seal", {"passphrase": _passphrase(data_dir)}, cafile)
    if answer.get("changed"):
        typer.echo("封印しました / sealed")
    else:
        typer.echo("既に封印されています / already sealed")


def _server(given: str | None) -> str:
    return given or read_environment().server or DEFAULT_SERVER


def _passphrase(data_dir: Path | None) -> str:
    passphrase = deployment.resolve_passphrase(load_settings(data_dir), _prompt_passphrase)
    if not passphrase:
        fail(str(NoPassphrase()))
    return passphrase


def _post(
    server: str, path: str, body: dict[str, Any], cafile: Path | None, *, token: str | None = None
) -> dict[str, Any]:
    parsed = urllib.parse.urlsplit(server)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        fail(f"サーバーのURLが不正です / not a server URL: {server}")
    if parsed.scheme == "http" and not _is_loopback(parsed.hostname):
        fail(
            "パスフレーズやトークンを平文HTTPで送れません（https:// を使ってください）/ "
            "refusing to send a passphrase or token over plain HTTP beyond loopback (use https://)"
        )
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
        server.rstrip("/") + path, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    context = ssl.create_default_context(cafile=str(cafile) if cafile else None)
    try:
        with urllib.request.urlopen(request, timeout=120, context=context) as response:  # noqa: S310
            return dict(json.loads(response.read()))
    except urllib.error.HTTPError as exc:
        try:
            problem = json.loads(exc.read())
            detail = problem.get("detail") or problem.get("title") or ""
        except ValueError:
            detail = ""
        fail(f"{exc.code}: {detail}")
    except (urllib.error.URLError, OSError) as exc:
        fail(f"サーバーに接続できません / cannot reach the server {server}: {exc}")


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

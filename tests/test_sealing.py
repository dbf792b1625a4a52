"""Seal and unseal a running server without a restart (issue #11, "Correct answers":
"A running server can be sealed and unsealed without a restart (`mnvault unseal`, as
HashiCorp Vault does), audited").

DESIGN.md §4: the server holds no key until unsealed; sealing drops the keys from
memory; number operations are refused while sealed; /health answers throughout. Who may:
unsealing takes the passphrase (nobody can sign in while sealed); sealing takes the
passphrase or a signed-in administrator or manager.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mnvault.app import create_app
from mnvault.audit.models import AuditEntry
from mnvault.config import load_settings
from mnvault.crypto import ScryptParams
from mnvault.deployment import services as deployment
from mnvault.numbers import generate_my_numbers
from mnvault.orgs.models import OrganisationKind
from tests.api_support import PASSPHRASE, SLIP, Api, acquire, api, bearer
from tests.cli_support import mnvault

__all__ = ["api"]  # the fixture, imported so that pytest uses it here

PORT = 8103  # this worktree's port (COMMON.md)


def read(api: Api, token: str, person_id: str) -> int:
    return api.client.post(
        f"/api/v1/persons/{person_id}/number/read", headers=bearer(token), json={"affair": SLIP}
    ).status_code


def keyring_entries(api: Api) -> list[tuple[str, str, dict[str, object]]]:
    with api.vault.transaction() as session:
        return [
            (e.action, e.outcome, dict(e.details or {}))
            for e in session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.in_(["keyring:seal", "keyring:unseal"]))
                .order_by(AuditEntry.seq)
            )
        ]


def test_seal_and_unseal_with_the_passphrase_at_run_time(api: Api) -> None:
    token = api.full_session("clerk")
    person = acquire(api, token, "S1", next(generate_my_numbers(1, seed=41)))
    assert read(api, token, person) == 200

    sealed = api.client.post("/api/v1/seal", json={"passphrase": PASSPHRASE})
    assert sealed.json() == {"sealed": True, "changed": True}
    assert api.vault.keyring.sealed and api.vault.keyring._secrets is None
    assert read(api, token, person) == 503
    health = api.client.get("/health").json()
    assert health["keyring"] == "sealed" and health["status"] == "degraded"

    wrong = api.client.post("/api/v1/unseal", json={"passphrase": "not it"})
    assert wrong.status_code == 403
    assert api.vault.keyring.sealed
    unsealed = api.client.post("/api/v1/unseal", json={"passphrase": PASSPHRASE})
    assert unsealed.json() == {"sealed": False, "changed": True}
    assert read(api, token, person) == 200  # the same session, no restart
    assert api.client.get("/health").json()["status"] == "ok"
    again = api.client.post("/api/v1/unseal", json={"passphrase": PASSPHRASE})
    assert again.json() == {"sealed": False, "changed": False}

    entries = keyring_entries(api)
    assert [(a, o) for a, o, _ in entries] == [
        ("keyring:seal", "ok"),
        ("keyring:unseal", "denied"),
        ("keyring:unseal", "ok"),
    ]
    assert PASSPHRASE not in json.dumps([d for _, _, d in entries], ensure_ascii=False)


def test_a_wrong_passphrase_does_not_seal(api: Api) -> None:
    refused = api.client.post("/api/v1/seal", json={"passphrase": "not it"})
    assert refused.status_code == 403
    assert not api.vault.keyring.sealed
    assert [(a, o) for a, o, _ in keyring_entries(api)] == [("keyring:seal", "denied")]


@pytest.mark.parametrize(("login", "allowed"), [
    ("admin", True), ("manager", True), ("clerk", False), ("auditor", False),
])  # fmt: skip
def test_who_may_seal_when_signed_in(api: Api, login: str, allowed: bool) -> None:
    token = api.full_session(login)
    answer = api.client.post("/api/v1/seal", headers=bearer(token))
    assert answer.status_code == (200 if allowed else 403), answer.text
    assert api.vault.keyring.sealed is allowed
    if allowed:
        entries = keyring_entries(api)
        assert [(a, o) for a, o, _ in entries] == [("keyring:seal", "ok")]


def test_a_server_started_without_its_passphrase_is_unsealed_at_run_time(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "data", env={})
    deployment.initialise(
        settings, organisation_name="試験", organisation_kind=OrganisationKind.COMPANY,
        passphrase=PASSPHRASE, scrypt=ScryptParams.fast_for_tests(),
    )  # fmt: skip
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").json()["keyring"] == "sealed"
        assert client.post("/api/v1/unseal", json={"passphrase": PASSPHRASE}).status_code == 200
        assert client.get("/health").json() | {"version": ""} == {
            "status": "ok", "version": "", "keyring": "unsealed", "database": "ok",
        }  # fmt: skip


def _health(client: httpx.Client) -> dict[str, object] | None:
    try:
        return dict(client.get(f"http://127.0.0.1:{PORT}/health", timeout=5).json())
    except httpx.TransportError:
        return None


def test_mnvault_unseal_and_seal_talk_to_the_running_server(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = load_settings(data, env={})
    deployment.initialise(
        settings, organisation_name="試験", organisation_kind=OrganisationKind.COMPANY,
        passphrase=PASSPHRASE, scrypt=ScryptParams.fast_for_tests(),
    )  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("MNVAULT_")}
    env["MNVAULT_DATA_DIR"] = str(data)
    server = subprocess.Popen(  # started without its passphrase: sealed
        [sys.executable, "-m", "mnvault.cli.main", "serve", "--port", str(PORT)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        with httpx.Client() as client:
            health = None
            while health is None:  # until it answers (or exits: then fail)
                assert server.poll() is None, server.communicate()
                health = _health(client)
                if health is None:
                    time.sleep(0.1)  # not a timing assumption: only to spare the CPU
            assert health["keyring"] == "sealed"
            operator = {**env, "MNVAULT_PASSPHRASE": PASSPHRASE}
            server_url = f"http://127.0.0.1:{PORT}"
            unsealed = mnvault(["unseal", "--server", server_url], operator)
            assert unsealed.returncode == 0, unsealed.stderr
            assert "unsealed" in unsealed.stdout
            assert _health(client) == {**health, "status": "ok", "keyring": "unsealed"}
            wrong = mnvault(
                ["seal", "--server", server_url], {**env, "MNVAULT_PASSPHRASE": "not it"}
            )
            assert wrong.returncode == 1 and "403" in wrong.stderr
            sealed = mnvault(["seal", "--server", server_url], operator)
            assert sealed.returncode == 0, sealed.stderr
            assert (_health(client) or {})["keyring"] == "sealed"
            far = mnvault(["unseal", "--server", "http://192.0.2.1:8600"], operator)
            assert far.returncode == 1 and "plain HTTP" in far.stderr
    finally:
        server.terminate()
        server.communicate(timeout=30)

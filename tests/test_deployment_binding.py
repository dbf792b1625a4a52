"""Never re-initialise a live deployment; never call a foreign keyring healthy.

Issue #11, "Never re-initialise a live deployment": `serve` or `init` with the keyring
missing but a database that holds organisations or a chain head stops with a bilingual
error and changes nothing; `/health` never says ok for a keyring that does not belong to
the database (a key check value stored in the database).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault.app import create_app
from mnvault.audit.models import AuditEntry
from mnvault.config import Settings, load_settings
from mnvault.crypto import ScryptParams
from mnvault.db.engine import make_engine
from mnvault.deployment import binding
from mnvault.deployment import services as deployment
from mnvault.deployment.errors import ForeignKeyring, LiveDatabase
from mnvault.keys.models import KeyringCheck
from mnvault.orgs.models import Organisation, OrganisationKind
from tests.cli_support import mnvault

PASSPHRASE = "binding test"


def make(root: Path, name: str) -> Settings:
    settings = load_settings(root / name, env={"MNVAULT_PASSPHRASE": PASSPHRASE})
    deployment.initialise(
        settings, organisation_name=name, organisation_kind=OrganisationKind.COMPANY,
        passphrase=PASSPHRASE, scrypt=ScryptParams.fast_for_tests(),
    )  # fmt: skip
    return settings


def counts(settings: Settings) -> tuple[int, int]:
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            return (
                session.scalar(select(func.count()).select_from(Organisation)) or 0,
                session.scalar(select(func.count()).select_from(AuditEntry)) or 0,
            )
    finally:
        engine.dispose()


def snapshot(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and not p.name.endswith(("-wal", "-shm"))
    }


def test_init_refuses_a_database_in_use_whose_keyring_is_missing(tmp_path: Path) -> None:
    settings = make(tmp_path, "live")
    settings.keyring_path.rename(tmp_path / "mislaid.json")
    before, files = counts(settings), snapshot(settings.data_dir)
    with pytest.raises(LiveDatabase) as refused:
        deployment.initialise(
            settings, organisation_name="again", organisation_kind=OrganisationKind.COMPANY,
            passphrase=PASSPHRASE, scrypt=ScryptParams.fast_for_tests(),
        )  # fmt: skip
    assert "鍵束" in str(refused.value) and "keyring" in str(refused.value)
    assert not settings.keyring_path.exists()
    assert counts(settings) == before
    assert snapshot(settings.data_dir) == files


@pytest.mark.parametrize("command", [["init"], ["serve", "--port", "8103"]])
def test_the_commands_refuse_too_and_change_nothing(tmp_path: Path, command: list[str]) -> None:
    settings = make(tmp_path, "live")
    settings.keyring_path.unlink()  # lost
    before, files = counts(settings), snapshot(settings.data_dir)
    env = {
        **os.environ,
        "MNVAULT_DATA_DIR": str(settings.data_dir),
        "MNVAULT_PASSPHRASE": PASSPHRASE,
    }
    result = mnvault(command, env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "鍵束がありませんが" in result.stderr and "the keyring is missing" in result.stderr
    assert not settings.keyring_path.exists()
    assert counts(settings) == before
    assert snapshot(settings.data_dir) == files


def test_a_foreign_keyring_is_never_healthy(tmp_path: Path) -> None:
    ours, theirs = make(tmp_path, "ours"), make(tmp_path, "theirs")
    with TestClient(create_app(ours)) as client:
        assert client.get("/health").json()["status"] == "ok"
    # Another deployment's keyring, same passphrase, put where ours should be.
    shutil.copy(theirs.keyring_path, ours.keyring_path)
    with pytest.raises(ForeignKeyring):
        deployment.open_vault(ours, PASSPHRASE)
    with TestClient(create_app(ours)) as client:
        health = client.get("/health").json()
        assert health["status"] != "ok"
        assert health["keyring"] != "unsealed"
        assert client.get("/api/v1/persons").status_code == 503  # sealed: nothing works


def test_a_keyring_swapped_under_a_running_server_is_not_healthy(tmp_path: Path) -> None:
    ours, theirs = make(tmp_path, "ours"), make(tmp_path, "theirs")
    app = create_app(ours)
    with TestClient(app) as client:
        assert client.get("/health").json()["status"] == "ok"
        # The database now names another keyring (restored from the wrong backup, say).
        engine = make_engine(theirs.database_url)
        try:
            with Session(engine) as session:
                other = binding.stored_check(session)
        finally:
            engine.dispose()
        assert other is not None
        with app.state.vault.transaction() as session:
            session.get_one(KeyringCheck, 1).check_value = other
        health = client.get("/health").json()
        assert health["status"] == "degraded" and health["keyring"] == "foreign"

"""On PostgreSQL the application's role is not the owner and cannot take the trail's
triggers away (issue 11, "Audit trail that an insider with the database cannot
rewrite": owner ≠ app role, tested).

The schema is migrated by the owner with MNVAULT_DATABASE_APP_ROLE naming a separate
login role; the deployment then runs connected as that role (every table usable, the
trail appended and signed) while every way to rewrite the trail is refused to it:
UPDATE/DELETE/TRUNCATE, disabling or dropping a trigger, replication mode."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, make_url, text
from sqlalchemy.exc import DBAPIError

from mnvault.access.context import Context
from mnvault.audit import checkpoints
from mnvault.audit import services as audit
from mnvault.audit.actions import AuditAction
from mnvault.config import load_settings
from mnvault.crypto import ScryptParams
from mnvault.db.engine import make_engine
from mnvault.db.migrate import upgrade
from mnvault.deployment import services as deployment
from mnvault.orgs.models import OrganisationKind
from tests.conftest import pg_url

pytestmark = pytest.mark.postgres

PASSPHRASE = "pg app role passphrase"
ROLE_PASSWORD = "app-role-password"

REFUSED = [
    "ALTER TABLE audit_entries DISABLE TRIGGER ALL",
    "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only",
    "ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only",
    "DROP TRIGGER audit_entries_append_only ON audit_entries",
    "SET session_replication_role = replica",
    "UPDATE audit_entries SET action = 'person:create'",
    "DELETE FROM audit_entries",
    "TRUNCATE audit_entries",
    "DELETE FROM audit_checkpoints",
    "DELETE FROM audit_head",
    "ALTER TABLE audit_entries OWNER TO CURRENT_USER",
]


@dataclass
class Schema:
    name: str
    role: str
    owner_url: str
    app_url: str


def _with(url: str, *, user: str | None = None, password: str | None = None) -> str:
    parsed = make_url(url)
    if user is not None:
        parsed = parsed.set(username=user, password=password)
    return parsed.render_as_string(hide_password=False)


@pytest.fixture
def schema(pg_engine: Engine) -> Iterator[Schema]:
    suffix = uuid.uuid4().hex[:8]
    name, role = f"trail_app_{suffix}", f"mnvault_app_{suffix}"
    with pg_engine.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {name}"))
        connection.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{ROLE_PASSWORD}'"))
    try:
        yield Schema(name, role, pg_url(), _with(pg_url(), user=role, password=ROLE_PASSWORD))
    finally:
        with pg_engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {name} CASCADE"))
            connection.execute(text(f"DROP OWNED BY {role}"))
            connection.execute(text(f"DROP ROLE {role}"))


def _engine(url: str, schema: str) -> Engine:
    return make_engine(url, connect_args={"options": f"-csearch_path={schema}"})


def _refused(engine: Engine, statement: str) -> str:
    with engine.connect() as connection, pytest.raises(DBAPIError) as refused:
        connection.execute(text(statement))
    return str(refused.value.orig)


def test_the_app_role_runs_the_vault_but_cannot_disable_the_triggers(
    schema: Schema, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("MNVAULT_DATABASE_APP_ROLE", schema.role)
    owner = _engine(schema.owner_url, schema.name)
    try:
        upgrade(owner)
    finally:
        owner.dispose()
    app = _engine(schema.app_url, schema.name)
    try:
        with app.connect() as connection:
            owners = connection.execute(
                text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = :s"),
                {"s": schema.name},
            ).scalars()
            assert schema.role not in set(owners)
            assert connection.execute(text("SELECT current_user")).scalar_one() == schema.role
        for statement in REFUSED:
            message = _refused(app, statement)
            assert any(word in message for word in ("must be owner", "permission denied")), (
                statement,
                message,
            )
    finally:
        app.dispose()


def test_a_deployment_runs_as_the_app_role(
    schema: Schema, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Initialised by the owner, opened as the application's role: it appends, signs
    and reads every table it needs."""
    monkeypatch.setenv("MNVAULT_DATABASE_APP_ROLE", schema.role)
    options = f"?options=-csearch_path%3D{schema.name}"
    env = {"MNVAULT_PASSPHRASE": PASSPHRASE, "MNVAULT_DATABASE_URL": schema.owner_url + options}
    settings = load_settings(tmp_path / "data", env=env)
    init = deployment.initialise(
        settings,
        organisation_name="試験株式会社",
        organisation_kind=OrganisationKind.COMPANY,
        passphrase=PASSPHRASE,
        scrypt=ScryptParams.fast_for_tests(),
    )
    app_settings = load_settings(
        tmp_path / "data", env={**env, "MNVAULT_DATABASE_URL": schema.app_url + options}
    )
    vault = deployment.open_vault(app_settings, PASSPHRASE)
    try:
        context = Context(actor_id=uuid.uuid4(), organisation_id=init.organisation_id)
        with vault.transaction() as session:
            assert session.execute(text("SELECT current_user")).scalar_one() == schema.role
            audit.record(session, context, AuditAction.PERSON_READ)
            assert checkpoints.checkpoint_now(session) is not None
    finally:
        vault.close()


def test_the_app_role_must_not_be_the_migrating_role(
    schema: Schema, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MNVAULT_DATABASE_APP_ROLE", make_url(pg_url()).username or "")
    owner = _engine(schema.owner_url, schema.name)
    try:
        with pytest.raises(RuntimeError, match="other than the one running the migrations"):
            upgrade(owner)
    finally:
        owner.dispose()

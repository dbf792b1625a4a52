"""Fixtures: every service test runs on SQLite and on a real PostgreSQL server.

Each test runs inside one outer transaction that is rolled back at the end
(warehouse-style); sessions join it with savepoints, so services may commit.
Under CI=true a missing PostgreSQL server fails the tests instead of skipping them.
"""

from __future__ import annotations

import os
import random
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from mnvault.access import services as access
from mnvault.access.context import Context
from mnvault.access.models import Role, User
from mnvault.affairs.services import get_affair, sync_catalogue
from mnvault.crypto import Envelope, LocalKeyring, ScryptParams
from mnvault.db.engine import make_engine
from mnvault.db.migrate import upgrade
from mnvault.numbers import generate_my_number, generate_my_numbers, is_valid_my_number, mask
from mnvault.orgs.models import Organisation, OrganisationKind

DEFAULT_PG_URL = "postgresql://mnvault:mnvault@127.0.0.1:5432/mnvault_test"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pg_url() -> str:
    return os.environ.get("MNVAULT_TEST_DATABASE_URL", DEFAULT_PG_URL)


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required under CI=true: {reason}")
    pytest.skip(f"PostgreSQL not reachable: {reason}")


@pytest.fixture(autouse=True, scope="session")
def cheap_password_hashing() -> Iterator[None]:
    """Argon2id at its lowest cost in tests only: the suite creates hundreds of users."""
    from argon2 import PasswordHasher

    original = access._hasher
    access._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    access._hasher = original


@pytest.fixture(autouse=True, scope="session")
def witness_state_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The default witness lives outside the data directory, in the user's state
    directory (mnvault.config.default_witness): under a temporary one in tests, which
    CLI subprocesses inherit through the environment."""
    previous = os.environ.get("XDG_STATE_HOME")
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    if previous is None:
        os.environ.pop("XDG_STATE_HOME", None)
    else:
        os.environ["XDG_STATE_HOME"] = previous


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    engine = make_engine(pg_url())
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any connection failure means "not reachable"
        engine.dispose()
        _unavailable(type(exc).__name__)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(sqlite_template, path)
        sqlite_engine = make_engine(f"sqlite:///{path}")
        yield sqlite_engine
        sqlite_engine.dispose()
    else:
        yield request.getfixturevalue("pg_engine")


@pytest.fixture
def sessions(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """A session factory bound to one connection whose transaction is rolled back."""
    connection = engine.connect()
    outer = connection.begin()
    factory = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    yield factory
    outer.rollback()
    connection.close()


@pytest.fixture(scope="session")
def keyring_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("keyring") / "keyring.json"
    LocalKeyring.create(path, "test passphrase", ScryptParams.fast_for_tests())
    return path


@pytest.fixture
def envelope(keyring_path: Path) -> Envelope:
    return Envelope(LocalKeyring.open(keyring_path, "test passphrase"))


@dataclass
class World:
    """One organisation with an admin, an auditor, a manager and two clerks."""

    sessions: sessionmaker[Session]
    envelope: Envelope
    org: Organisation
    other_org: Organisation
    users: dict[str, User]

    def ctx(self, who: str, affair: str | None = None, org: Organisation | None = None) -> Context:
        return Context(
            actor_id=self.users[who].id,
            organisation_id=(org or self.org).id,
            affair_code=affair,
            request_id=uuid.uuid4().hex,
        )


@pytest.fixture
def world(sessions: sessionmaker[Session], envelope: Envelope) -> World:
    with sessions() as session:
        sync_catalogue(session)
        org = Organisation(name="試験株式会社", kind=OrganisationKind.COMPANY.value)
        other = Organisation(name="別会社", kind=OrganisationKind.COMPANY.value)
        session.add_all([org, other])
        session.flush()
        users: dict[str, User] = {}
        roles = {
            "admin": Role.ADMIN,
            "auditor": Role.AUDITOR,
            "manager": Role.MANAGER,
            "clerk": Role.CLERK,
            "clerk2": Role.CLERK,
            "outsider": Role.CLERK,
        }
        for login, role in roles.items():
            target = other if login == "outsider" else org
            user = access.create_user(
                session,
                None,
                home_organisation_id=target.id,
                login=f"{login}-{uuid.uuid4().hex[:6]}",
                display_name=login,
                password="correct horse battery staple",
            )
            access.grant_role(session, None, user=user, organisation_id=target.id, role=role)
            users[login] = user
        admin_ctx = Context(actor_id=users["admin"].id, organisation_id=org.id)
        for code in ("withholding_slip", "dependent_deduction_declaration"):
            access.assign(
                session, admin_ctx, user=users["clerk"], affair=get_affair(session, org.id, code)
            )
        access.assign(
            session,
            admin_ctx,
            user=users["manager"],
            affair=get_affair(session, org.id, "withholding_slip"),
        )
        access.assign(
            session,
            admin_ctx,
            user=users["clerk2"],
            affair=get_affair(session, org.id, "health_pension_insurance"),
        )
        outsider_ctx = Context(actor_id=users["admin"].id, organisation_id=other.id)
        access.grant_role(
            session, None, user=users["admin"], organisation_id=other.id, role=Role.ADMIN
        )
        access.assign(
            session,
            outsider_ctx,
            user=users["outsider"],
            affair=get_affair(session, other.id, "withholding_slip"),
        )
        session.commit()
    return World(sessions, envelope, org, other, users)


@pytest.fixture
def rng() -> random.Random:
    return random.Random(20261126)


class MaskedStr(str):
    """A synthetic number whose repr is masked, so failing tests never print it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"'{mask(self)}'" if is_valid_my_number(self) else "'<masked>'"


class MaskedList(list[str]):
    def __repr__(self) -> str:
        return f"[{len(self)} synthetic numbers]"


@pytest.fixture
def synthetic_number(rng: random.Random) -> str:
    return MaskedStr(generate_my_number(rng))


def synthetic_numbers(count: int, seed: int) -> list[str]:
    return MaskedList(MaskedStr(n) for n in generate_my_numbers(count, seed))

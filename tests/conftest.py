"""Fixtures: every service test runs on SQLite and on a real PostgreSQL server.

The PostgreSQL database is this run's own (tests/support/database.py): created on first
use next to MNVAULT_TEST_DATABASE_URL's and dropped when the run ends; under
pytest-xdist each worker has its own.

Each test runs inside one outer transaction that is rolled back at the end
(warehouse-style); sessions join it with savepoints, so services may commit.
Under CI=true a missing PostgreSQL server fails the tests instead of skipping them.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from mnvault.access import services as access
from mnvault.crypto import Envelope, LocalKeyring, ScryptParams
from mnvault.db.engine import make_engine
from mnvault.db.migrate import upgrade
from mnvault.numbers import generate_my_number
from tests.support.database import (
    DEFAULT_PG_URL,
    IN_CI,
    drop_run_database,
    pg_url,
    unavailable,
)
from tests.support.numbers import MaskedList, MaskedStr, synthetic_numbers
from tests.support.world import World, build_world

__all__ = [
    "DEFAULT_PG_URL",
    "IN_CI",
    "MaskedList",
    "MaskedStr",
    "World",
    "pg_url",
    "synthetic_numbers",
]


def pytest_unconfigure(config: pytest.Config) -> None:
    drop_run_database()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests marked slow first, the rest in their order (a stable sort): under xdist a
    long test that starts last runs alone while the other workers wait (issue #12, the
    suite's time); started first, the short ones fill in around it."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


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
        unavailable(type(exc).__name__)
    upgrade(engine)  # a new, empty database: this run's own
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


@pytest.fixture
def world(sessions: sessionmaker[Session], envelope: Envelope) -> World:
    return build_world(sessions, envelope)


@pytest.fixture
def rng() -> random.Random:
    return random.Random(20261126)


@pytest.fixture
def synthetic_number(rng: random.Random) -> str:
    return MaskedStr(generate_my_number(rng))

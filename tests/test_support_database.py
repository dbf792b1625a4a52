"""The PostgreSQL test database is this run's own (issue #12, "Fast, stable tests": two
runs on one machine, or two pytest-xdist workers, never reset each other's schema)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from mnvault.db.engine import make_engine
from tests.support import database


def _databases() -> set[str]:
    server = database._server(database.base_url())
    with server.connect() as connection:
        names = {name for (name,) in connection.execute(text("SELECT datname FROM pg_database"))}
    server.dispose()
    return names


@pytest.mark.postgres
def test_the_database_is_named_for_this_run_and_exists(pg_engine: object) -> None:
    base = str(database.base_url().database)
    name = str(make_url(database.pg_url()).database)
    assert re.fullmatch(rf"{re.escape(base)}_{os.getpid()}_[0-9a-f]{{8}}", name)
    assert name in _databases()
    assert database.pg_url() == database.pg_url()  # one per process, not one per call


@pytest.mark.postgres
def test_another_run_gets_another_database_and_drops_it(pg_engine: object) -> None:
    # A second run, in a process of its own, sees the server this run uses.
    probe = (
        "from tests.support import database\n"
        "from sqlalchemy.engine import make_url\n"
        "print(make_url(database.pg_url()).database)\n"
        "database.drop_run_database()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120,
        env={**os.environ},
    )  # fmt: skip
    other = done.stdout.strip()
    assert other != make_url(database.pg_url()).database
    assert other not in _databases()
    assert make_url(database.pg_url()).database in _databases()


@pytest.mark.postgres
def test_a_database_left_by_a_killed_run_is_dropped(pg_engine: object) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    left = f"{database.base_url().database}_{gone}_deadbeef"
    server = database._server(database.base_url())
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{left}"'))
        assert left in _databases()
        database._drop_abandoned(connection, str(database.base_url().database))
    server.dispose()
    assert left not in _databases()
    # This run's own database (its process alive) is left alone.
    engine = make_engine(database.pg_url())
    with engine.connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    engine.dispose()

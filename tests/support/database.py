"""This test run's own PostgreSQL database (issue #12: the database name is per run).

``MNVAULT_TEST_DATABASE_URL`` names a server and a database the tests may connect to; the
run creates ``<that name>_<pid>_<random>`` next to it on first use and drops it at the end,
so two runs on one machine (two engineers, or two pytest-xdist workers) never reset each
other's schema. A database left by a run that was killed is dropped by the next run once
its process is gone.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL, make_url

DEFAULT_PG_URL = "postgresql://mnvault:mnvault@127.0.0.1:5432/mnvault_test"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

_run: dict[str, URL] = {}


def base_url() -> URL:
    return make_url(os.environ.get("MNVAULT_TEST_DATABASE_URL", DEFAULT_PG_URL))


def _server(base: URL) -> Engine:
    return create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")


def pg_url() -> str:
    """The URL of this run's database, created on first call (a string, as before)."""
    if "url" not in _run:
        base = base_url()
        name = f"{base.database}_{os.getpid()}_{secrets.token_hex(4)}"
        _run["url"] = base.set(database=name)
        # No server: the tests that connect to it skip, or fail under CI=true.
        with contextlib.suppress(Exception):
            server = _server(base)
            with server.connect() as connection:
                _drop_abandoned(connection, str(base.database))
                connection.execute(text(f'CREATE DATABASE "{name}"'))
            server.dispose()
            _run["created"] = _run["url"]
    return _run["url"].render_as_string(hide_password=False)


def _drop_abandoned(connection: Connection, base: str) -> None:
    pattern = re.compile(rf"{re.escape(base)}_(\d+)_[0-9a-f]{{8}}")
    for (name,) in connection.execute(text("SELECT datname FROM pg_database")):
        found = pattern.fullmatch(name)
        if found and not _alive(int(found.group(1))):
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def drop_run_database() -> None:
    created = _run.pop("created", None)
    _run.pop("url", None)
    if created is None:
        return
    server = _server(base_url())
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{created.database}" WITH (FORCE)'))
    server.dispose()


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required under CI=true: {reason}")
    pytest.skip(f"PostgreSQL not reachable: {reason}")

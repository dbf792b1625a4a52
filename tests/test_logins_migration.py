"""Migration 0012: organisations get a sign-in code, users a home organisation.

Logins were unique across the deployment before, so every (home, login) pair stays
unique; a user who held roles in several organisations gets the oldest of them as home
(issue #3; the migration's docstring says why)."""

from __future__ import annotations

import importlib
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from mnvault.db.migrate import upgrade
from mnvault.orgs.codes import require_code

_0012 = importlib.import_module("mnvault.db.migrations.versions.0012_logins_per_organisation")


def test_existing_rows_get_codes_and_homes(tmp_path: Path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0010")
    first, second = uuid.uuid4(), uuid.uuid4()
    both, only_second, none = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    organisations = sa.table(
        "organisations", sa.column("id", _0012.GUID()), sa.column("name", sa.String()),
        sa.column("kind", sa.String()), sa.column("created_at", _0012.UTCDateTime()),
    )  # fmt: skip
    users = sa.table(
        "users", sa.column("id", _0012.GUID()), sa.column("login", sa.String()),
        sa.column("display_name", sa.String()), sa.column("password_hash", sa.String()),
        sa.column("is_active", sa.Boolean()), sa.column("must_change_password", sa.Boolean()),
        sa.column("created_at", _0012.UTCDateTime()),
    )  # fmt: skip
    memberships = sa.table(
        "memberships", sa.column("id", _0012.GUID()), sa.column("user_id", _0012.GUID()),
        sa.column("organisation_id", _0012.GUID()), sa.column("role", sa.String()),
    )  # fmt: skip
    with engine.begin() as connection:
        for org_id, year in ((second, 2025), (first, 2024)):
            connection.execute(
                organisations.insert().values(
                    id=org_id, name="x", kind="company",
                    created_at=datetime(year, 1, 1, tzinfo=UTC),
                )
            )  # fmt: skip
        for user_id, login in ((both, "outsourced"), (only_second, "tanaka"), (none, "idle")):
            connection.execute(
                users.insert().values(
                    id=user_id, login=login, display_name=login, password_hash="x",
                    is_active=True, must_change_password=False,
                    created_at=datetime(2025, 1, 1, tzinfo=UTC),
                )
            )  # fmt: skip
        for user_id, org_id in ((both, second), (both, first), (only_second, second)):
            connection.execute(
                memberships.insert().values(
                    id=uuid.uuid4(), user_id=user_id, organisation_id=org_id, role="clerk"
                )
            )
    upgrade(engine, "0012")
    with engine.connect() as connection:
        codes = dict(
            connection.execute(
                sa.select(_0012._organisations.c.id, _0012._organisations.c.code)
            ).all()
        )
        homes = dict(
            connection.execute(
                sa.select(_0012._users.c.id, _0012._users.c.home_organisation_id)
            ).all()
        )
    assert codes == {first: f"org-{first.hex[:8]}", second: f"org-{second.hex[:8]}"}
    assert all(require_code(code) == code for code in codes.values())
    assert homes == {both: first, only_second: second, none: first}
    engine.dispose()

"""Run Alembic migrations programmatically (the same migrations on SQLite and PostgreSQL).

Every command opens the database through :func:`upgrade`; a database already at the head is
recognised with one query, without importing Alembic or reading every migration (a third of
a short command's start-up). The head is the highest-numbered file: the chain is one line
whose file prefixes are the revision ids (tests/test_migrations.py holds that).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # noqa: PLC0415 - only when migrating

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    """The last migration's revision id, from the file names alone."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("0*.py"))


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine, revision: str = "head") -> None:
    if revision == "head" and current_revision(engine) == head_revision():
        return
    from alembic import command  # noqa: PLC0415 - only when migrating

    command.upgrade(alembic_config(engine), revision)

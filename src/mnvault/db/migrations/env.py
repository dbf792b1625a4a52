"""Alembic environment: takes the engine from the caller (mnvault.db.migrate) or the URL."""

from __future__ import annotations

from alembic import context

from mnvault.config import DEFAULT_DATA_DIR, read_environment
from mnvault.db.engine import make_engine
from mnvault.db.registry import metadata

config = context.config


def run() -> None:
    # Validated before any step runs: a bad role name must not stop a migration halfway.
    environment = read_environment()
    engine = config.attributes.get("engine")
    if engine is None:
        url = environment.database_url or f"sqlite:///{DEFAULT_DATA_DIR}/db/mnvault.sqlite3"
        engine = make_engine(url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()


run()

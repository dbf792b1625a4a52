"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL.

Several people add tables at once; a model changed without its migration (or the
reverse) would only show on a deployment that upgrades, so compare them here.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from mnvault.db.migrate import (
    MIGRATIONS,
    alembic_config,
    current_revision,
    head_revision,
    upgrade,
)
from mnvault.db.registry import metadata


def test_models_and_migrations_agree(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_migrations_form_one_line(engine: Engine) -> None:
    """One head and numbered files in order: merges of parallel work must re-chain them."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    assert len(script.get_heads()) == 1
    revisions = [r.revision for r in script.walk_revisions()]
    assert revisions == sorted(revisions, reverse=True)
    files = sorted(p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("0*.py"))
    assert files == sorted(revisions)


def test_the_head_is_read_from_the_file_names_and_a_current_database_is_left_alone(
    engine: Engine,
) -> None:
    """The fast path of every command's upgrade() (issue #12): the file name's head is
    Alembic's head, and a database at it is recognised without running Alembic."""
    script = ScriptDirectory.from_config(alembic_config(engine))
    assert head_revision() == script.get_current_head()
    assert current_revision(engine) == head_revision()
    upgrade(engine)  # nothing to do, and nothing fails
    assert current_revision(engine) == head_revision()

"""Migration 0019_provision (issue #13): a provision stored before the items of 番号法第19条
were a table keeps its free-text basis, with no item (shown as a legacy basis)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from mnvault.db.base import GUID, UTCDateTime
from mnvault.db.migrate import upgrade


def test_an_old_free_text_provision_stays_readable(tmp_path: Path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0018")
    provisions = sa.table(
        "provisions", sa.column("id", GUID()), sa.column("organisation_id", GUID()),
        sa.column("recipient_kind", sa.String()), sa.column("recipient_name", sa.String()),
        sa.column("legal_basis", sa.String()), sa.column("affair_id", GUID()),
        sa.column("method", sa.String()), sa.column("provided_by", GUID()),
        sa.column("provided_at", UTCDateTime()),
    )  # fmt: skip
    old = uuid.uuid4()
    with engine.begin() as connection:
        connection.execute(
            provisions.insert().values(
                id=old, organisation_id=uuid.uuid4(), recipient_kind="other",
                recipient_name="営業部", legal_basis="番号法第19条（社内で共有）",
                affair_id=uuid.uuid4(), method="paper", provided_by=uuid.uuid4(),
                provided_at=datetime(2025, 4, 1, tzinfo=UTC),
            )
        )  # fmt: skip
    upgrade(engine, "head")
    with engine.connect() as connection:
        row = connection.execute(
            sa.text("SELECT legal_basis, article19_item, item16_condition FROM provisions")
        ).one()
    assert tuple(row) == ("番号法第19条（社内で共有）", None, None)

"""Migration 0010: the old per-person disposal records become disposal batches.

削除・廃棄の記録 must be kept (事業者編 別添1 2E d), so dropping the `disposals` table of the
removed minimal disposal path must not lose them: each becomes an executed batch whose KEK
rotation is still to come (none ever followed those disposals).
"""

from __future__ import annotations

import importlib
import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa

from mnvault.db.migrate import upgrade

_0010 = importlib.import_module("mnvault.db.migrations.versions.0010_one_disposal_path")


def test_old_disposal_records_become_batches_awaiting_rotation(tmp_path: Path):
    # A plain engine: foreign keys are not enforced, so no organisation or user rows.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    upgrade(engine, "0009")
    person, actor, org = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    at = datetime(2025, 2, 1, 9, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(
            _0010._old.insert().values(
                id=uuid.uuid4(), organisation_id=org, person_id=person,
                affair_codes=["withholding_slip", "dependent_deduction_declaration"],
                method="crypto_erase", reason="退職後7年経過", kek_version_at_disposal=1,
                disposed_by=actor, disposed_at=at,
            )
        )  # fmt: skip
    upgrade(engine, "0010")
    with engine.connect() as connection:
        assert "disposals" not in sa.inspect(connection).get_table_names()
        (batch,) = connection.execute(sa.select(_0010._batches)).mappings().all()
        (member,) = connection.execute(sa.select(_0010._members)).mappings().all()
    assert batch["state"] == "executed"  # the rotation is still to come
    assert (batch["organisation_id"], batch["executed_by"], batch["executed_at"]) == (
        org, actor, at,
    )  # fmt: skip
    assert (batch["reason"], batch["kek_version_at_disposal"]) == ("退職後7年経過", 1)
    assert (member["batch_id"], member["person_id"], member["state"]) == (
        batch["id"], person, "disposed",
    )  # fmt: skip
    assert member["affair_codes"] == "dependent_deduction_declaration,withholding_slip"
    engine.dispose()

"""Issue 12, Settings: enumerated states are enums (batch, member, rotation, export,
import), stored as their text in the same VARCHAR(16) columns (no data migration), read
back as enum members, and a state outside the enum is refused before it is written."""

from __future__ import annotations

from enum import StrEnum

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, select
from sqlalchemy.exc import StatementError

from mnvault.db.base import StateText
from mnvault.disposal.models import BatchState, DisposalBatch, DisposalBatchPerson, MemberState
from mnvault.keys.models import KekRotation, RotationState
from mnvault.transfer.jobs import JobState
from mnvault.vault.models import ExportRequest, ExportState, ImportJob, ImportState

STATE_COLUMNS = [
    (DisposalBatch, BatchState),
    (DisposalBatchPerson, MemberState),
    (KekRotation, RotationState),
    (ExportRequest, ExportState),
    (ImportJob, ImportState),
]


@pytest.mark.parametrize(("model", "enum"), STATE_COLUMNS)
def test_each_state_column_is_typed_by_its_enum(model: type, enum: type[StrEnum]) -> None:
    column_type = model.__table__.c.state.type  # type: ignore[attr-defined]
    assert isinstance(column_type, StateText)
    assert column_type.enum is enum
    assert column_type.impl.length == 16  # the column the migrations made
    assert all(len(member.value) <= 16 for member in enum)


def test_the_states_keep_the_texts_already_stored() -> None:
    assert [s.value for s in ExportState] == ["requested", "approved", "rejected", "downloaded"]
    assert [s.value for s in ImportState] == ["running", "done", "interrupted", "failed"]
    assert [s.value for s in BatchState] == [
        "planned",
        "confirmed",
        "executed",
        "completed",
        "cancelled",
    ]
    assert [s.value for s in MemberState] == ["planned", "disposed", "kept"]
    assert [s.value for s in RotationState] == ["rewrapping", "done"]
    assert [s.value for s in JobState] == ["running", "done", "failed"]


def test_a_state_is_stored_as_text_read_as_its_enum_and_a_stray_one_refused() -> None:
    metadata = MetaData()
    table = Table(
        "t",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("state", StateText(BatchState)),
    )
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(table.insert().values(id=1, state=BatchState.PLANNED))
        connection.execute(table.insert().values(id=2, state="executed"))  # text still works
        stored = connection.exec_driver_sql("SELECT state FROM t ORDER BY id").scalars().all()
        assert stored == ["planned", "executed"]
        read = connection.execute(select(table.c.state).order_by(table.c.id)).scalars().all()
        assert read == [BatchState.PLANNED, BatchState.EXECUTED]
        assert all(type(state) is BatchState for state in read)
        with pytest.raises(StatementError):
            connection.execute(table.insert().values(id=3, state="planed"))

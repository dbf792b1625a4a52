"""Key rotations, so that an interrupted one resumes where it stopped."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, StateText, UTCDateTime, new_id, utcnow


class RotationState(StrEnum):
    REWRAPPING = "rewrapping"
    DONE = "done"


class KekRotation(Base):
    """One rotation: a new KEK version, the re-wrap pass over the data keys, the
    destruction of the versions no wrapped key uses any more. Never key material."""

    __tablename__ = "kek_rotations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    to_version: Mapped[int] = mapped_column(Integer)
    state: Mapped[RotationState] = mapped_column(StateText(RotationState), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    # The last data key (by person id) the pass has re-wrapped and committed.
    cursor: Mapped[uuid.UUID | None] = mapped_column()
    rewrapped: Mapped[int] = mapped_column(Integer, default=0)
    destroyed_versions: Mapped[list[int]] = mapped_column(JSON, default=list)
    started_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class KeyringCheck(Base):
    """The one row saying which keyring this database belongs to (a key check value,
    never key material): a keyring that does not match is never taken for this one's."""

    __tablename__ = "keyring_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    check_value: Mapped[bytes] = mapped_column(LargeBinary(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

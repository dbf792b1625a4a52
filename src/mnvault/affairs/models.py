"""The affair catalogue and each organisation's own affairs."""

from __future__ import annotations

import uuid
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mnvault.db.base import Base, new_id


class AffairKind(StrEnum):
    RELATED = "related"  # 個人番号関係事務 (番号法第9条第4項)
    USE = "use"  # 個人番号利用事務 (番号法第9条第1項〜第3項)


class Affair(Base):
    """An affair; ``organisation_id`` is NULL for the shared, seeded catalogue."""

    __tablename__ = "affairs"
    __table_args__ = (UniqueConstraint("organisation_id", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    organisation_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("organisations.id"))
    code: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name_ja: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    legal_basis: Mapped[str] = mapped_column(Text)
    person_kinds: Mapped[list[str]] = mapped_column(JSON)

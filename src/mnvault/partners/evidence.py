"""Evidence for the compliance spine from the registers of this package.

- 別添1 2G 外的環境の把握 (J-2G, G-2G): each current place abroad, valid for a year after the
  organisation last reviewed that country's regime; with none, the storage location in Japan
  as a person confirmed it (a deployment that handles SPI only in Japan has grasped its
  environment; init's default alone is not a finding). A
  place whose review has lapsed decides the state (the oldest review governs).
- 別添1 2C c 取扱状況を確認する手段 (J-2Cc, G-2Cc): the register itself, when every file names
  its kind, its items and a responsible person or department (the system check in
  compliance.checks decides that measure; this lists the register beside it).

The 委託先の監督 of 事業者編 第4-2-(1) has no row in the 別添1 catalogue; its records are shown
by the outsourcee register and its attention items (services.attention).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mnvault.compliance.evidence import Evidence, register
from mnvault.db.base import utcnow
from mnvault.partners.models import ForeignPlace, StorageLocation
from mnvault.vault.models import SpiFile

REVIEW_DAYS = 365


def _at(day: date) -> datetime:
    return datetime.combine(day, time(0, tzinfo=UTC))


def foreign_environment(
    session: Session, organisation_id: uuid.UUID, _measure_id: str
) -> Sequence[Evidence]:
    places = list(
        session.scalars(
            select(ForeignPlace).where(
                ForeignPlace.organisation_id == organisation_id, ForeignPlace.ended_at.is_(None)
            )
        )
    )
    if places:
        found = [
            Evidence(
                f"国外での取扱い: {p.country} {p.place}",
                _at(p.reviewed_on),
                _at(p.reviewed_on) + timedelta(days=REVIEW_DAYS),
                link="/partners/places",
                source="partners",
            )
            for p in places
        ]
        lapsed = [e for e in found if e.valid_until is not None and e.valid_until <= utcnow()]
        return lapsed or found
    location = session.get(StorageLocation, organisation_id)
    # The location init records by default is a starting point, not a finding: it counts
    # once a person has confirmed (or set) it.
    if location is None or location.country != "JP" or location.set_by is None:
        return []
    return [
        Evidence(
            f"保管場所: 国内（{location.place}）",
            location.set_at,
            None,
            link="/partners/places",
            source="partners",
        )
    ]


def spi_register(
    session: Session, organisation_id: uuid.UUID, _measure_id: str
) -> Sequence[Evidence]:
    files = list(session.scalars(select(SpiFile).where(SpiFile.organisation_id == organisation_id)))
    complete = [
        f for f in files if f.items and (f.responsible_user_id or f.department_id) and f.kind
    ]
    if not files or len(complete) != len(files):
        return []
    newest = max(f.created_at for f in files)
    return [
        Evidence(
            f"特定個人情報ファイル台帳（{len(files)}件）",
            newest,
            None,
            link="/partners/spi-files",
            source="partners",
        )
    ]


register(["J-2G", "G-2G"], "partners-places", foreign_environment)
register(["J-2Cc", "G-2Cc"], "partners-spi-register", spi_register)

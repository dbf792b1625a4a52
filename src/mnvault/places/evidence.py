"""The places register as evidence for the compliance spine (事業者編 別添1 2E a–d).

- 2E a (J-2Ea, .1, .2): the areas registered, with the measures ticked for each example
  (entry control and device limits; partitions, seating and screens), and the entry logs.
- 2E b (J-2Eb, .1, .2): the device register; locked storage and security wires as ticked.
- 2E c (J-2Ec, .1, .2): approved take-outs with their safeguards; one still out past its
  return date lapses on that date (so the measure turns overdue until it is returned).
- 2E d (J-2Ed.1, .4, .5): disposals of devices, media and paper (a contractor's with its
  certificate), paper methods for .4, device methods for .5.
Titles, dates and links only: no SPI.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mnvault import local_time
from mnvault.compliance.evidence import Evidence, once_per_gathering, register
from mnvault.places.models import Area, Device, DeviceDisposal, EntryImport, MediaTakeout

SHOWN = 20
AREA_MEASURES = {
    "J-2Ea": None,
    "J-2Ea.1": {"entry_control", "entry_log", "device_limits"},
    "J-2Ea.2": {"partitions", "seating", "screening"},
    "J-2Eb.1": {"locked_storage"},
    "J-2Eb.2": {"security_wire"},
}
CARRY_ELECTRONIC = {"encrypted", "password", "locked_case", "traceable"}
CARRY_PAPER = {"sealed", "cover_sticker", "traceable", "envelope_bag"}
PAPER_METHODS = {"shredder", "incineration", "dissolution", "masking"}
DEVICE_METHODS = {"erasure_software", "physical_destruction"}
KIND_JA = {"controlled": "管理区域", "handling": "取扱区域"}


@once_per_gathering
def _active_areas(session: Session, organisation_id: uuid.UUID) -> Sequence[Area]:
    return session.scalars(
        select(Area).where(Area.organisation_id == organisation_id, Area.active.is_(True))
    ).all()


def areas(session: Session, organisation_id: uuid.UUID, measure_id: str) -> list[Evidence]:
    wanted = AREA_MEASURES.get(measure_id)
    rows = _active_areas(session, organisation_id)
    found = [
        Evidence(
            f"{KIND_JA.get(row.kind, row.kind)}「{row.name}」",
            row.updated_at,
            None,
            link=f"/places/areas/{row.id}",
            source="places",
        )
        for row in rows
        if wanted is None or wanted & set(row.measures)
    ]
    if measure_id == "J-2Ea.1":
        logs = session.execute(
            select(EntryImport.area_id, func.max(EntryImport.last_at))
            .where(EntryImport.organisation_id == organisation_id)
            .group_by(EntryImport.area_id)
        )
        found.extend(
            Evidence(
                "入退室記録の取込み", last, None, link=f"/places/areas/{area}", source="places"
            )
            for area, last in logs
        )
    return found


def devices(session: Session, organisation_id: uuid.UUID, measure_id: str) -> list[Evidence]:
    count, newest = session.execute(
        select(func.count(), func.max(Device.updated_at)).where(
            Device.organisation_id == organisation_id, Device.status != "disposed"
        )
    ).one()
    if not count or newest is None:
        return []
    return [Evidence(f"機器・媒体台帳（{count}件）", newest, None, link="/places/devices",
                     source="places")]  # fmt: skip


@once_per_gathering
def _recent_takeouts(session: Session, organisation_id: uuid.UUID) -> Sequence[MediaTakeout]:
    return session.scalars(
        select(MediaTakeout)
        .where(
            MediaTakeout.organisation_id == organisation_id,
            MediaTakeout.state.in_(("approved", "returned")),
        )
        .order_by(MediaTakeout.requested_at.desc())
        .limit(SHOWN * 5)
    ).all()


def takeouts(session: Session, organisation_id: uuid.UUID, measure_id: str) -> list[Evidence]:
    wanted = {"J-2Ec.1": CARRY_ELECTRONIC, "J-2Ec.2": CARRY_PAPER}.get(measure_id)
    rows = _recent_takeouts(session, organisation_id)
    found = []
    for row in rows:
        if wanted is not None and not wanted & set(row.safeguards):
            continue
        out = row.state == "approved"
        lapses = (
            datetime.combine(row.due_back + timedelta(days=1), time(), tzinfo=UTC)
            if out and row.due_back is not None
            else None
        )
        at = row.returned_at or row.decided_at or row.requested_at
        # An unreturned take-out speaks from its return date: the newest word on the measure.
        performed = max(at, lapses - timedelta(seconds=1)) if lapses is not None else at
        found.append(
            Evidence(
                "媒体・書類の持出し（持出し中）" if out else "媒体・書類の持出し（返却済み）",
                performed,
                lapses,
                link=f"/places/takeouts#{row.id}",
                source="places",
            )
        )
    return found[:SHOWN]


def disposals(session: Session, organisation_id: uuid.UUID, measure_id: str) -> list[Evidence]:
    methods = {"J-2Ed.4": PAPER_METHODS, "J-2Ed.5": DEVICE_METHODS}.get(measure_id)
    query = select(DeviceDisposal).where(DeviceDisposal.organisation_id == organisation_id)
    if methods is not None:
        query = query.where(DeviceDisposal.method.in_(sorted(methods)))
    rows = session.scalars(query.order_by(DeviceDisposal.recorded_at.desc()).limit(SHOWN))
    return [
        Evidence(
            f"機器・媒体・書類の廃棄（{local_time.day(row.performed_on)}）",
            row.recorded_at,
            None,
            link=f"/places/devices#{row.device_id}",
            source="places",
        )
        for row in rows
    ]


_PROVIDERS: Sequence[
    tuple[Sequence[str], str, Callable[[Session, uuid.UUID, str], list[Evidence]]]
] = (
    (("J-2Ea", "J-2Ea.1", "J-2Ea.2", "J-2Eb.1", "J-2Eb.2"), "places-areas", areas),
    (("J-2Eb",), "places-devices", devices),
    (("J-2Ec", "J-2Ec.1", "J-2Ec.2"), "places-takeouts", takeouts),
    (("J-2Ed.1", "J-2Ed.4", "J-2Ed.5"), "places-disposals", disposals),
)
for _ids, _name, _provider in _PROVIDERS:
    register(_ids, _name, _provider)
